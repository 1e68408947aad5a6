"""Writing articles: the seeds' format, the id scheme, atomic writes, sidecars, URL normalisation."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kilde.corpus.ingest.errors import CorpusWriteError
from kilde.corpus.ingest.sources import SourceRecord, read_source_record
from kilde.corpus.ingest.urls import is_url, normalise_url
from kilde.corpus.ingest.writer import (
    ensure_writable,
    next_number,
    render_article,
    text_fingerprint,
    write_article,
)
from kilde.corpus.reader import parse_article, read_source_url

SEEDS = Path(__file__).resolve().parents[2] / "corpus" / "articles"


def test_rendered_text_has_the_seed_format_and_parses_back() -> None:
    text = render_article("Natfærge til Fanø", "2023-06", ["Første afsnit her.", "Andet afsnit her."])
    assert text == " date 2023-06 Natfærge til Fanø\n\nFørste afsnit her.\n\nAndet afsnit her.\n"
    article, problems = parse_article(text, "x.txt")
    assert problems == []
    assert (article.title, article.date) == ("Natfærge til Fanø", "2023-06")
    assert [p.text for p in article.paragraphs] == [
        "Natfærge til Fanø", "Første afsnit her.", "Andet afsnit her."]


def test_an_undated_article_has_no_date_prefix() -> None:
    assert render_article("T", None, ["a"]) == "T\n\na\n"
    with pytest.raises(ValueError, match="YYYY-MM"):
        render_article("T", "2023-6", ["a"])


def test_fingerprint_ignores_date_line_line_ends_and_spacing_only() -> None:
    text = " date 2023-06 Titel\n\nEt afsnit om færger.\n"
    assert text_fingerprint(text) == text_fingerprint("Titel\r\n\r\nEt  afsnit om færger.")
    assert text_fingerprint(text) != text_fingerprint(text.replace("færger", "fly"))
    assert len(text_fingerprint(text)) == 16 and int(text_fingerprint(text), 16) >= 0


def test_next_number_continues_the_seeds(tmp_path: Path) -> None:
    assert next_number(tmp_path) == 0
    for seed in SEEDS.iterdir():
        (tmp_path / seed.name).write_bytes(seed.read_bytes())
    assert next_number(tmp_path) == 5
    (tmp_path / "041_0000000000000000.txt").write_text("x")
    (tmp_path / "999_note.md").write_text("not an article")
    assert next_number(tmp_path) == 42


def test_write_article_leaves_exactly_the_article_and_its_sidecar(tmp_path: Path) -> None:
    text = render_article("Titel her", "2024-09", ["Et afsnit."])
    record = SourceRecord(url="https://vp.example/a", title="Titel her", added="2024-09-03T14:20:11Z")
    path = write_article(tmp_path, text, record.to_json())
    assert path.name == f"000_{text_fingerprint(text)}.txt"
    assert {p.name for p in tmp_path.iterdir()} == {path.name, path.stem + ".meta.json"}
    assert path.read_text(encoding="utf-8") == text
    assert read_source_url(path) == "https://vp.example/a"
    assert json.loads(path.with_name(path.stem + ".meta.json").read_text()) == {
        "url": "https://vp.example/a", "title": "Titel her", "added": "2024-09-03T14:20:11Z",
        "added_by": "kilde add",
    }
    assert read_source_record(path.with_name(path.stem + ".meta.json")) == record


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_an_added_article_gets_the_mode_the_umask_gives(
        tmp_path: Path, umask: int, mode: int) -> None:
    # Defect 11: articles were written 0600 whatever the umask (other users could not read them).
    text = render_article("Titel her", "2024-09", ["Et afsnit."])
    previous = os.umask(umask)
    try:
        path = write_article(tmp_path, text, "{}")
    finally:
        os.umask(previous)
    assert path.stat().st_mode & 0o777 == mode
    assert path.with_name(path.stem + ".meta.json").stat().st_mode & 0o777 == mode


def test_a_taken_name_is_never_overwritten(tmp_path: Path) -> None:
    text = render_article("Titel", "2024-09", ["Et afsnit."])
    # Another writer published number 000 with this very name a moment ago.
    taken = tmp_path / f"000_{text_fingerprint(text)}.txt"
    taken.write_text("someone else's")
    path = write_article(tmp_path, text)
    assert path.name.startswith("001_") and taken.read_text() == "someone else's"


def test_an_unwritable_corpus_folder_is_named_in_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(CorpusWriteError, match=f"^corpus folder {blocker / 'articles'} is not writable"):
        ensure_writable(blocker / "articles")
    with pytest.raises(CorpusWriteError, match="cannot write to corpus folder"):
        write_article(blocker, "text")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders anyway")
def test_a_read_only_corpus_folder_is_refused(tmp_path: Path) -> None:
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(CorpusWriteError, match="not writable"):
            ensure_writable(tmp_path)
    finally:
        tmp_path.chmod(0o755)


def test_ensure_writable_creates_a_new_corpus_folder(tmp_path: Path) -> None:
    ensure_writable(tmp_path / "ny" / "korpus")
    assert list((tmp_path / "ny" / "korpus").iterdir()) == []  # the probe is gone


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://www.DR.dk/nyheder/artikel", "https://www.dr.dk/nyheder/artikel/"),
        ("HTTPS://dr.dk:443/a?utm_source=fb&utm_medium=social", "https://dr.dk/a"),
        ("https://vg.no/a?id=7&fbclid=XYZ#kommentarer", "https://vg.no/a?id=7"),
        ("http://nrk.no:80/x", "http://nrk.no/x"),
    ],
)
def test_urls_of_one_article_normalise_alike(a: str, b: str) -> None:
    assert normalise_url(a) == normalise_url(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://vg.no/a?id=7", "https://vg.no/a?id=8"),
        ("https://vg.no/A", "https://vg.no/a"),
        ("http://vg.no/a", "https://vg.no/a"),
    ],
)
def test_different_articles_stay_different(a: str, b: str) -> None:
    assert normalise_url(a) != normalise_url(b)


def test_is_url() -> None:
    assert is_url("https://dr.dk/a") and is_url("HTTP://dr.dk")
    assert not is_url("dr.dk/a") and not is_url("artikel.txt") and not is_url("ftp://x")
