"""Extracting articles from the Danish and Norwegian news page fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from kilde.corpus.ingest.errors import ExtractError
from kilde.corpus.ingest.extract import ExtractedArticle, extract_article

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"

# Text that surrounds the articles on the fixture pages and must never reach the corpus.
BOILERPLATE = [
    "cookies", "informasjonskapsler", "Accepter alle", "Godta alle",  # consent banners
    "Forside", "Forsiden", "Bliv abonnent", "Tips oss",  # navigation
    "Annonce", "ANNONSE", "elcykel", "fjordcruise", "Strømavtale",  # ads
    "Læs også", "Les også", "Giraffødsel", "Bybanen til Åsane",  # related-article boxes
    "Mest læste", "Siste nytt", "Steinras", "Ulykke på E20",  # other stories
    "Kontakt redaktionen", "Ansvarlig redaktør", "Privatlivspolitik", "Vær Varsom",  # footers
    "Del på Facebook", "Kopiér link", "Foto: Zoo Praha",  # share buttons, picture credits
]


def _extract(name: str) -> ExtractedArticle:
    return extract_article((PAGES / name).read_text(encoding="utf-8"), "https://example.test/a")


@pytest.mark.parametrize(
    ("page", "title", "date", "first", "last", "count"),
    [
        (
            "da_roede_pandaer.html", "Odense Zoo får to røde pandaer fra Tjekkiet", "2023-04",
            "To røde pandaer flytter i maj ind i et nyt anlæg ved Odense Å",
            "Hvis alt går efter planen, får haven senere på året også en han", 10,
        ),
        (
            "no_sjofly.html", "Elektrisk sjøfly skal fly mellom Bergen og Stavanger", "2024-09",
            "Et gründerselskap i Haugesund vil sette opp fast rute",
            "Fjordvinge håper på sikt å utvide med ruter til Haugesund og Florø", 9,
        ),
    ],
)
def test_title_month_and_paragraphs_in_order(
    page: str,
    title: str,
    date: str,
    first: str,
    last: str,
    count: int,
) -> None:
    article = _extract(page)
    assert article.title == title
    assert article.date == date
    assert len(article.paragraphs) == count
    # The lead sits in the article header, outside the body; it is kept, first.
    assert article.paragraphs[0].startswith(first)
    assert article.paragraphs[-1].startswith(last)
    assert all("\n" not in paragraph and paragraph == paragraph.strip() for paragraph in article.paragraphs)


@pytest.mark.parametrize("page", ["da_roede_pandaer.html", "no_sjofly.html"])
def test_no_boilerplate_reaches_the_article(page: str) -> None:
    article = _extract(page)
    text = "\n".join(article.paragraphs) + (article.title or "")
    leaked = [marker for marker in BOILERPLATE if marker.lower() in text.lower()]
    assert leaked == []


def test_sub_headings_stay_paragraphs_of_their_own() -> None:
    article = _extract("da_roede_pandaer.html")
    heading = article.paragraphs.index("Truet i naturen")
    assert article.paragraphs[heading + 1].startswith("Den røde panda er opført som truet")
    quote = "– Vi har ventet i næsten to år på at få tilladelse fra avlsprogrammet"
    assert any(paragraph.startswith(quote) for paragraph in article.paragraphs)


def test_a_page_without_a_date_gives_none_rather_than_a_guess() -> None:
    article = _extract("da_uden_dato.html")
    assert article.title == "Sommerens færgefart til Fanø udvides med natafgange"
    assert article.date is None
    assert len(article.paragraphs) == 4


def test_a_front_page_with_only_menus_and_teasers_has_no_article() -> None:
    with pytest.raises(ExtractError, match="no article text"):
        _extract("da_forside_uden_artikel.html")


@pytest.mark.parametrize("html", ["", "<html></html>", "<html><body><p>Kort.</p></body></html>", "ikke html"])
def test_empty_or_tiny_pages_have_no_article(html: str) -> None:
    with pytest.raises(ExtractError):
        extract_article(html, None)
