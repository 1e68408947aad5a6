"""Errors of the retrieval layer.

    RetrievalError            the question cannot be answered from this corpus at all
    ├── EmptyCorpusError      the corpus folder holds no usable article
    └── IndexFormatError      a saved index is corrupt or of another format version
"""


class RetrievalError(Exception):
    """Base of the retrieval layer's errors; messages are one line naming the culprit."""


class EmptyCorpusError(RetrievalError):
    """The corpus holds no article that can be cited."""


class IndexFormatError(RetrievalError):
    """A saved index cannot be read."""
