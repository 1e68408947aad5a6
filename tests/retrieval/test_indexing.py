"""A folder analysed in runs (on worker processes, merged through files) is analysed as at once."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from kilde.corpus import load_corpus
from kilde.retrieval import indexing
from kilde.retrieval.engine import Engine
from kilde.retrieval.indexing import SPILL_PREFIX, analyse_files, analyse_folder

SHIPPED = Path(__file__).resolve().parents[2] / "corpus" / "articles"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The seeds in variants, and files that cannot be used or read with a problem."""
    corpus = tmp_path / "articles"
    corpus.mkdir()
    for seed in sorted(SHIPPED.glob("*.txt")):
        text = seed.read_text(encoding="utf-8")
        for copy in range(6):
            (corpus / f"{seed.stem}_{copy}.txt").write_text(
                text.replace("Rusland", f"Rusland{copy}"), encoding="utf-8")
    (corpus / "002_empty.txt").write_text("", encoding="utf-8")
    (corpus / "003_latin1.txt").write_bytes(" date 2024-05 Møde\n\nEt æble, sagde han.\n".encode("cp1252"))
    return corpus


@pytest.mark.parametrize("workers", [1, 2])
def test_runs_merged_through_files_are_the_folder_analysed_at_once(
    folder: Path, tmp_path: Path, workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(indexing, "PARALLEL_FROM", 1)  # workers even for a small folder
    names = sorted(path.name for path in folder.iterdir())
    spill = tmp_path / "collection"
    spill.mkdir()
    at_once = analyse_files(folder, names)
    in_runs = analyse_folder(folder, names, workers=workers, spill_dir=spill, files_per_task=7)
    assert in_runs.segment.terms == at_once.segment.terms
    for field in ("offsets", "docs", "tf", "rank", "doc_lengths"):
        assert np.array_equal(getattr(in_runs.segment, field), getattr(at_once.segment, field))
    for merged, whole in zip(in_runs.passages.columns(), at_once.passages.columns(), strict=True):
        assert bytes(merged) == bytes(whole) if isinstance(whole, bytes) else np.array_equal(merged, whole)
    assert in_runs.passages.articles == at_once.passages.articles
    assert in_runs.ordinals == at_once.ordinals and -1 in in_runs.ordinals
    assert [str(p) for p in in_runs.problems] == [str(p) for p in at_once.problems]
    assert not list(spill.iterdir()), "the build's temporary folder is removed"
    # and it saves as the table built at once does
    in_runs.passages.save(tmp_path / "runs")
    at_once.passages.save(tmp_path / "once")
    for path in (tmp_path / "once").iterdir():
        assert (tmp_path / "runs" / path.name).read_bytes() == path.read_bytes(), path.name


def test_a_killed_builds_temporary_folder_is_removed_by_a_later_commit(
    folder: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    Engine.open(folder, index_dir=index)
    [collection] = index.glob("*/collection-*")
    left = collection / f"{SPILL_PREFIX}killed"
    left.mkdir()
    (left / "1.npy").write_bytes(b"half a file")
    old = time.time() - 3600
    os.utime(left, (old, old))
    (folder / "004_new.txt").write_text(" date 2024-05 Nyt\n\nEn ny artikel om byen.\n", encoding="utf-8")
    engine = Engine.open(folder, index_dir=index)  # ignores the folder; its commit removes it
    assert not left.exists()
    assert engine.article_count == len(load_corpus(folder).articles)
