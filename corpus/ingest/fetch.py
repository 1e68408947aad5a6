"""Fetching one web page politely and defensively with httpx.

Every limit is in `FetchLimits`: a timeout for each network step, one deadline for the whole
fetch (connecting, every redirect, the headers and the body: a server that drips a header line or
a byte at a time never trips a per-read timeout, so the request runs under `asyncio.timeout`), a
redirect limit, a size cap on the bytes received and on what they decompress to (counted while
streaming, a piece at a time, whatever Content-Length claimed: see `content_encoding`) and a
content-type check. The User-Agent says who is asking.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from importlib import metadata
from typing import Any, TypeVar

import httpx

from kilde.corpus.ingest.content_encoding import ACCEPT_ENCODING, BoundedDecoder
from kilde.corpus.ingest.errors import DecodedTooLargeError, FetchError

logger = logging.getLogger(__name__)

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


def _version() -> str:
    try:
        return metadata.version("kilde")
    except metadata.PackageNotFoundError:
        return "0.1"


USER_AGENT = (
    f"Kilde/{_version()} (news question answering; fetches single pages on request via 'kilde add')"
)


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """How long, how far and how much a fetch may go."""

    timeout: float = 20.0  # seconds for connecting, and for each read (slow sites need a few)
    # seconds for the whole fetch, connecting to the last byte, redirects included: header lines
    # or bytes dripped in pass every per-read timeout, so only this bounds a fetch's time
    total_timeout: float = 60.0
    max_redirects: int = 5
    # bytes received, and bytes they decompress to: the largest news pages (inline scripts and
    # all) are 1-2 MB, so 5 MB refuses no article and keeps a bomb's cost to a few MB
    max_bytes: int = 5 * 1024 * 1024
    user_agent: str = USER_AGENT


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """An HTML page as received: where it was asked for, where it ended up, and its body."""

    requested_url: str
    url: str  # after redirects
    content: bytes
    encoding: str | None  # the charset the server declared, if any


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


def _check_content_type(response: httpx.Response) -> None:
    header = response.headers.get("content-type")
    if header is None:
        return  # many small servers omit it; the body is sniffed by the extractor
    media_type = header.split(";", 1)[0].strip().lower()
    if media_type not in HTML_TYPES:
        raise FetchError(f"not an HTML page (content type {media_type or 'empty'})")


def _too_large(limits: FetchLimits, detail: str = "") -> FetchError:
    return FetchError(f"page is larger than the {_megabytes(limits.max_bytes)} cap{detail}")


async def _read_body(response: httpx.Response, limits: FetchLimits) -> bytes:
    """The body, decompressed; stops as soon as the raw or the decoded size passes the cap."""
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limits.max_bytes:
        raise _too_large(limits, f" ({_megabytes(int(declared))})")
    decoder = BoundedDecoder.for_header(response.headers.get("content-encoding"), limits.max_bytes)
    pieces: list[bytes] = []
    received = 0
    try:
        async for chunk in response.aiter_raw():
            received += len(chunk)
            if received > limits.max_bytes:
                raise _too_large(limits)
            pieces.extend(decoder.feed(chunk))
        pieces.extend(decoder.finish())
    except DecodedTooLargeError as error:
        detail = f" once decompressed (Content-Encoding {error.encodings})"
        raise _too_large(limits, detail) from None
    return b"".join(pieces)


def _client(limits: FetchLimits) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        follow_redirects=True,
        max_redirects=limits.max_redirects,
        timeout=httpx.Timeout(limits.timeout),
        headers={
            "User-Agent": limits.user_agent,
            "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
            "Accept-Language": "da,nb,no,nn,sv;q=0.8,en;q=0.5",
            "Accept-Encoding": ACCEPT_ENCODING,
        },
    )


async def _fetch(url: str, limits: FetchLimits) -> FetchedPage:
    try:
        async with _client(limits) as http, http.stream("GET", url) as response:
            if response.status_code >= 400:
                reason = response.reason_phrase or "error"
                raise FetchError(f"HTTP {response.status_code} {reason}")
            _check_content_type(response)
            content = await _read_body(response, limits)
            logger.debug("fetched %s (%d bytes) from %s", url, len(content), response.url)
            return FetchedPage(
                requested_url=url,
                url=str(response.url),
                content=content,
                encoding=response.charset_encoding,
            )
    except httpx.TooManyRedirects:
        raise FetchError(f"too many redirects (more than {limits.max_redirects})") from None
    except httpx.TimeoutException:
        raise FetchError(f"timed out after {limits.timeout:g} s") from None
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as error:
        raise FetchError(f"not a usable http(s) address ({error})") from None
    except httpx.ConnectError as error:
        raise FetchError(f"could not connect ({error})") from None
    except httpx.HTTPError as error:
        raise FetchError(f"download failed ({type(error).__name__}: {error})") from None


async def _fetch_by_deadline(url: str, limits: FetchLimits) -> FetchedPage:
    try:
        async with asyncio.timeout(limits.total_timeout) as deadline:
            return await _fetch(url, limits)
    except TimeoutError:
        if not deadline.expired():
            raise
        raise FetchError(f"timed out after {limits.total_timeout:g} s (download too slow)") from None


_Result = TypeVar("_Result")


def _run(coroutine: Coroutine[Any, Any, _Result]) -> _Result:
    """`asyncio.run`, except that closing does not wait for a resolver thread still stuck on DNS
    (asyncio.run joins the executor, which would outlast the deadline)."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()


def fetch_page(url: str, limits: FetchLimits = FetchLimits()) -> FetchedPage:
    """Download one HTML page within `limits`; raises `FetchError` with a one-line reason.

    It runs its own event loop, so call it from synchronous code (or a worker thread).
    """
    return _run(_fetch_by_deadline(url, limits))
