"""Checking text files before they are copied into the corpus, and copying them in."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kilde.corpus.ingest.add import add_file, open_corpus
from kilde.corpus.ingest.errors import DuplicateError, InputFileError
from kilde.corpus.ingest.textfile import read_text_file
from kilde.corpus.reader import read_article, read_source_url

SEEDS = Path(__file__).resolve().parents[2] / "corpus" / "articles"
BODY = (
    "Fanøfærgen sejler fra juli også om natten i weekenderne, så gæster kan komme hjem efter koncerter.\n\n"
    "Rederiet indsætter en ekstra afgang klokken 00.40 og en klokken 02.10 fredag og lørdag.\n\n"
    "– Vi har fået rigtig mange henvendelser fra øboere, der har savnet muligheden, siger driftschefen.\n\n"
    "Ordningen gælder som forsøg frem til udgangen af august, hvorefter rederiet gør status.\n"
)
ARTICLE = " date 2023-06 Natfærge til Fanø\n\n" + BODY


def _snapshot(directory: Path) -> dict[str, bytes]:
    """The folder's articles and sidecars (the hidden duplicate catalogue is a cache of them)."""
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())
            if not path.name.startswith(".")}


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "articles"
    shutil.copytree(SEEDS, directory)
    return directory


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("tom.txt", b"", "empty file"),
        ("blank.txt", b" \n\n\t \n", "empty file"),
        ("rapport.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "binary file (a PDF), not text"),
        ("billede.txt", b"\x89PNG\r\n\x1a\n\x00\x00", "binary file (a PNG image), not text"),
        ("data.txt", b"date 2022-01 abc\x00\x01\x02def", "binary file (contains NUL bytes), not text"),
        ("latin1.txt", " date 2023-06 Blåbær på Ærø\n\n".encode("latin-1") + BODY.encode("cp1252"),
         "not UTF-8 text (bad byte 0xe5 at offset 16); convert it to UTF-8 first"),
        ("side.txt",
         b"<!DOCTYPE html>\n<html><head><title>x</title></head><body><p>" + BODY.encode()
         + b"</p></body></html>",
         "looks like an HTML page saved from a browser; add it by its URL instead"),
        ("liste.txt", b"Forside\nNyheder\nSport\nKultur\n",
         "too little running text for an article (under 40 words in sentences)"),
    ],
)
def test_bad_files_are_refused_with_one_clear_reason(
    tmp_path: Path,
    name: str,
    data: bytes,
    reason: str,
) -> None:
    with pytest.raises(InputFileError) as caught:
        read_text_file(_write(tmp_path, name, data))
    assert str(caught.value) == reason


def test_html_without_a_doctype_is_recognised_by_its_tags(tmp_path: Path) -> None:
    tags = "".join(f'<div class="c{i}"><span>{line}</span></div>\n'
                   for i, line in enumerate(BODY.splitlines()))
    with pytest.raises(InputFileError, match="HTML page"):
        read_text_file(_write(tmp_path, "gemt.txt", (tags * 3).encode()))


def test_missing_files_and_folders_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"^no such file \(for a web page, write the address"):
        read_text_file(Path("dr.dk"))
    with pytest.raises(InputFileError, match=r"^is a folder"):
        read_text_file(tmp_path)
    with pytest.raises(InputFileError, match="too large"):
        read_text_file(_write(tmp_path, "a.txt", ARTICLE.encode()), max_bytes=100)


def test_byte_order_mark_and_crlf_are_normalised(tmp_path: Path) -> None:
    path = _write(tmp_path, "windows.txt", b"\xef\xbb\xbf" + ARTICLE.replace("\n", "\r\n").encode())
    assert read_text_file(path) == ARTICLE


def test_a_good_file_is_copied_in_under_a_new_id_with_a_sidecar(
    tmp_path: Path,
    corpus_dir: Path,
) -> None:
    catalog = open_corpus(corpus_dir)
    added = add_file(_write(tmp_path, "natfaerge.txt", ARTICLE.encode()), catalog)
    assert added.id.startswith("005_") and len(added.id) == 4 + 16
    assert (added.title, added.date, added.paragraphs, added.language) == (
        "Natfærge til Fanø", "2023-06", 5, "da")
    assert added.path.read_text(encoding="utf-8") == ARTICLE
    article, problems = read_article(added.path)
    assert problems == [] and article.paragraphs[1].text.startswith("Fanøfærgen sejler")  # ¶2
    assert read_source_url(added.path) is None
    assert '"file": "natfaerge.txt"' in added.path.with_name(added.id + ".meta.json").read_text()


def test_a_file_without_a_date_line_is_added_with_a_warning_or_given_one(
    tmp_path: Path,
    corpus_dir: Path,
) -> None:
    catalog = open_corpus(corpus_dir)
    undated = add_file(_write(tmp_path, "a.txt", BODY.encode()), catalog)
    assert undated.date is None and "date" in undated.warnings[0]
    other = BODY.replace("Fanøfærgen", "Ærøfærgen")
    dated = add_file(_write(tmp_path, "b.txt", other.encode()), catalog, date="2023-07")
    assert dated.date == "2023-07" and dated.warnings == ()
    assert dated.path.read_text(encoding="utf-8").startswith(" date 2023-07 Ærøfærgen sejler")


def test_a_bad_month_in_the_date_line_is_refused(tmp_path: Path, corpus_dir: Path) -> None:
    with pytest.raises(InputFileError, match="month is not 01-12"):
        add_file(_write(tmp_path, "a.txt", ARTICLE.replace("2023-06", "2023-13").encode()),
                 open_corpus(corpus_dir), date="2023-06")


def test_the_same_text_is_not_added_twice(tmp_path: Path, corpus_dir: Path) -> None:
    catalog = open_corpus(corpus_dir)
    seed = SEEDS / "002_f0782c8e115b1d7c.txt"
    before = _snapshot(corpus_dir)
    with pytest.raises(DuplicateError, match=r"^already in corpus as 002_f0782c8e115b1d7c \(same text\)$"):
        add_file(seed, catalog)
    # Line ends and spacing do not make a different article.
    respaced = seed.read_text(encoding="utf-8").replace("\n\n", "\r\n  \r\n").replace(". ", ".  ")
    with pytest.raises(DuplicateError, match="002_f0782c8e115b1d7c"):
        add_file(_write(tmp_path, "kopi.txt", respaced.encode()), catalog)
    assert _snapshot(corpus_dir) == before
    first = add_file(_write(tmp_path, "ny.txt", ARTICLE.encode()), catalog)
    with pytest.raises(DuplicateError, match=first.id):
        add_file(_write(tmp_path, "ny-igen.txt", ARTICLE.encode()), catalog)
