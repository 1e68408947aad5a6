"""Small corpora written for a test: a folder of article files and the engine over it."""

from __future__ import annotations

from pathlib import Path

import pytest

from kilde.retrieval.engine import Engine


def engine_over(tmp_path_factory: pytest.TempPathFactory, articles: dict[str, str]) -> Engine:
    """An engine over a new folder holding `articles` (file name -> text), in name order."""
    folder: Path = tmp_path_factory.mktemp("corpus")
    for name, text in sorted(articles.items()):
        (folder / name).write_text(text, encoding="utf-8")
    return Engine.open(folder)
