"""Fixtures shared by more than one test folder.

`news_server`: a web server on loopback serving the news pages of tests/fixtures/pages/ and the
ways a fetch goes wrong (404, a slow answer, a slow drip, a redirect loop, a PDF, an oversized
body), for `kilde add` in tests/corpus and tests/bot. Nothing here touches a real web server.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"
SLOW_SECONDS = 3.0  # far beyond the tests' timeouts, short enough not to hold anything up
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


def _handler(server: NewsServer) -> type[BaseHTTPRequestHandler]:
    html = "text/html; charset=utf-8"
    pages = {
        "/lokalt/odense-zoo-roede-pandaer": "da_roede_pandaer.html",
        "/nyheter/elektrisk-sjofly-bergen-stavanger": "no_sjofly.html",
        "/fanoe/natfaerge": "da_uden_dato.html",
        "/": "da_forside_uden_artikel.html",
    }

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            """Keep the test output clean."""

        def _send(self, status: int, body: bytes, content_type: str | None = html,
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
            server.user_agents.append(self.headers.get("User-Agent", ""))
            server.requests.append(self.path)
            path = self.path.split("?", 1)[0]
            if path in pages:
                self._send(200, _page(pages[path]))
            elif path == "/nyheter/sjofly-latin1":
                    # An older site: Windows-1252, declared only in the header.
                text = _page("no_sjofly.html").decode("utf-8").replace('<meta charset="utf-8">', "")
                self._send(200, text.encode("cp1252"), "text/html; charset=windows-1252")
            elif path == "/kort/panda":
                self._send(301, b"", headers={"Location": "/lokalt/odense-zoo-roede-pandaer"})
            elif path == "/loop":
                self._send(302, b"", headers={"Location": "/loop"})
            elif path == "/slow":
                time.sleep(SLOW_SECONDS)
                self._send(200, _page("da_roede_pandaer.html"))
            elif path == "/drip":
                # Each byte arrives well within a read timeout; the whole never arrives in time.
                self.send_response(200)
                self.send_header("Content-Type", html)
                self.end_headers()
                for _ in range(int(SLOW_SECONDS / 0.05)):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.05)
            elif path == "/rapport.pdf":
                pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
                self._send(200, pdf, "application/pdf")
            elif path == "/stor":
                filler = b"<p>fyld</p>" * (BIG_BYTES // 11)
                self._send(200, b"<html><body>" + filler + b"</body></html>")
            elif path == "/stor-uden-laengde":
                # No Content-Length: only counting while streaming can stop it.
                self.send_response(200)
                self.send_header("Content-Type", html)
                self.end_headers()
                chunk = b"<p>fyld fyld fyld fyld fyld fyld fyld fyld</p>\n" * 1000
                for _ in range(BIG_BYTES // len(chunk) + 1):
                    self.wfile.write(chunk)
            else:
                self._send(404, b"<html><body><h1>Siden findes ikke</h1></body></html>")

    return Handler


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
