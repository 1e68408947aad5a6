"""Reading article files: the seeds, and the ways real files go wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from kilde.corpus import Article, CorpusError, Paragraph, ParagraphKind, load_corpus, parse_article
from kilde.corpus.reader import read_article

SHIPPED = Path(__file__).resolve().parents[2] / "corpus" / "articles"
SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


def _paragraph(article: Article, number: int) -> Paragraph:
    paragraph = article.paragraph(number)
    assert paragraph is not None, f"{article.id} has no paragraph {number}"
    return paragraph


def test_shipped_articles_are_the_seeds_unchanged() -> None:
    if not SEEDS.is_dir():
        pytest.skip("shared/seeds is not beside this checkout")
    seeds = sorted(p.name for p in SEEDS.glob("*.txt"))
    assert sorted(p.name for p in SHIPPED.glob("*.txt")) == seeds
    for name in seeds:
        assert (SHIPPED / name).read_bytes() == (SEEDS / name).read_bytes()


def test_seed_corpus_loads_with_dates_languages_and_titles() -> None:
    corpus = load_corpus(SHIPPED)
    assert corpus.problems == ()
    by_id = {a.id: a for a in corpus.articles}
    assert len(by_id) == 5
    vg = by_id["003_61097a4a1e12c992"]
    assert (vg.date, vg.language) == ("2022-01", "no")
    assert vg.title == "Etter krisemøte: Advarer mot «stort feilgrep»"
    ritzau = by_id["001_c536edf10c5b8bff"]
    assert (ritzau.date, ritzau.language) == ("2021-12", "da")
    assert ritzau.title == "USA: Nu er det op til Rusland at dæmpe Ukraine-krise"
    assert by_id["000_23c4745124c96c06"].title is None  # opens with the lead, no title line
    assert {a.language for a in corpus.articles} == {"da", "no"}


def test_paragraph_numbers_count_blank_line_separated_blocks_from_one() -> None:
    article = load_corpus(SHIPPED).article("003_61097a4a1e12c992")
    assert article is not None
    raw = (SHIPPED / "003_61097a4a1e12c992.txt").read_text(encoding="utf-8")
    blocks = [b.strip() for b in raw.split("\n\n") if b.strip()]
    assert len(article.paragraphs) == len(blocks)
    assert _paragraph(article, 15).text == blocks[14]
    assert _paragraph(article, 15).text.startswith("Kravene omfatter et varig nei")
    # The first paragraph is counted, without its date prefix.
    assert _paragraph(article, 1).text.startswith("LENGE SIDEN SIST:")


def test_headings_lend_their_words_to_the_paragraphs_under_them() -> None:
    article = load_corpus(SHIPPED).article("003_61097a4a1e12c992")
    assert article is not None
    assert _paragraph(article, 13).kind is ParagraphKind.HEADING
    assert _paragraph(article, 15).heading == "Russlands krav"


def test_crlf_bom_and_trailing_spaces_are_harmless(tmp_path: Path) -> None:
    text = "\ufeff date 2022-02 Første afsnit her.  \r\n\r\nAndet afsnit er her.   \r\n \r\n\r\nTredje.\r\n"
    (tmp_path / "a.txt").write_bytes(text.encode("utf-8"))
    article, problems = read_article(tmp_path / "a.txt")
    assert article.date == "2022-02"
    assert [p.text for p in article.paragraphs] == ["Første afsnit her.", "Andet afsnit er her.", "Tredje."]
    assert any("byte-order mark" in p.message for p in problems)


def test_missing_date_line_is_reported_and_the_article_still_loads() -> None:
    article, problems = parse_article("Ingen dato her. Men tekst.\n\nMere tekst.", "x.txt")
    assert article.date is None
    assert len(article.paragraphs) == 2
    assert any("date" in p for p in problems)


def test_bad_files_are_reported_one_line_each_and_the_rest_loads(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(" date 2022-01 Rusland og Nato mødtes i går.\n", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (tmp_path / "latin1.txt").write_bytes(" date 2022-01 Rusland kræver garantier.\n".encode("cp1252"))
    (tmp_path / "notes.md").write_text("not an article", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert sorted(a.source for a in corpus.articles) == ["good.txt", "latin1.txt"]
    messages = {p.source: str(p) for p in corpus.problems}
    assert "empty" in messages["empty.txt"] and messages["empty.txt"].startswith("empty.txt: ")
    assert "binary" in messages["binary.txt"]
    assert "not UTF-8" in messages["latin1.txt"]
    latin1 = corpus.article("latin1")
    assert latin1 is not None and latin1.paragraphs[0].text == "Rusland kræver garantier."
    assert all("\n" not in str(p) for p in corpus.problems)


def test_missing_folder_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(tmp_path / "nope")
