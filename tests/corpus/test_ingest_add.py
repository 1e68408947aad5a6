"""Adding news pages from the loopback server to a corpus folder, and refusing bad ones cleanly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kilde.corpus.ingest.add import add_url, open_corpus
from kilde.corpus.ingest.errors import DuplicateError, ExtractError, FetchError
from kilde.corpus.ingest.fetch import FetchLimits
from kilde.corpus.model import ParagraphKind
from kilde.corpus.reader import load_corpus, read_article
from tests.conftest import NewsServer

SEEDS = Path(__file__).resolve().parents[2] / "corpus" / "articles"
FAST = FetchLimits(timeout=0.5, total_timeout=1.0, max_bytes=1024 * 1024)
PANDA = "/lokalt/odense-zoo-roede-pandaer"
SJOFLY = "/nyheter/elektrisk-sjofly-bergen-stavanger"


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "articles"
    shutil.copytree(SEEDS, directory)
    return directory


def _snapshot(directory: Path) -> dict[str, bytes]:
    """The folder's articles and sidecars (the hidden duplicate catalogue is a cache of them)."""
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())
            if not path.name.startswith(".")}


def test_a_danish_page_becomes_a_corpus_article(news_server: NewsServer, corpus_dir: Path) -> None:
    added = add_url(news_server.url(PANDA), open_corpus(corpus_dir), FAST)
    assert added.id.startswith("005_")
    assert (added.title, added.date, added.language, added.paragraphs) == (
        "Odense Zoo får to røde pandaer fra Tjekkiet", "2023-04", "da", 11)
    article, problems = read_article(added.path)
    assert problems == []
    assert article.source_url == news_server.url(PANDA)
    assert article.paragraphs[0].kind is ParagraphKind.TITLE
    assert article.paragraphs[1].text.startswith("To røde pandaer flytter i maj")  # ¶2
    assert [p.text for p in article.paragraphs if p.kind is ParagraphKind.HEADING] == ["Truet i naturen"]
    text = added.path.read_text(encoding="utf-8")
    assert text.startswith(" date 2023-04 Odense Zoo får to røde pandaer fra Tjekkiet\n\n")
    for boilerplate in ("cookies", "Annonce", "Læs også", "Mest læste", "Forside", "Kontakt redaktionen"):
        assert boilerplate not in text
    # The whole corpus still loads, the new article with it.
    corpus = load_corpus(corpus_dir)
    assert corpus.article(added.id) is not None and not any(p.fatal for p in corpus.problems)


def test_a_norwegian_page_in_windows_1252_is_read_right(
    news_server: NewsServer,
    corpus_dir: Path,
) -> None:
    added = add_url(news_server.url("/nyheter/sjofly-latin1"), open_corpus(corpus_dir), FAST)
    assert (added.title, added.date, added.language) == (
        "Elektrisk sjøfly skal fly mellom Bergen og Stavanger", "2024-09", "no")
    last = "Fjordvinge håper på sikt å utvide med ruter til Haugesund og Florø"
    assert last in added.path.read_text("utf-8")


def test_the_same_article_is_not_added_twice(news_server: NewsServer, corpus_dir: Path) -> None:
    catalog = open_corpus(corpus_dir)
    first = add_url(news_server.url(PANDA), catalog, FAST)
    after_first = _snapshot(corpus_dir)
    asked = len(news_server.requests)
    # The same URL in another spelling is recognised without fetching it again.
    with pytest.raises(DuplicateError, match=f"^already in corpus as {first.id} \\(same URL\\)$"):
        add_url(news_server.url(PANDA + "/?utm_source=facebook&fbclid=abc"), catalog, FAST)
    assert len(news_server.requests) == asked
    # A short link redirecting to it, and a later run reading the folder afresh.
    with pytest.raises(DuplicateError, match=f"{first.id} \\(same URL, redirected to "):
        add_url(news_server.url("/kort/panda"), open_corpus(corpus_dir), FAST)
    # The same text at another address.
    sjofly = add_url(news_server.url(SJOFLY), catalog, FAST)
    with pytest.raises(DuplicateError, match=f"{sjofly.id} \\(same text\\)"):
        add_url(news_server.url("/nyheter/sjofly-latin1"), catalog, FAST)
    assert set(_snapshot(corpus_dir)) == set(after_first) | {sjofly.path.name, sjofly.id + ".meta.json"}


def test_a_page_without_a_date_is_added_with_a_warning_or_the_given_month(
    news_server: NewsServer,
    tmp_path: Path,
) -> None:
    undated = add_url(news_server.url("/fanoe/natfaerge"), open_corpus(tmp_path / "a"), FAST)
    assert undated.date is None and "--date" in undated.warnings[0]
    assert undated.path.read_text("utf-8").startswith("Sommerens færgefart til Fanø")
    dated = add_url(news_server.url("/fanoe/natfaerge"), open_corpus(tmp_path / "b"), FAST, date="2023-06")
    assert dated.date == "2023-06" and dated.warnings == ()


@pytest.mark.parametrize(
    ("path", "error", "reason"),
    [
        ("/findes-ikke", FetchError, "HTTP 404"),
        ("/slow", FetchError, "timed out"),
        ("/loop", FetchError, "too many redirects"),
        ("/rapport.pdf", FetchError, "not an HTML page"),
        ("/stor", FetchError, "larger than the 1.0 MB cap"),
        ("/", ExtractError, "no article text"),
    ],
)
def test_a_bad_page_changes_nothing(
    news_server: NewsServer,
    corpus_dir: Path,
    path: str,
    error: type[Exception],
    reason: str,
) -> None:
    before = _snapshot(corpus_dir)
    with pytest.raises(error, match=reason):
        add_url(news_server.url(path), open_corpus(corpus_dir), FAST)
    assert _snapshot(corpus_dir) == before
