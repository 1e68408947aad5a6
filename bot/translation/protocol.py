"""What a translation backend is: how to ask its API, and how to read the reply.

Backends build requests and parse replies, and do no I/O themselves (the client sends them,
synchronously for the CLI or asynchronously for the bot), so each is a small pure module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from kilde.corpus.errors import KildeError

LANGUAGE_NAMES = {"da": "Danish", "no": "Norwegian (Bokmål)", "en": "English"}


class TranslationError(KildeError):
    """Translation is unavailable; the message says why, in a few words, without secrets."""


@dataclass(frozen=True)
class Request:
    """One HTTP request to a translation API."""

    url: str
    json: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class Backend(Protocol):
    """A translation API."""

    name: str
    # Texts one request may carry (1 for chat completions: one excerpt, one reply).
    batch_size: int

    def request(self, texts: Sequence[str], source: str, target: str) -> Request:
        """The request that translates `texts` from `source` into `target` (our language codes)."""

    def parse(self, body: Any, count: int) -> list[str]:
        """The `count` translations in a reply's JSON body; TranslationError if malformed."""


def malformed(backend: str, what: str) -> TranslationError:
    return TranslationError(f"{backend} sent a malformed reply ({what})")
