"""Citations link to their sources: in the bot's HTML (answers and inline results) and in the CLI."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from kilde.bot.cli.main import main
from kilde.bot.telegram_app import formatting
from kilde.corpus.ingest.add import add_url, open_corpus
from kilde.corpus.ingest.fetch import FetchLimits
from kilde.retrieval.answer import Answer, Hit
from tests.fake_telegram import parse_html

SEEDS = Path(__file__).resolve().parents[2] / "corpus" / "articles"
PANDA = "/lokalt/odense-zoo-roede-pandaer"


def hit(url: str | None) -> Hit:
    return Hit(rank=1, score=1.0, article_id="a", source="a.txt", title="Røde pandaer & co",
               date="2023-04", language="da", paragraph_number=3, paragraph="Anlægget kostede.",
               excerpt="Anlægget kostede.", citation="Røde pandaer & co (2023-04), ¶3",
               source_url=url)


@pytest.mark.parametrize("url", [
    "https://nyheder.example/a?b=1&c=\"2\"", "http://127.0.0.1:8080/lokalt/røde-pandaer",
    "HTTPS://Example.org/x#y",
])
def test_web_addresses_are_linked_and_escaped(url: str) -> None:
    line = formatting.citation_line(hit(url), 1)
    href = url.replace("&", "&amp;").replace('"', "&quot;")
    assert line == f'[1] <a href="{href}">Røde pandaer &amp; co (2023-04), ¶3</a>'
    assert parse_html(line) == "[1] Røde pandaer & co (2023-04), ¶3"


@pytest.mark.parametrize("url", [
    None, "", "javascript:alert(1)", "tg://resolve?domain=x", "file:///etc/passwd",
    "ftp://example.org/a", "https://", "//example.org/a", "https://exa mple.org/",
    "https://example.org/\nx", "http://[::1/",
])
def test_anything_but_a_web_address_is_not_linked(url: str | None) -> None:
    line = formatting.citation_line(hit(url))
    assert "<a" not in line and line == "— Røde pandaer &amp; co (2023-04), ¶3"


def test_answers_and_inline_results_carry_the_link() -> None:
    url = "https://nyheder.example/pandaer"
    [message] = formatting.render_answer(Answer("Hvad kostede anlægget?", "da", (hit(url),)))
    inline = formatting.render_inline_result(hit(url))
    for html_text in (message, inline):
        assert f'<a href="{url}">Røde pandaer &amp; co (2023-04), ¶3</a>' in html_text
        parse_html(html_text)


def test_the_cli_shows_the_source_address_under_the_citation(
        news_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "articles"
    shutil.copytree(SEEDS, corpus)
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    add_url(news_server.url(PANDA), open_corpus(corpus), FetchLimits(timeout=2.0))
    common = ["--corpus", str(corpus)]
    monkeypatch.setenv("KILDE_INDEX_DIR", str(tmp_path / "index"))
    assert main(["ask", *common, "How much did the red panda enclosure in Odense Zoo cost?"]) == 0
    panda = capsys.readouterr().out.splitlines()
    assert main(["ask", *common, "What did Russia demand from NATO?"]) == 0
    seeds = capsys.readouterr().out.splitlines()
    citations = [i for i, line in enumerate(panda) if line.lstrip().startswith("— ")]
    assert citations and all("Odense Zoo" in panda[i] for i in citations)
    assert all(panda[i + 1].strip() == news_server.url(PANDA) for i in citations)
    assert not any("http" in line for line in seeds)  # seed articles have no source address
