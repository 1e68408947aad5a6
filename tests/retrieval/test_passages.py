"""The passage table, and an engine that starts from its saved index without reading articles."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from kilde.corpus import load_corpus
from kilde.retrieval.checksums import sealed
from kilde.retrieval.engine import Engine
from kilde.retrieval.errors import IndexFormatError
from kilde.retrieval.passages import PassageTable

SHIPPED = Path(__file__).resolve().parents[2] / "corpus" / "articles"
QUESTION = "What did Russia demand from NATO?"


def test_table_round_trips_through_disk(tmp_path: Path) -> None:
    table = PassageTable.from_corpus(load_corpus(SHIPPED))
    table.save(tmp_path / "t")
    loaded = PassageTable.load(tmp_path / "t")
    assert len(loaded) == len(table) > 0
    for doc in range(len(table)):
        assert loaded.passage(doc) == table.passage(doc)  # read from text.bin by pread
        assert loaded.neighbours(doc) == table.neighbours(doc)
    assert loaded.article_digests() == table.article_digests()
    # Neighbours never cross from one article into the next.
    for doc in range(len(table)):
        assert all(loaded.article(n) == loaded.article(doc) for n in loaded.neighbours(doc))


def test_truncated_table_is_a_format_error(tmp_path: Path) -> None:
    PassageTable.from_corpus(load_corpus(SHIPPED)).save(tmp_path / "t")
    text = tmp_path / "t" / "text.bin"
    text.write_bytes(text.read_bytes()[:100])
    with pytest.raises(IndexFormatError, match=r"text\.bin"):
        PassageTable.load(tmp_path / "t")


def _copy_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "articles"
    shutil.copytree(SHIPPED, corpus)
    return corpus


def test_second_start_answers_from_the_saved_table_without_reading_articles(tmp_path: Path) -> None:
    corpus, index = _copy_corpus(tmp_path), tmp_path / "index"
    first = Engine.open(corpus, index_dir=index).ask(QUESTION)
    # Rewrite every article in place, same size and times: the fingerprint cannot tell, so an
    # engine that re-read the files would now quote the scrambled text.
    for path in corpus.glob("*.txt"):
        stat = path.stat()
        path.write_bytes(path.read_bytes().swapcase())
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    second = Engine.open(corpus, index_dir=index).ask(QUESTION)
    assert second == first


def test_changed_corpus_is_reindexed_and_old_caches_are_pruned(tmp_path: Path) -> None:
    corpus, index = _copy_corpus(tmp_path), tmp_path / "index"
    Engine.open(corpus, index_dir=index)
    (corpus / "004_4cfd5266a7c9d98f.txt").unlink()
    engine = Engine.open(corpus, index_dir=index)
    assert engine.article_count == 4
    assert all(h.article_id != "004_4cfd5266a7c9d98f" for h in engine.ask(QUESTION, top_k=10).hits)
    [folder] = index.iterdir()  # one folder for this corpus, holding its one collection
    assert [p.name.startswith("collection-") for p in folder.iterdir()] == [True]


def test_corrupt_saved_table_is_rebuilt(tmp_path: Path) -> None:
    corpus, index = _copy_corpus(tmp_path), tmp_path / "index"
    expected = Engine.open(corpus, index_dir=index).ask(QUESTION)
    [text] = index.glob("*/collection-*/seg-*/passages/text.bin")
    text.write_bytes(b"")
    assert Engine.open(corpus, index_dir=index).ask(QUESTION) == expected


def test_article_digests_tell_which_articles_changed(tmp_path: Path) -> None:
    corpus, index = _copy_corpus(tmp_path), tmp_path / "index"
    before = Engine.open(corpus, index_dir=index).article_digests
    path = corpus / "002_f0782c8e115b1d7c.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("Scholz", "Merkel"), encoding="utf-8")
    (corpus / "004_4cfd5266a7c9d98f.txt").unlink()
    after = Engine.open(corpus, index_dir=index).article_digests
    assert before.keys() - after.keys() == {"004_4cfd5266a7c9d98f"}
    assert [i for i in after if after[i] != before[i]] == ["002_f0782c8e115b1d7c"]


def test_saved_article_records_are_the_articles(tmp_path: Path) -> None:
    table = PassageTable.from_corpus(load_corpus(SHIPPED))
    table.save(tmp_path / "t")
    loaded = PassageTable.load(tmp_path / "t")
    assert len(loaded.articles) == len(table.articles) == 5
    assert list(loaded.articles) == list(table.articles)  # parsed one by one, when asked for
    assert loaded.articles[-1] == table.articles[4] and loaded.articles[1:3] == table.articles[1:3]
    assert loaded.dated_years() == table.dated_years() == {2021, 2022}
    # Side by side (a collection's segments): ordinals run on from one table to the next.
    joined = PassageTable.side_by_side([loaded, table], [None, None])
    assert list(joined.articles) == [*table.articles, *table.articles]
    assert joined.articles[7] == table.articles[2]
    assert joined.article(len(table)) == table.article(0)
    assert joined.live_article_count() == 10 and loaded.live_article_count() == 5
    assert joined.dated_years() == {2021, 2022}


def test_a_table_of_the_previous_format_is_rebuilt_cleanly(tmp_path: Path) -> None:
    """A saved passage table of format 4 (article records as one JSON list) is not read as
    this format: its segment's articles are indexed again, and answered as before."""
    corpus, index = _copy_corpus(tmp_path), tmp_path / "index"
    expected = Engine.open(corpus, index_dir=index).ask(QUESTION)
    [manifest_path] = index.glob("*/collection-*/seg-*/passages/manifest.json")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["version"] = 4
    manifest_path.write_text(json.dumps(sealed(manifest)), encoding="utf-8")
    with pytest.raises(IndexFormatError, match="version 5"):
        PassageTable.load(manifest_path.parent)
    assert Engine.open(corpus, index_dir=index).ask(QUESTION) == expected
    collection = manifest_path.parents[2]
    [live] = json.loads((collection / "collection.json").read_text(encoding="utf-8"))["segments"]
    assert live["name"] != manifest_path.parents[1].name
    rebuilt = PassageTable.load(collection / live["name"] / "passages")
    assert len(rebuilt) == len(PassageTable.from_corpus(load_corpus(corpus)))
