"""DeepL's API: POST {url}/v2/translate with `Authorization: DeepL-Auth-Key <key>`.

Request `{"text": [...], "source_lang": "DA", "target_lang": "EN-GB"}`; reply
`{"translations": [{"detected_source_language": "DA", "text": "..."}]}`. The free plan's URL is
https://api-free.deepl.com, the paid one's https://api.deepl.com.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kilde.bot.translation.protocol import Request, malformed

SOURCE_CODES = {"da": "DA", "no": "NB", "en": "EN"}
TARGET_CODES = {"da": "DA", "no": "NB", "en": "EN-GB"}
DEFAULT_URL = "https://api-free.deepl.com"


class DeepL:
    name = "DeepL"
    batch_size = 50  # DeepL's limit per request

    def __init__(self, url: str | None, key: str) -> None:
        self.url = (url or DEFAULT_URL).rstrip("/")
        self._key = key

    def request(self, texts: Sequence[str], source: str, target: str) -> Request:
        return Request(
            f"{self.url}/v2/translate",
            {"text": list(texts), "source_lang": SOURCE_CODES[source],
             "target_lang": TARGET_CODES[target]},
            {"Authorization": f"DeepL-Auth-Key {self._key}"},
        )

    def parse(self, body: Any, count: int) -> list[str]:
        items = body.get("translations") if isinstance(body, dict) else None
        if not isinstance(items, list) or len(items) != count:
            raise malformed(self.name, "no translations list")
        texts = [item.get("text") if isinstance(item, dict) else None for item in items]
        if not all(isinstance(text, str) for text in texts):
            raise malformed(self.name, "a translation without text")
        return [str(text) for text in texts]
