"""`kilde add` as a user runs it: one report line per argument, exit status, then asking about it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kilde.bot.cli.main import main
from tests.conftest import NewsServer

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "corpus" / "articles"
PANDA = "/lokalt/odense-zoo-roede-pandaer"
SJOFLY = "/nyheter/elektrisk-sjofly-bergen-stavanger"
FAST = ["--timeout", "0.5", "--max-size", "1"]


@pytest.fixture
def corpus_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "articles"
    shutil.copytree(SEEDS, directory)
    monkeypatch.setenv("KILDE_CORPUS_DIR", str(directory))
    monkeypatch.setenv("KILDE_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    return directory


def _snapshot(directory: Path) -> dict[str, bytes]:
    """The folder's articles and sidecars (the hidden duplicate catalogue is a cache of them)."""
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())
            if not path.name.startswith(".")}


def _add(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], list[str]]:
    status = main(["add", *FAST, *args])
    out, err = capsys.readouterr()
    return status, out.splitlines(), err.splitlines()


def test_adds_pages_and_files_with_one_line_each(
    news_server: NewsServer,
    corpus_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    article = tmp_path / "natfaerge.txt"
    article.write_text(
        " date 2023-06 Natfærge til Fanø\n\n"
        + "Fanøfærgen sejler fra juli også om natten i weekenderne. " * 8,
        encoding="utf-8",
    )
    status, out, err = _add(capsys, news_server.url(PANDA), news_server.url(SJOFLY), str(article))
    assert status == 0 and err == []
    assert len(out) == 3
    assert out[0].startswith("added 005_")
    assert out[0].endswith("«Odense Zoo får to røde pandaer fra Tjekkiet» (2023-04, 11 paragraphs) "
                           f"from {news_server.url(PANDA)}")
    assert out[1].startswith("added 006_")
    assert "«Elektrisk sjøfly skal fly mellom Bergen og Stavanger» (2024-09, 10 paragraphs)" in out[1]
    assert out[2].startswith("added 007_")
    assert out[2].endswith("«Natfærge til Fanø» (2023-06, 2 paragraphs) from natfaerge.txt")
    assert len(list(corpus_dir.glob("*.txt"))) == 8 and len(list(corpus_dir.glob("*.meta.json"))) == 3


def test_every_bad_argument_gets_one_line_and_the_good_ones_still_go_in(
    news_server: NewsServer,
    corpus_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    empty = tmp_path / "tom.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "billede.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    saved = tmp_path / "side.txt"
    saved.write_text("<!doctype html><html><body><p>Gemt side</p></body></html>")
    latin = tmp_path / "latin.txt"
    latin.write_bytes(" date 2023-06 Blåbær\n\nÆrø er en ø.".encode("latin-1"))
    bad = {
        news_server.url("/findes-ikke"): "HTTP 404 Not Found",
        news_server.url("/slow"): "timed out after 0.5 s",
        news_server.url("/loop"): "too many redirects (more than 5)",
        news_server.url("/rapport.pdf"): "not an HTML page (content type application/pdf)",
        news_server.url("/stor-uden-laengde"): "page is larger than the 1.0 MB cap",
        news_server.url("/"): "no article text found on the page (only menus, links or teasers)",
        str(empty): "empty file",
        str(binary): "binary file (a PNG image), not text",
        str(saved): "looks like an HTML page saved from a browser; add it by its URL instead",
        str(latin): "not UTF-8 text (bad byte 0xe5 at offset 16); convert it to UTF-8 first",
        str(tmp_path / "findes-ikke.txt"): "no such file",
    }
    arguments = list(bad)
    arguments.insert(3, news_server.url(SJOFLY))  # a good one among them
    status, out, err = _add(capsys, *arguments)
    assert status == 1
    assert len(out) == 1 and out[0].startswith("added 005_")
    assert err == [f"skipped {argument}: {reason}" for argument, reason in bad.items()]


def test_duplicates_are_reported_but_are_no_failure(
    news_server: NewsServer,
    corpus_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = _add(capsys, news_server.url(PANDA))
    first_id = out[0].split()[1]
    before = _snapshot(corpus_dir)
    seed = str(SEEDS / "003_61097a4a1e12c992.txt")
    status, out, err = _add(capsys, news_server.url(PANDA + "/"), news_server.url("/kort/panda"), seed)
    assert status == 0 and err == []
    assert out == [
        f"skipped {news_server.url(PANDA + '/')}: already in corpus as {first_id} (same URL)",
        (f"skipped {news_server.url('/kort/panda')}: already in corpus as {first_id} "
         f"(same URL, redirected to {news_server.url(PANDA)})"),
        f"skipped {seed}: already in corpus as 003_61097a4a1e12c992 (same text)",
    ]
    assert _snapshot(corpus_dir) == before


def test_json_report_has_one_object_per_argument(
    news_server: NewsServer,
    corpus_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = main(["add", *FAST, "--json", news_server.url("/fanoe/natfaerge"), news_server.url("/loop")])
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert status == 1
    assert [r["status"] for r in records] == ["added", "failed"]
    assert records[0]["date"] is None and "--date" in records[0]["warnings"][0]
    assert records[0]["title"] == "Sommerens færgefart til Fanø udvides med natafgange"
    assert records[1] == {"argument": news_server.url("/loop"), "status": "failed",
                          "message": "too many redirects (more than 5)"}


def test_a_page_without_a_date_warns_and_date_sets_it(
    news_server: NewsServer,
    corpus_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = _add(capsys, news_server.url("/fanoe/natfaerge"))
    assert status == 0 and "(no date, " in out[0]
    assert err == [(f"warning: {news_server.url('/fanoe/natfaerge')}: no publication date found; "
                    "the article is stored without a date (set one with --date YYYY-MM)")]
    assert main(["add", "--date", "2023-6", news_server.url(PANDA)]) == 2
    assert capsys.readouterr().err.strip() == "kilde: --date must be YYYY-MM, got '2023-6'"


def test_an_unwritable_corpus_folder_is_one_line_and_nothing_is_fetched(
    news_server: NewsServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("KILDE_INDEX_DIR", str(tmp_path / "index"))
    asked = len(news_server.requests)
    status = main(["add", "--corpus", str(blocker / "articles"), news_server.url(PANDA)])
    out, err = capsys.readouterr()
    assert status == 1 and out == ""
    assert err.splitlines() == [
        f"kilde: corpus folder {blocker / 'articles'} is not writable (Not a directory)"]
    assert len(news_server.requests) == asked


@pytest.mark.skipif(os.geteuid() == 0,
                    reason="root writes into read-only folders anyway; the test above covers it")
def test_a_read_only_corpus_folder_is_one_line(
    news_server: NewsServer,
    corpus_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    corpus_dir.chmod(0o555)
    try:
        status = main(["add", news_server.url(PANDA)])
    finally:
        corpus_dir.chmod(0o755)
    assert status == 1
    assert capsys.readouterr().err.strip().startswith(f"kilde: corpus folder {corpus_dir} is not writable")


def _kilde(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kilde.bot.cli.main", *args], capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env}, cwd=ROOT, timeout=120, check=False,
    )


def test_an_added_article_answers_questions_end_to_end(
    news_server: NewsServer,
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "articles"
    shutil.copytree(SEEDS, corpus)
    env = {"KILDE_CORPUS_DIR": str(corpus), "KILDE_INDEX_DIR": str(tmp_path / "index")}
    # Ask once first, so that a saved index of the old corpus exists and must be noticed as stale.
    before = json.loads(_kilde("ask", "--json", "Hvor meget koster en billet med sjøfly?", env=env).stdout)
    added = _kilde("add", news_server.url(SJOFLY), env=env)
    assert added.returncode == 0, added.stderr
    article_id = added.stdout.split()[1]
    result = _kilde("ask", "--json", "Hvor meget koster en billett med det elektriske sjøflyet?", env=env)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["answered"] is True
    top = answer["hits"][0]
    assert top["article_id"] == article_id
    assert top["source"] == f"{article_id}.txt" and top["date"] == "2024-09"
    assert top["title"] == "Elektrisk sjøfly skal fly mellom Bergen og Stavanger"
    assert before["hits"] == [] or before["hits"][0]["article_id"] != article_id
