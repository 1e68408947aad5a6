"""One loopback HTTP server speaking the three translation APIs Kilde supports.

    with fake_translation() as fake:        # fake.url is http://127.0.0.1:PORT
        fake.mode = "slow"                   # "ok", "error", "unauthorized", "slow", "malformed"
        ... fake.requests                    # (path, headers, JSON body) of every call

Routes: LibreTranslate `POST /translate`, DeepL `POST /v2/translate`, chat completions
`POST /v1/chat/completions`. A "translation" is the text marked with its language pair,
`[da→en] Rusland har krævet ...`, so tests can tell a translation from the quote. Keys are
checked as each API checks them (LibreTranslate's `api_key` field, DeepL's and OpenAI's
Authorization header) when `fake.key` is set.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SLOW_SECONDS = 3.0
FAULTS: dict[str, tuple[int, Any]] = {
    "error": (500, {"error": "Internal translation engine error"}),
    "malformed": (200, b'{"unexpected": tru'),
    "wrong-shape": (200, {"choices": [], "translations": "nope", "translatedText": 7}),
}


@dataclass
class FakeTranslation:
    url: str = ""
    mode: str = "ok"
    key: str | None = None
    requests: list[tuple[str, dict[str, str], Any]] = field(default_factory=list)

    def calls(self, path: str) -> list[Any]:
        return [body for where, _, body in self.requests if where == path]


def _mark(text: str, source: str, target: str) -> str:
    return f"[{source.lower()}→{target.lower()}] {text}"


def _handler(fake: FakeTranslation) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

        def _reply(self, status: int, body: Any) -> None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"null")
            fake.requests.append((self.path, dict(self.headers), body))
            if fake.mode == "slow":
                time.sleep(SLOW_SECONDS)
            if fake.mode in FAULTS:
                self._reply(*FAULTS[fake.mode])
                return
            route = {"/translate": self._libretranslate, "/v2/translate": self._deepl,
                     "/v1/chat/completions": self._chat}.get(self.path)
            if route is None:
                self._reply(404, {"error": "Not Found"})
                return
            route(body)

        def _authorised(self, presented: str | None) -> bool:
            return not (fake.mode == "unauthorized"
                        or (fake.key is not None and presented != fake.key))

        def _libretranslate(self, body: dict[str, Any]) -> None:
            if not self._authorised(body.get("api_key") if fake.key else None):
                self._reply(403, {"error": "Invalid API key"})
                return
            texts = body["q"] if isinstance(body["q"], list) else [body["q"]]
            out = [_mark(t, body["source"], body["target"]) for t in texts]
            self._reply(200, {"translatedText": out if isinstance(body["q"], list) else out[0]})

        def _deepl(self, body: dict[str, Any]) -> None:
            header = self.headers.get("Authorization", "")
            if not self._authorised(header.removeprefix("DeepL-Auth-Key ") if fake.key else None):
                self._reply(403, {"message": "Authorization failed"})
                return
            self._reply(200, {"translations": [
                {"detected_source_language": body["source_lang"],
                 "text": _mark(text, body["source_lang"], body["target_lang"])}
                for text in body["text"]]})

        def _chat(self, body: dict[str, Any]) -> None:
            header = self.headers.get("Authorization", "")
            if not self._authorised(header.removeprefix("Bearer ") if fake.key else None):
                self._reply(401, {"error": {"message": "Incorrect API key provided"}})
                return
            system, user = body["messages"][0]["content"], body["messages"][1]["content"]
            pair = ("da" if "from Danish" in system else "no",
                    "en" if "into English" in system else "da" if "into Danish" in system else "no")
            self._reply(200, {"id": "chatcmpl-1", "object": "chat.completion", "choices": [
                {"index": 0, "finish_reason": "stop",
                 "message": {"role": "assistant", "content": _mark(user, *pair)}}]})

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that gave up on a slow reply is expected here."""


@contextmanager
def fake_translation() -> Iterator[FakeTranslation]:
    fake = FakeTranslation()
    httpd = _Server(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), name="fake-translation",
                              daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
