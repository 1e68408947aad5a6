"""Errors of the ingest package; the hierarchy is drawn in the package docstring."""

from __future__ import annotations

from kilde.corpus.errors import KildeError


class IngestError(KildeError):
    """One argument of `kilde add` could not be added; the message says why in one line."""


class FetchError(IngestError):
    """The URL could not be fetched as an HTML page (HTTP error, timeout, too big, not HTML...)."""


class DecodingError(FetchError):
    """The body's Content-Encoding cannot be undone: unsupported, too deeply nested or corrupt."""


class DecodedTooLargeError(DecodingError):
    """The body inflates past the size cap (a compression bomb, or just a huge page)."""

    def __init__(self, encodings: str) -> None:
        self.encodings = encodings  # as the header listed them, for the message the caller makes
        super().__init__(f"decompressed body too large (Content-Encoding {encodings})")


class ExtractError(IngestError):
    """The fetched page holds no article text."""


class InputFileError(IngestError):
    """The file is not a usable article text file (missing, empty, binary, not UTF-8, HTML...)."""


class DuplicateError(IngestError):
    """The URL or the text is already in the corpus."""

    def __init__(self, existing_id: str, what: str = "") -> None:
        self.existing_id = existing_id
        suffix = f" ({what})" if what else ""
        super().__init__(f"already in corpus as {existing_id}{suffix}")


class CorpusWriteError(IngestError):
    """The corpus folder cannot be written (read-only, not a folder, disk full...)."""
