"""Adding articles to a corpus folder: from a web page (fetched, extracted) or from a text file.

`add_url` and `add_file` in `kilde.corpus.ingest.add` are the entry points; the modules apart are
fetching (`fetch`, with `content_encoding` undoing compression within the size cap and `charset`
reading the bytes as text), extracting a news page's text (`extract`), checking a text file (`textfile`),
writing an article file with its sidecar (`writer`, `sources`) and recognising duplicates
(`urls`, `writer.text_fingerprint`). Importing this package loads neither httpx nor trafilatura.

Errors, each with a one-line message that says what is wrong (the caller names the argument):

    IngestError                     an argument could not be added (a KildeError)
    ├── FetchError                  the URL could not be fetched as an HTML page
    │   └── DecodingError           its Content-Encoding cannot be undone (corrupt, unknown)
    │       └── DecodedTooLargeError    ...or it inflates past the size cap
    ├── ExtractError                the page holds no article text
    ├── InputFileError              the file is not a usable article text file
    ├── DuplicateError              the URL or the text is already in the corpus (`.existing_id`)
    └── CorpusWriteError            the corpus folder cannot be written
"""

from kilde.corpus.ingest.errors import (
    CorpusWriteError,
    DecodedTooLargeError,
    DecodingError,
    DuplicateError,
    ExtractError,
    FetchError,
    IngestError,
    InputFileError,
)

__all__ = [
    "CorpusWriteError", "DecodedTooLargeError", "DecodingError", "DuplicateError", "ExtractError",
    "FetchError", "IngestError",
    "InputFileError",
]
