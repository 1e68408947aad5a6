"""Errors of the corpus layer.

    CorpusError                the corpus as a whole cannot be read
    └── CorpusFileError        one file cannot be read (the rest of the corpus still loads)
"""


class CorpusError(Exception):
    """The corpus folder cannot be used; the message names it."""


class CorpusFileError(CorpusError):
    """One article file cannot be read; the message names the file."""
