"""Open the answer engine for a CLI command, turning folder mistakes into usage errors."""

from __future__ import annotations

from config import Settings
from corpus import CorpusError
from retrieval.engine import Engine


class CorpusFolderError(Exception):
    """The corpus folder named by --corpus or KILDE_CORPUS_DIR cannot be used (exit 2)."""


def open_engine(settings: Settings) -> Engine:
    """The engine over the configured corpus."""
    try:
        return Engine.open(settings.corpus_dir, index_dir=settings.index_dir, top_k=settings.top_k)
    except CorpusError as error:
        raise CorpusFolderError(str(error)) from None
