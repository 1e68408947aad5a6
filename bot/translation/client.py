"""The translation client: one backend, a cache, httpx (sync for the CLI, async for the bot).

Texts are sent in batches of the backend's size; each translation is cached under (backend,
source, target, the text's digest), so the same paragraph's excerpt is translated into a
language once per process. Every failure becomes a `TranslationError` with a short reason.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from collections.abc import Sequence
from threading import Lock
from typing import Any
from urllib.parse import urlsplit

import httpx

from kilde.bot.translation.deepl import DeepL
from kilde.bot.translation.libretranslate import LibreTranslate
from kilde.bot.translation.openai_chat import OpenAIChat
from kilde.bot.translation.protocol import Backend, Request, TranslationError
from kilde.config import Settings

logger = logging.getLogger(__name__)

CACHE_SIZE = 4096
MAX_REASON_CHARS = 120


class TranslationCache:
    """Recent translations, by backend, language pair and text digest."""

    def __init__(self, capacity: int = CACHE_SIZE) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[tuple[str, str, str, str], str] = OrderedDict()
        self._lock = Lock()

    @staticmethod
    def key(backend: str, source: str, target: str, text: str) -> tuple[str, str, str, str]:
        return backend, source, target, hashlib.sha256(text.encode()).hexdigest()

    def get(self, key: tuple[str, str, str, str]) -> str | None:
        with self._lock:
            return self._entries.get(key)

    def put(self, key: tuple[str, str, str, str], translation: str) -> None:
        with self._lock:
            self._entries[key] = translation
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)


class Translator:
    """Translates texts with one backend."""

    def __init__(self, backend: Backend, *, timeout: float = 10.0, secret: str | None = None,
                 cache: TranslationCache | None = None) -> None:
        self.backend = backend
        self.timeout = timeout
        self.cache = cache or TranslationCache()
        self._secret = secret  # only to scrub it from any reason that might quote it

    @property
    def name(self) -> str:
        return self.backend.name

    def translate(self, texts: Sequence[str], *, source: str, target: str) -> list[str]:
        """`texts` translated from `source` into `target` (blocking)."""
        missing = self._missing(texts, source, target)
        if missing:
            with httpx.Client(timeout=self.timeout) as client:
                for batch in self._batches(missing):
                    request = self.backend.request(batch, source, target)
                    try:
                        response = client.post(request.url, json=request.json,
                                               headers=request.headers)
                    except httpx.HTTPError as error:
                        raise self._failure(error, request) from None
                    body = self._checked(response)
                    self._store(batch, self.backend.parse(body, len(batch)), source, target)
        return self._cached(texts, source, target)

    async def atranslate(self, texts: Sequence[str], *, source: str, target: str) -> list[str]:
        """`texts` translated from `source` into `target`, without blocking the event loop."""
        missing = self._missing(texts, source, target)
        if missing:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                for batch in self._batches(missing):
                    request = self.backend.request(batch, source, target)
                    try:
                        response = await client.post(request.url, json=request.json,
                                                     headers=request.headers)
                    except httpx.HTTPError as error:
                        raise self._failure(error, request) from None
                    body = self._checked(response)
                    self._store(batch, self.backend.parse(body, len(batch)), source, target)
        return self._cached(texts, source, target)

    # the steps shared by both ------------------------------------------------------------------

    def _missing(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        keys = {text: TranslationCache.key(self.name, source, target, text) for text in texts}
        return [text for text, key in keys.items() if self.cache.get(key) is None]

    def _batches(self, texts: list[str]) -> list[list[str]]:
        size = max(self.backend.batch_size, 1)
        return [texts[i:i + size] for i in range(0, len(texts), size)]

    def _store(self, texts: list[str], translations: list[str], source: str, target: str) -> None:
        for text, translation in zip(texts, translations, strict=True):
            self.cache.put(TranslationCache.key(self.name, source, target, text), translation)

    def _cached(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        out = []
        for text in texts:
            found = self.cache.get(TranslationCache.key(self.name, source, target, text))
            if found is None:  # evicted while translating a very long list
                raise TranslationError("the translation cache is too small for this answer")
            out.append(found)
        return out

    def _checked(self, response: httpx.Response) -> Any:
        if response.status_code >= 400:
            raise TranslationError(self._scrub(
                f"{self.name} answered HTTP {response.status_code}{_detail(response)}"))
        try:
            return response.json()
        except ValueError:
            raise TranslationError(f"{self.name} sent a malformed reply (not JSON)") from None

    def _failure(self, error: httpx.HTTPError, request: Request) -> TranslationError:
        where = _host(request.url)
        if isinstance(error, httpx.TimeoutException):
            reason = f"{self.name} at {where} did not answer within {self.timeout:g} s"
        elif isinstance(error, httpx.ConnectError):
            reason = f"cannot reach {self.name} at {where}"
        else:
            reason = f"{self.name} at {where} failed ({type(error).__name__})"
        logger.info("translation failed: %s", reason)
        return TranslationError(self._scrub(reason))

    def _scrub(self, reason: str) -> str:
        if self._secret:
            reason = reason.replace(self._secret, "***")
        return reason


def _host(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc or url


def _detail(response: httpx.Response) -> str:
    """A short reason from an error reply's JSON ("Invalid API key"), if it gives one."""
    try:
        body = response.json()
    except ValueError:
        return ""
    detail = None
    if isinstance(body, dict):
        detail = body.get("error") or body.get("message") or body.get("detail")
        if isinstance(detail, dict):
            detail = detail.get("message")
    if not isinstance(detail, str) or not detail.strip():
        return ""
    detail = " ".join(detail.split())
    return f": {detail[:MAX_REASON_CHARS]}"


def translator_from_settings(settings: Settings,
                             cache: TranslationCache | None = None) -> Translator:
    """The translator `KILDE_TRANSLATE_*` describe; TranslationError naming what is missing."""
    api = settings.translate_api
    key = settings.translate_key.get_secret_value() if settings.translate_key else None
    url = settings.translate_url
    backend: Backend
    if not api:
        raise TranslationError("no translation service is configured (KILDE_TRANSLATE_API)")
    if url is not None and urlsplit(url).scheme not in ("http", "https"):
        raise TranslationError(f"KILDE_TRANSLATE_URL must be an http(s) address, got {url!r}")
    if api == "libretranslate":
        if not url:
            raise TranslationError("KILDE_TRANSLATE_URL is not set (LibreTranslate's address)")
        backend = LibreTranslate(url, key)
    elif api == "deepl":
        if not key:
            raise TranslationError("KILDE_TRANSLATE_KEY is not set (DeepL needs an API key)")
        backend = DeepL(url, key)
    else:
        if not url:
            raise TranslationError("KILDE_TRANSLATE_URL is not set (the API's base, up to /v1)")
        if not settings.translate_model:
            raise TranslationError("KILDE_TRANSLATE_MODEL is not set (the model to translate with)")
        backend = OpenAIChat(url, settings.translate_model, key)
    return Translator(backend, timeout=settings.translate_timeout, secret=key, cache=cache)
