"""A fingerprint of what an index is built from: the corpus files and the analysis settings.

File names, sizes and modification times stand for the files (hashing 10,000 articles at every
start would cost more than it saves); the analysis side is the code's analysis version, the BM25
parameters and the contents of the lexicon data, which all change the tokens.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from kilde.corpus.reader import ARTICLE_SUFFIX, SOURCE_SIDECAR_SUFFIX, article_entries

# Bump when tokenisation, classification or passage building changes what gets indexed.
ANALYSIS_VERSION = "1"
DATA_DIR = Path(__file__).with_name("data")


@cache  # the lexicon data does not change while Kilde runs; the watcher asks every few seconds
def _data_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(DATA_DIR.glob("*.tsv")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def analysis_fingerprint(settings: Iterable[str] = ()) -> str:
    """A short hex digest of everything but the files that decides what gets indexed."""
    digest = hashlib.sha256()
    digest.update(f"analysis={ANALYSIS_VERSION};data={_data_digest()}".encode())
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
