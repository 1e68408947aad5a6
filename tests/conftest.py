"""Fixtures shared by more than one test folder.

Every test gets its own `XDG_DATA_HOME` (where the query log and the default collection live).
`news_server`: a web server on loopback serving the news pages of tests/fixtures/pages/ and the
ways a fetch goes wrong (404, a slow answer, a slow drip of body bytes or of header lines, a
redirect loop, a PDF, an oversized body, a compression bomb, false or bogus charset labels), for
`kilde add` in tests/corpus and tests/bot. Nothing here touches a real web server.
"""

from __future__ import annotations

import functools
import gzip
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def user_data_dir(tmp_path_factory: pytest.TempPathFactory,
                      monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test's per-user data folder (query log, default collection) is its own temporary
    folder, never the real ~/.local/share."""
    folder = tmp_path_factory.mktemp("xdg-data")
    monkeypatch.setenv("XDG_DATA_HOME", str(folder))
    return folder


PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"
SLOW_SECONDS = 3.0  # far beyond the tests' timeouts, short enough not to hold anything up
HEADER_DRIP_SECONDS = 6.0  # how long the header lines drip: a fetch that waits for them shows
BIG_BYTES = 3 * 1024 * 1024


@dataclass
class NewsServer:
    """Where the server listens and what it was asked."""

    base_url: str
    user_agents: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path


def _page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


_HTML = "text/html; charset=utf-8"
_PAGES_BY_PATH = {
    "/lokalt/odense-zoo-roede-pandaer": "da_roede_pandaer.html",
    "/nyheter/elektrisk-sjofly-bergen-stavanger": "no_sjofly.html",
    "/fanoe/natfaerge": "da_uden_dato.html",
    "/": "da_forside_uden_artikel.html",
}


def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


_COMPRESS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.compress, "deflate": zlib.compress, "raw-deflate": _raw_deflate,
}


@functools.cache
def double_gzip_bomb(megabytes: int) -> bytes:
    """`megabytes` MB of zeros gzipped twice: 2,048 MB come to about 5 KB.

    Built without compressing it all: after a full flush the deflate stream restarts, so each
    further megabyte of zeros compresses to the same bytes.
    """
    zeros = bytes(1024 * 1024)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    checksum = 0
    for _ in range(megabytes):
        checksum = zlib.crc32(zeros, checksum)
    inner = (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + block * megabytes + deflate.flush()
             + struct.pack("<II", checksum, (megabytes * 1024 * 1024) & 0xFFFFFFFF))
    return gzip.compress(inner, 9)


class _NewsPages(BaseHTTPRequestHandler):
    """The news site's pages and failures; `news` records what was asked."""

    news: NewsServer

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output clean."""

    def _send(self, status: int, body: bytes, content_type: str | None = _HTML,
              length: bool = True, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        if length:
            self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.news.user_agents.append(self.headers.get("User-Agent", ""))
        self.news.requests.append(self.path)
        path = self.path.split("?", 1)[0]
        if path in _PAGES_BY_PATH:
            self._send(200, _page(_PAGES_BY_PATH[path]))
            return
        if path.startswith("/charset/"):
            self._labelled(path.removeprefix("/charset/"))
            return
        if path.startswith("/bomb/"):
            self._bomb(int(path.removeprefix("/bomb/")))
            return
        special = {
            "/nyheter/sjofly-latin1": self._windows_1252,
            "/kort/panda": lambda: self._redirect(301, "/lokalt/odense-zoo-roede-pandaer"),
            "/loop": lambda: self._redirect(302, "/loop"),
            "/slow": self._slow,
            "/drip": self._drip,
            "/rapport.pdf": self._pdf,
            "/stor": self._big,
            "/stor-uden-laengde": self._big_without_length,
            "/gzip": lambda: self._compressed(["gzip"]),
            "/gzip-gzip": lambda: self._compressed(["gzip", "gzip"]),
            "/deflate": lambda: self._compressed(["deflate"]),
            "/deflate-raw": lambda: self._compressed(["raw-deflate"]),
            "/brotli": self._brotli,
            "/header-drip": self._header_drip,
            "/utf8-label-windows-1252": self._utf8_label_on_windows_1252,
        }
        special.get(path, self._not_found)()

    def _windows_1252(self) -> None:
        # An older site: Windows-1252, declared only in the header.
        text = _page("no_sjofly.html").decode("utf-8").replace('<meta charset="utf-8">', "")
        self._send(200, text.encode("cp1252"), "text/html; charset=windows-1252")

    def _labelled(self, label: str) -> None:
        # The Danish page (UTF-8 bytes) under whatever charset label the path names.
        self._send(200, _page("da_roede_pandaer.html"), f"text/html; charset={label}")

    def _utf8_label_on_windows_1252(self) -> None:
        text = _page("no_sjofly.html").decode("utf-8").replace('<meta charset="utf-8">', "")
        self._send(200, text.encode("cp1252"), "text/html; charset=utf-8")

    def _compressed(self, codings: list[str]) -> None:
        body = _page("da_roede_pandaer.html")
        for coding in codings:
            body = _COMPRESS[coding](body)
        encoding = ", ".join("deflate" if c == "raw-deflate" else c for c in codings)
        self._send(200, body, headers={"Content-Encoding": encoding})

    def _brotli(self) -> None:
        self._send(200, b"\x0b\x02\x80<p>x</p>\x03", headers={"Content-Encoding": "br"})

    def _bomb(self, megabytes: int) -> None:
        self._send(200, double_gzip_bomb(megabytes), headers={"Content-Encoding": "gzip, gzip"})

    def _header_drip(self) -> None:
        # Each header line well within a read timeout; the headers never end in time.
        self.send_response(200)
        self.send_header("Content-Type", _HTML)
        self.flush_headers()
        for number in range(int(HEADER_DRIP_SECONDS / 0.2)):
            self.send_header(f"X-Drip-{number}", "1")
            self.flush_headers()
            time.sleep(0.2)
        body = _page("da_roede_pandaer.html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, status: int, location: str) -> None:
        self._send(status, b"", headers={"Location": location})

    def _slow(self) -> None:
        time.sleep(SLOW_SECONDS)
        self._send(200, _page("da_roede_pandaer.html"))

    def _drip(self) -> None:
        # Each byte arrives well within a read timeout; the whole never arrives in time.
        self._start_unsized()
        for _ in range(int(SLOW_SECONDS / 0.05)):
            self.wfile.write(b" ")
            self.wfile.flush()
            time.sleep(0.05)

    def _pdf(self) -> None:
        pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
        self._send(200, pdf, "application/pdf")

    def _big(self) -> None:
        filler = b"<p>fyld</p>" * (BIG_BYTES // 11)
        self._send(200, b"<html><body>" + filler + b"</body></html>")

    def _big_without_length(self) -> None:
        # No Content-Length: only counting while streaming can stop it.
        self._start_unsized()
        chunk = b"<p>fyld fyld fyld fyld fyld fyld fyld fyld</p>\n" * 1000
        for _ in range(BIG_BYTES // len(chunk) + 1):
            self.wfile.write(chunk)

    def _start_unsized(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", _HTML)
        self.end_headers()

    def _not_found(self) -> None:
        self._send(404, b"<html><body><h1>Siden findes ikke</h1></body></html>")


def _handler(server: NewsServer) -> type[BaseHTTPRequestHandler]:
    """The request handler class of one server, recording into `server`."""
    return type("Handler", (_NewsPages,), {"news": server})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a slow handler still sleeping must not hold up the end

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that gave up (timeout, size cap) is expected here, not an error."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def news_server() -> Iterator[NewsServer]:
    """A news site on 127.0.0.1 with an ephemeral port, for the whole test session."""
    state = NewsServer(base_url="")
    httpd = _Server(("127.0.0.1", 0), _handler(state))
    state.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, name="news-server", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture(autouse=True)
def _state_folder(tmp_path_factory: pytest.TempPathFactory,
                  monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test's bot keeps its backlog in a fresh folder, never in the user's own."""
    folder = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("XDG_STATE_HOME", str(folder))
    return folder
