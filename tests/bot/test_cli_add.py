"""`kilde add` as a user runs it: one report line per argument, exit status, then asking about it."""

from __future__ import annotations

import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kilde.bot.cli.main import main
from tests.conftest import HEADER_DRIP_SECONDS, NewsServer

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


# Hostile input (issue 11, defect 8): each gets one line naming it, bounded time and memory, and
# nothing written.

def test_a_compression_bomb_stops_at_the_cap_and_compressed_pages_still_go_in(
    news_server: NewsServer,
    corpus_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = _snapshot(corpus_dir)
    bomb = news_server.url("/bomb/64")
    status, out, err = _add(capsys, bomb)
    assert status == 1 and out == []
    assert err == [(f"skipped {bomb}: page is larger than the 1.0 MB cap once decompressed "
                    "(Content-Encoding gzip, gzip)")]
    assert _snapshot(corpus_dir) == before
    status, out, err = _add(capsys, news_server.url("/gzip-gzip"))
    assert status == 0 and err == []
    assert "«Odense Zoo får to røde pandaer fra Tjekkiet»" in out[0]


def test_header_lines_dripped_in_do_not_outlast_the_deadline(
    news_server: NewsServer,
    corpus_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = _snapshot(corpus_dir)
    drip = news_server.url("/header-drip")
    started = time.monotonic()
    status, out, err = _add(capsys, drip)  # --timeout 0.5: the whole fetch gets 1.5 s
    # Stopped at the deadline, not after the headers (a bound generous for a loaded machine).
    assert time.monotonic() - started < HEADER_DRIP_SECONDS / 2
    assert status == 1 and out == []
    assert err == [f"skipped {drip}: timed out after 1.5 s (download too slow)"]
    assert _snapshot(corpus_dir) == before


@pytest.mark.parametrize("label", ["hex", "rot13", "base64", "zlib", "no-such-charset"])
def test_a_charset_label_that_is_no_text_encoding_is_ignored_with_a_warning(
    news_server: NewsServer,
    corpus_dir: Path,
    capsys: pytest.CaptureFixture[str],
    label: str,
) -> None:
    url = news_server.url(f"/charset/{label}")
    status, out, err = _add(capsys, url)
    assert status == 0
    assert "«Odense Zoo får to røde pandaer fra Tjekkiet»" in out[0]
    assert err == [(f"warning: {url}: ignored the page's charset '{label}' "
                    "(not a known text encoding); read it as UTF-8")]


def test_a_false_charset_label_is_read_by_its_bytes_with_a_warning(
    news_server: NewsServer,
    corpus_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    latin = news_server.url("/charset/iso-8859-1")  # UTF-8 bytes labelled ISO-8859-1
    windows = news_server.url("/utf8-label-windows-1252")  # Windows-1252 bytes labelled UTF-8
    status, out, err = _add(capsys, latin, windows)
    assert status == 0
    assert "«Odense Zoo får to røde pandaer fra Tjekkiet»" in out[0]
    assert "«Elektrisk sjøfly skal fly mellom Bergen og Stavanger»" in out[1]
    assert err == [
        (f"warning: {latin}: the page says charset 'iso-8859-1', but its bytes are UTF-8; "
         "read it as UTF-8"),
        (f"warning: {windows}: the page says charset 'utf-8', but its bytes are not UTF-8; "
         "read it as Windows-1252"),
    ]
    stored = "".join(path.read_text(encoding="utf-8") for path in corpus_dir.glob("00[56]_*.txt"))
    assert "røde pandaer" in stored and "sjøfly" in stored
    assert "\ufffd" not in stored and "Ã" not in stored


def test_a_named_pipe_a_socket_and_an_unbounded_file_are_refused(
    corpus_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    unix_socket = tmp_path / "socket.txt"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(unix_socket))
    # Were the pipe opened, the add would block for ever: after 10 s a writer releases it with
    # an article, so that a regression fails here instead of hanging the suite.
    release = threading.Timer(10, _write_article_into, args=(fifo,))
    release.start()
    try:
        status, out, err = _add(capsys, str(fifo), str(unix_socket))
    finally:
        release.cancel()
        listener.close()
    assert status == 1 and out == []
    assert err == [f"skipped {fifo}: is a named pipe (FIFO), not a regular file",
                   f"skipped {unix_socket}: is a socket, not a regular file"]


def _write_article_into(fifo: Path) -> None:
    try:
        descriptor = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        return  # nobody is reading it: nothing to release
    with open(descriptor, "wb") as pipe:
        pipe.write(" date 2023-06 Natfærge\n\n".encode() + b"Et afsnit med ord nok. " * 20)


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs Linux /proc")
def test_a_file_that_misstates_its_size_is_read_only_up_to_the_cap(
    corpus_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # /proc files say they are empty (st_size 0) and hold far more than 4 KB for this process.
    status = main(["add", "--max-size", "0.004", "/proc/self/maps"])
    err = capsys.readouterr().err.splitlines()
    assert status == 1
    assert err == ["skipped /proc/self/maps: file is too large (over 4 KB; the cap is 4 KB)"]


@pytest.mark.skipif(not (Path("/dev/zero").exists() and hasattr(os, "mkfifo")),
                    reason="needs /dev/zero and named pipes")
def test_hostile_arguments_stay_within_bounded_memory_and_time(
    news_server: NewsServer,
    tmp_path: Path,
) -> None:
    """The real command with the default caps in a process allowed 1 GB of address space: a
    2 GB double-gzip bomb, /dev/zero and a named pipe each end in one line, in seconds."""
    corpus = tmp_path / "articles"
    shutil.copytree(SEEDS, corpus)
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    bomb = news_server.url("/bomb/2048")
    good = news_server.url(PANDA)
    env = {"KILDE_CORPUS_DIR": str(corpus), "KILDE_INDEX_DIR": str(tmp_path / "index")}
    before = _snapshot(corpus)
    limit = 1024 * 1024 * 1024
    result = subprocess.run(
        [sys.executable, "-m", "kilde.bot.cli.main", "add", bomb, "/dev/zero", str(fifo),
         good],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        cwd=ROOT, timeout=60, check=False,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (limit, limit)),
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        (f"skipped {bomb}: page is larger than the 5.0 MB cap once decompressed "
         "(Content-Encoding gzip, gzip)"),
        "skipped /dev/zero: is a character device, not a regular file",
        f"skipped {fifo}: is a named pipe (FIFO), not a regular file",
    ]
    assert result.stdout.startswith("added 005_")  # the good one after them still goes in
    added = set(_snapshot(corpus)) - set(before)
    assert len(added) == 2  # its article and sidecar, nothing else
