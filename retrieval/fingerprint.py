"""A fingerprint of what an index is built from: the corpus files and everything that analyses them.

File names, sizes and modification times stand for the files (hashing 10,000 articles at every
start would cost more than it saves). The analysis side is digested from what shapes the tokens,
so that nobody has to remember to bump a constant: the source of the corpus and retrieval
packages (reading, classifying, analysing, indexing), the lexicon data, Kilde's version and the
ranking settings passed in (the BM25 variant). An upgraded Kilde never answers from an old index.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from functools import cache
from importlib import metadata
from pathlib import Path

import kilde.corpus
from kilde.corpus.reader import ARTICLE_SUFFIX, SOURCE_SIDECAR_SUFFIX, article_entries

RETRIEVAL_DIR = Path(__file__).parent
CORPUS_DIR = Path(kilde.corpus.__file__).parent
# The code and data whose every byte may change the tokens or the passages of an index.
SHAPING_FILES = (
    (CORPUS_DIR, "*.py"),  # reading and classifying the articles
    (RETRIEVAL_DIR, "*.py"),  # analysis, stop words, bridging, passages, indexing
    (RETRIEVAL_DIR / "index", "*.py"),  # the BM25 model and its storage
    (RETRIEVAL_DIR / "data", "*.tsv"),  # the lexicon
)


def _version() -> str:
    try:
        return metadata.version("kilde")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def files_digest(files: Iterable[tuple[Path, str]], version: str) -> str:
    """SHA-256 over a version and the names and contents of the files matching each pattern."""
    digest = hashlib.sha256(f"kilde={version}\n".encode())
    for folder, pattern in files:
        for path in sorted(folder.glob(pattern)):
            digest.update(f"{folder.name}/{path.name}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


@cache  # the code and data do not change while Kilde runs; the watcher asks every few seconds
def shaping_digest() -> str:
    """The digest of Kilde's version and of the files that shape an index."""
    return files_digest(SHAPING_FILES, _version())


def analysis_fingerprint(settings: Iterable[str] = ()) -> str:
    """A short hex digest of everything but the files that decides what gets indexed."""
    digest = hashlib.sha256()
    digest.update(f"code+data={shaping_digest()}".encode())
    for item in settings:
        digest.update(item.encode())
    return digest.hexdigest()[:16]


def corpus_fingerprint(directory: Path, settings: Iterable[str] = ()) -> str:
    """A short hex digest that changes whenever an index of `directory` would change."""
    digest = hashlib.sha256()
    digest.update(analysis_fingerprint(settings).encode())
    entries, names = article_entries(directory)
    for entry in entries:
        stat = entry.stat()
        digest.update(f"{entry.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        sidecar = entry.name.removesuffix(ARTICLE_SUFFIX) + SOURCE_SIDECAR_SUFFIX
        if sidecar in names:
            stat = os.stat(os.path.join(directory, sidecar))
            digest.update(f"{sidecar}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:32]
