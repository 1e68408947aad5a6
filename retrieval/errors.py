"""Errors of the retrieval layer.

    RetrievalError             (a KildeError) retrieval cannot do its work; the message says why
    ├── EmptyCorpusError       the corpus folder holds no citable article
    ├── IndexFormatError       a saved index is missing, truncated, corrupt or of another format
    │   └── IndexVersionError  a saved index was written by an incompatible version
    ├── LexiconError           a lexicon data file is missing or malformed (file and line named)
    │   └── ConversionError    (retrieval.data.convert_freedict) a dictd file cannot be converted
    └── GoldFileError          a gold file for `kilde eval` is missing or malformed
"""

from kilde.corpus.errors import KildeError


class RetrievalError(KildeError):
    """Base of every error raised by the retrieval layer."""


class EmptyCorpusError(RetrievalError):
    """The corpus holds no article that can be cited."""


class IndexFormatError(RetrievalError):
    """A saved index cannot be used as it is; the message names the folder or file."""


class IndexVersionError(IndexFormatError):
    """A saved index is well-formed but was written in another format version."""


class LexiconError(RetrievalError):
    """A lexicon data file is missing or malformed; the message names the file and line."""


class GoldFileError(RetrievalError, ValueError):
    """A gold file cannot be read or is malformed; the message names the file (and entry)."""
