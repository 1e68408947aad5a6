"""Any OpenAI-compatible chat-completions endpoint (Ollama, vLLM, llama.cpp's server, hosted
APIs): POST {url}/chat/completions, `url` being the base up to `/v1`.

One excerpt per request, with an instruction to reply with the translation only; the reply is
`{"choices": [{"message": {"content": "..."}}]}`. The key, when given, is a Bearer token.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kilde.bot.translation.protocol import LANGUAGE_NAMES, Request, malformed

INSTRUCTION = (
    "You translate news excerpts from {source} into {target}. Reply with the translation of the "
    "user's text only: no quotes, no notes, nothing added or left out."
)


class OpenAIChat:
    name = "chat completions"
    batch_size = 1

    def __init__(self, url: str, model: str, key: str | None = None) -> None:
        self.url = url.rstrip("/")
        self.model = model
        self._key = key

    def request(self, texts: Sequence[str], source: str, target: str) -> Request:
        [text] = texts
        system = INSTRUCTION.format(source=LANGUAGE_NAMES[source], target=LANGUAGE_NAMES[target])
        headers = {"Authorization": f"Bearer {self._key}"} if self._key else {}
        return Request(
            f"{self.url}/chat/completions",
            {"model": self.model, "temperature": 0, "messages": [
                {"role": "system", "content": system}, {"role": "user", "content": text}]},
            headers,
        )

    def parse(self, body: Any, count: int) -> list[str]:
        try:
            content = body["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise malformed(self.name, "no choices[0].message.content") from None
        if not isinstance(content, str) or not content.strip():
            raise malformed(self.name, "an empty message")
        return [content.strip()]
