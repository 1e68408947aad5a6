"""Saved indexes are reused by fingerprint, and damaged ones are rebuilt with a warning."""

from __future__ import annotations

import logging

import pytest

from kilde.retrieval.index import Bm25Index
from kilde.retrieval.store import IndexCache

DOCUMENTS = [["kongen", "talte"], ["statsministeren", "talte", "igen"], ["regn", "i", "morgen"]]


class Builder:
    """Counts how often the cache had to build."""

    def __init__(self, documents: list[list[str]] = DOCUMENTS) -> None:
        self.documents = documents
        self.calls = 0

    def __call__(self) -> Bm25Index:
        self.calls += 1
        return Bm25Index.build(self.documents)


def test_second_start_loads_instead_of_building(tmp_path):
    build = Builder()
    first = IndexCache(tmp_path).load_or_build("abc123", build)
    second = IndexCache(tmp_path).load_or_build("abc123", build)
    assert build.calls == 1
    assert second.top_k([("talte", 1.0)], 5) == first.top_k([("talte", 1.0)], 5)
    assert (tmp_path / "abc123" / "manifest.json").exists()


def test_new_fingerprint_builds_a_new_index(tmp_path):
    cache = IndexCache(tmp_path)
    cache.load_or_build("old", Builder())
    changed = Builder([*DOCUMENTS, ["nyhed"]])
    index = cache.load_or_build("new", changed)
    assert changed.calls == 1 and index.n_documents == 4
    assert cache.prune(keep={"new"}) == ["old"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new"]


def test_corrupt_index_is_rebuilt_with_a_warning(tmp_path, caplog):
    cache = IndexCache(tmp_path)
    cache.load_or_build("fp", Builder())
    scores = tmp_path / "fp" / "scores.npy"
    scores.write_bytes(scores.read_bytes()[:10])
    build = Builder()
    with caplog.at_level(logging.WARNING, logger="kilde.retrieval.store"):
        index = cache.load_or_build("fp", build)
    assert build.calls == 1
    assert index.document_frequency("talte") == 2
    assert "scores.npy" in caplog.text and "rebuilding" in caplog.text
    assert Bm25Index.load(tmp_path / "fp").n_documents == 3  # the repaired copy is saved


def test_incompatible_version_is_rebuilt(tmp_path, caplog):
    cache = IndexCache(tmp_path)
    cache.load_or_build("fp", Builder())
    manifest = tmp_path / "fp" / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"version": 1', '"version": 0'))
    build = Builder()
    with caplog.at_level(logging.WARNING, logger="kilde.retrieval.store"):
        cache.load_or_build("fp", build)
    assert build.calls == 1 and "version 0" in caplog.text


def test_unwritable_index_dir_still_answers(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with caplog.at_level(logging.WARNING, logger="kilde.retrieval.store"):
        index = IndexCache(blocker).load_or_build("fp", Builder())
    assert index.document_frequency("regn") == 1
    assert "could not save" in caplog.text


@pytest.mark.parametrize("fingerprint", ["", "../escape", "a/b", ".hidden"])
def test_fingerprint_must_be_a_plain_name(tmp_path, fingerprint):
    with pytest.raises(ValueError, match="fingerprint"):
        IndexCache(tmp_path).load_or_build(fingerprint, Builder())
