"""A saved index damaged on disk (bytes overwritten, size and times kept) is never trusted:
the next open names the damaged file in one warning and rebuilds, and answers as before."""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

import pytest

from kilde.corpus import load_corpus
from kilde.retrieval.collection import MANIFEST
from kilde.retrieval.engine import Engine
from kilde.retrieval.errors import IndexFormatError
from kilde.retrieval.index import Bm25Index
from kilde.retrieval.passages import PassageTable
from tests.retrieval.test_collection import QUESTIONS, SHIPPED  # the same questions, answered alike

# Every file of a saved segment, and the collection's own manifest.
SEGMENT_FILES = [
    "index/docs.npy", "index/tf.npy", "index/rank.npy", "index/offsets.npy",
    "index/doc_lengths.npy", "index/vocab.json", "index/manifest.json",
    "passages/text.bin", "passages/number.npy", "passages/article.npy",
    "passages/text_offsets.npy", "passages/own_terms.npy", "passages/articles.bin",
    "passages/article_offsets.npy", "passages/article_year.npy", "passages/manifest.json",
    "files.json", "file_names.json", "file_states.npy",
]


def damage(path: Path) -> None:
    """Overwrite a few bytes in the middle of a file, keeping its size and modification time.

    Binary files get four bytes inverted (0x7f7f7f7f in the document array is the hostile
    test's crash); JSON gets one letter or digit replaced by another, so that it still parses.
    """
    data = bytearray(path.read_bytes())
    stat = path.stat()
    middle = len(data) // 2
    if path.suffix == ".json":
        at = next(i for i in range(middle, len(data)) if chr(data[i]).isalnum())
        data[at] = ord("7" if chr(data[at]).isdigit() and data[at] != ord("7") else
                       "3" if chr(data[at]).isdigit() else
                       "q" if data[at] != ord("q") else "x")
    else:
        for at in range(middle, min(middle + 4, len(data))):
            data[at] ^= 0xFF
    path.write_bytes(bytes(data))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    directory = tmp_path / "articles"
    shutil.copytree(SHIPPED, directory)
    return directory


def _answers(engine: Engine) -> list[dict]:
    return [engine.ask(question, top_k=10).to_json() for question in QUESTIONS]


def _collection(index: Path) -> Path:
    [path] = index.glob(f"*/collection-*/{MANIFEST}")
    return path.parent


def _segments(index: Path) -> list[str]:
    manifest = json.loads((_collection(index) / MANIFEST).read_text(encoding="utf-8"))
    return [entry["name"] for entry in manifest["segments"]]


@pytest.mark.parametrize("name", SEGMENT_FILES)
def test_a_damaged_file_is_named_and_the_index_rebuilt(
    corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    index = tmp_path / "index"
    expected = _answers(Engine.open(corpus, index_dir=index))
    [segment] = _segments(index)
    damage(_collection(index) / segment / name)

    with caplog.at_level(logging.WARNING, logger="kilde.retrieval"):
        engine = Engine.open(corpus, index_dir=index)  # the same process: nothing reused blindly
    assert _answers(engine) == expected
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and str(Path(segment) / name) in warnings[0], warnings
    assert _segments(index) != [segment]
    caplog.clear()
    assert _answers(Engine.open(corpus, index_dir=index)) == expected
    assert not caplog.records  # repaired once, trusted since


def test_a_damaged_collection_manifest_is_rebuilt(
    corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    index = tmp_path / "index"
    Engine.open(corpus, index_dir=index)
    changed = corpus / "001_c536edf10c5b8bff.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n\nEt afsnit til.\n", encoding="utf-8")
    expected = _answers(Engine.open(corpus, index_dir=index))  # the old version masked
    manifest = _collection(index) / MANIFEST
    stat = manifest.stat()
    text = manifest.read_bytes()
    assert text.count(b"001_c536edf10c5b8bff.txt") == 1
    # One byte of the masked name overwritten: the old version of the article would be live again.
    manifest.write_bytes(text.replace(b"001_c536edf10c5b8bff.txt", b"001_c536edf10c5b8bfe.txt"))
    os.utime(manifest, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    with caplog.at_level(logging.WARNING, logger="kilde.retrieval"):
        engine = Engine.open(corpus, index_dir=index)
    assert _answers(engine) == expected
    assert MANIFEST in caplog.text and "rebuilding" in caplog.text


def test_only_the_damaged_segment_is_rebuilt(
    corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    index = tmp_path / "index"
    Engine.open(corpus, index_dir=index)
    added = corpus / "100_added.txt"
    added.write_text((SHIPPED / "003_61097a4a1e12c992.txt").read_text(encoding="utf-8")
                     .replace("Stoltenberg", "Solberg"), encoding="utf-8")
    expected = _answers(Engine.open(corpus, index_dir=index))
    first, second = _segments(index)
    damage(_collection(index) / second / "index" / "tf.npy")

    with caplog.at_level(logging.WARNING, logger="kilde.retrieval"):
        engine = Engine.open(corpus, index_dir=index)
    assert _answers(engine) == expected
    kept, repaired = _segments(index)
    assert kept == first and repaired != second
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and str(Path(second) / "index" / "tf.npy") in warnings[0], warnings


@pytest.mark.parametrize(
    "name", ["docs.npy", "tf.npy", "rank.npy", "offsets.npy", "vocab.json", "doc_lengths.npy",
             "manifest.json"])
def test_a_saved_index_with_a_damaged_file_does_not_load(tmp_path: Path, name: str) -> None:
    documents = [[f"w{(d * 7 + i) % 50}" for i in range(12)] for d in range(200)]
    Bm25Index.build(documents).save(tmp_path / "index")
    damage(tmp_path / "index" / name)
    with pytest.raises(IndexFormatError, match=name):
        Bm25Index.load(tmp_path / "index")


@pytest.mark.parametrize(
    "name", ["text.bin", "text_offsets.npy", "article.npy", "number.npy", "own_terms.npy",
             "articles.bin", "article_offsets.npy", "article_year.npy", "manifest.json"])
def test_a_saved_passage_table_with_a_damaged_file_does_not_load(
    corpus: Path, tmp_path: Path, name: str
) -> None:
    PassageTable.from_corpus(load_corpus(corpus)).save(tmp_path / "passages")
    damage(tmp_path / "passages" / name)
    with pytest.raises(IndexFormatError, match=name):
        PassageTable.load(tmp_path / "passages")
