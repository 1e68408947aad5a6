"""Kilde's one exception root, and the errors of the corpus layer.

`KildeError` lives here because the corpus is the lowest layer: every other layer (ingest,
retrieval, settings, the front ends) already may import from it, and this module imports nothing,
so no layer has to reach up or sideways to raise a Kilde error. Each error's message is one line
that names the culprit; the front ends print it as it is (the CLI catches `KildeError`).

    KildeError                          any error Kilde raises on purpose
    ├── CorpusError                     the corpus as a whole cannot be read
    │   └── CorpusFileError             one file cannot be read (the rest still loads)
    ├── IngestError                     kilde.corpus.ingest: an argument of `kilde add` failed
    │   ├── FetchError                  the URL could not be fetched as an HTML page
    │   │   └── DecodingError           its Content-Encoding cannot be undone (corrupt, unknown)
    │   │       └── DecodedTooLargeError    ...or it inflates past the size cap
    │   ├── ExtractError                the page holds no article text
    │   ├── InputFileError              the file is not a usable article text file
    │   ├── DuplicateError              the URL or the text is already in the corpus
    │   └── CorpusWriteError            the corpus folder cannot be written
    ├── RetrievalError                  kilde.retrieval.errors: retrieval cannot do its work
    │   ├── EmptyCorpusError            the corpus holds no citable article
    │   ├── IndexFormatError            a saved index is missing, truncated, corrupt...
    │   │   └── IndexVersionError       ...or of another format version
    │   ├── LexiconError                a lexicon data file is missing or malformed
    │   │   └── ConversionError         a FreeDict file cannot be converted (retrieval.data)
    │   └── GoldFileError               a gold file for `kilde eval` is missing or malformed
    ├── SettingsError                   kilde.config: a setting is missing or malformed
    ├── CorpusFolderError               kilde.bot.engine_loading: --corpus names no usable folder
    ├── UsageError                      kilde.bot.cli: a bad argument to a subcommand
    ├── BotApiUnreachableError          kilde.bot.cli.serve: no Bot API at start-up
    ├── QueryLogError                   kilde.bot.querylog: the query log cannot be opened or read
    └── TranslationError                kilde.bot.translation: machine translation is unavailable

`SettingsError` and `GoldFileError` are also `ValueError`s, as they were before the root existed.
"""


class KildeError(Exception):
    """Base of every error Kilde raises on purpose; the message is one line naming the culprit."""


class CorpusError(KildeError):
    """The corpus folder cannot be used; the message names it."""


class CorpusFileError(CorpusError):
    """One article file cannot be read; the message names the file."""
