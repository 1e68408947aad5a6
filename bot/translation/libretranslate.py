"""LibreTranslate's API (self-hosted or hosted): POST {url}/translate.

Request `{"q": [...], "source": "da", "target": "en", "format": "text", "api_key": "..."}`;
reply `{"translatedText": [...]}`. Norwegian is "nb" (Bokmål) in LibreTranslate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kilde.bot.translation.protocol import Request, malformed

CODES = {"da": "da", "no": "nb", "en": "en"}


class LibreTranslate:
    name = "LibreTranslate"
    batch_size = 16

    def __init__(self, url: str, key: str | None = None) -> None:
        self.url = url.rstrip("/")
        self._key = key

    def request(self, texts: Sequence[str], source: str, target: str) -> Request:
        body: dict[str, Any] = {
            "q": list(texts), "source": CODES[source], "target": CODES[target], "format": "text",
        }
        if self._key:
            body["api_key"] = self._key
        return Request(f"{self.url}/translate", body)

    def parse(self, body: Any, count: int) -> list[str]:
        translated = body.get("translatedText") if isinstance(body, dict) else None
        if isinstance(translated, str) and count == 1:
            translated = [translated]
        if not isinstance(translated, list) or len(translated) != count or not all(
                isinstance(text, str) for text in translated):
            raise malformed(self.name, "no translatedText list")
        return translated
