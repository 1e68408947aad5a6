"""Errors of the retrieval layer.

    RetrievalError             retrieval cannot answer; the message says why in one line
    ├── EmptyCorpusError       the corpus folder holds no citable article
    └── IndexFormatError       a saved index is missing, truncated, corrupt or of another format
        └── IndexVersionError  a saved index was written by an incompatible version
"""


class RetrievalError(Exception):
    """Base of every error raised by the retrieval layer."""


class EmptyCorpusError(RetrievalError):
    """The corpus holds no article that can be cited."""


class IndexFormatError(RetrievalError):
    """A saved index cannot be used as it is; the message names the folder or file."""


class IndexVersionError(IndexFormatError):
    """A saved index is well-formed but was written in another format version."""
