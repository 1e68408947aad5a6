"""Fetching pages from the loopback news server: the page when all is well, one clear reason when not."""

from __future__ import annotations

import socket
import time

import pytest

from kilde.corpus.ingest.charset import decode_page
from kilde.corpus.ingest.errors import FetchError
from kilde.corpus.ingest.fetch import FetchedPage, FetchLimits, fetch_page
from tests.conftest import HEADER_DRIP_SECONDS, NewsServer


def page_text(page: FetchedPage) -> str:
    return decode_page(page.content, page.encoding).text

FAST = FetchLimits(timeout=0.5, total_timeout=1.0, max_bytes=1024 * 1024)


def test_fetches_a_page_and_follows_redirects(news_server: NewsServer) -> None:
    page = fetch_page(news_server.url("/kort/panda"), FAST)
    assert page.url == news_server.url("/lokalt/odense-zoo-roede-pandaer")
    assert page.requested_url == news_server.url("/kort/panda")
    assert "Odense Zoo får to røde pandaer" in page_text(page)


def test_says_honestly_who_is_asking(news_server: NewsServer) -> None:
    fetch_page(news_server.url("/nyheter/elektrisk-sjofly-bergen-stavanger"), FAST)
    assert news_server.user_agents[-1].startswith("Kilde/")
    assert "kilde add" in news_server.user_agents[-1]


def test_reads_the_charset_the_server_declares(news_server: NewsServer) -> None:
    page = fetch_page(news_server.url("/nyheter/sjofly-latin1"), FAST)
    assert page.encoding == "windows-1252"
    assert "Elektrisk sjøfly skal fly mellom Bergen og Stavanger" in page_text(page)


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/findes-ikke", "HTTP 404 Not Found"),
        ("/slow", "timed out after 0.5 s"),
        ("/drip", "timed out after 1 s (download too slow)"),
        ("/loop", "too many redirects (more than 5)"),
        ("/rapport.pdf", "not an HTML page (content type application/pdf)"),
        ("/stor", "page is larger than the 1.0 MB cap (3.0 MB)"),
        ("/stor-uden-laengde", "page is larger than the 1.0 MB cap"),
        ("/bomb/64", ("page is larger than the 1.0 MB cap once decompressed "
                      "(Content-Encoding gzip, gzip)")),
        ("/brotli", "unsupported Content-Encoding br"),
        ("/header-drip", "timed out after 1 s (download too slow)"),
    ],
)
def test_bad_pages_fail_with_one_clear_reason(
    news_server: NewsServer,
    path: str,
    reason: str,
) -> None:
    with pytest.raises(FetchError) as caught:
        fetch_page(news_server.url(path), FAST)
    assert str(caught.value) == reason
    assert "\n" not in str(caught.value)


def test_a_closed_port_is_a_connection_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Bound then closed: nothing listens there now.
    with pytest.raises(FetchError, match="could not connect"):
        fetch_page(f"http://127.0.0.1:{port}/artikel", FAST)


def test_a_non_http_address_is_refused() -> None:
    with pytest.raises(FetchError, match="not a usable http"):
        fetch_page("ftp://example.invalid/artikel", FAST)


def test_undeclared_encoding_falls_back_from_utf8_to_windows_1252() -> None:
    page = FetchedPage("http://x/", "http://x/", "<p>Blåbær på Fanø</p>".encode("cp1252"), None)
    assert page_text(page) == "<p>Blåbær på Fanø</p>"
    meta = FetchedPage("http://x/", "http://x/",
                       '<meta charset="iso-8859-1"><p>Ærø</p>'.encode("latin-1"), None)
    assert page_text(meta).endswith("<p>Ærø</p>")


@pytest.mark.parametrize("path", ["/gzip", "/gzip-gzip", "/deflate", "/deflate-raw"])
def test_compressed_pages_are_decompressed(news_server: NewsServer, path: str) -> None:
    page = fetch_page(news_server.url(path), FAST)
    assert "Odense Zoo får to røde pandaer" in page_text(page)


def test_the_deadline_holds_while_header_lines_drip_in(news_server: NewsServer) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"timed out after 1 s"):
        fetch_page(news_server.url("/header-drip"), FAST)
    # The deadline must not wait for the drip's end (a bound generous for a loaded machine).
    assert time.monotonic() - started < HEADER_DRIP_SECONDS / 2
