"""Open the answer engine for a front end (CLI or bot), turning folder mistakes into usage errors."""

from __future__ import annotations

from kilde.config import Settings
from kilde.corpus import CorpusError, KildeError
from kilde.retrieval.engine import Engine


class CorpusFolderError(KildeError):
    """The corpus folder named by --corpus or KILDE_CORPUS_DIR cannot be used (exit 2)."""


def open_engine(settings: Settings, *, progress: bool = False, serving: bool = False) -> Engine:
    """The engine over the configured corpus, with its saved index.

    `serving` (a long-running bot): warm the engine up before the first question, and have
    the index read into the page cache and its segments merged in the background.
    """
    try:
        engine = Engine.open(
            settings.corpus_dir, index_dir=settings.index_dir, top_k=settings.top_k,
            progress=progress,
        )
    except CorpusError as error:
        raise CorpusFolderError(str(error)) from None
    if serving:
        engine.warm_up()
        engine.start_background_work()
    return engine
