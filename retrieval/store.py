"""Keep built indexes on disk, one folder per fingerprint, and reuse them across starts.

The caller computes the fingerprint (corpus files and analysis settings); a new fingerprint means
a new folder, so a changed corpus is never served from a stale index. A saved index that cannot be
loaded (corrupt, truncated, an older format) is rebuilt with a warning, never a crash.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from kilde.retrieval.errors import IndexFormatError
from kilde.retrieval.index import Bm25Index

logger = logging.getLogger(__name__)

_FINGERPRINT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class IndexCache:
    """Saved indexes under `index_dir/<fingerprint>/`."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)

    def path(self, fingerprint: str) -> Path:
        """The folder an index with this fingerprint is saved in."""
        if not _FINGERPRINT.match(fingerprint):
            raise ValueError(f"index fingerprint {fingerprint!r} is not a plain file name")
        return self.index_dir / fingerprint

    def load(self, fingerprint: str) -> Bm25Index | None:
        """The saved index for `fingerprint`, or None if there is none or it is unusable."""
        directory = self.path(fingerprint)
        if not directory.exists():
            return None
        try:
            return Bm25Index.load(directory)
        except IndexFormatError as error:
            logger.warning("saved index unusable, rebuilding it: %s", error)
            return None

    def load_or_build(self, fingerprint: str, build: Callable[[], Bm25Index]) -> Bm25Index:
        """Load the saved index for `fingerprint`, or build it, save it atomically and return it."""
        index = self.load(fingerprint)
        if index is not None:
            logger.debug("loaded saved index %s", self.path(fingerprint))
            return index
        index = build()
        directory = self.path(fingerprint)
        try:
            index.save(directory)
        except OSError as error:
            # A read-only or full disk costs the next start a rebuild, not this one its answer.
            logger.warning("could not save the index to %s: %s", directory, error)
            return index
        logger.info("saved index %s", directory)
        # Serve from the memory-mapped copy: the built arrays can then be freed.
        return Bm25Index.load(directory)

    def prune(self, keep: set[str]) -> list[str]:
        """Delete saved indexes (and left-over temporary folders) except those in `keep`."""
        removed: list[str] = []
        if not self.index_dir.is_dir():
            return removed
        for entry in self.index_dir.iterdir():
            if not entry.is_dir() or entry.name in keep:
                continue
            leftover = entry.name.startswith(".")  # a temporary folder of an interrupted save
            saved = bool(_FINGERPRINT.match(entry.name)) and (entry / "manifest.json").exists()
            if leftover or saved:
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry.name)
        return sorted(removed)
