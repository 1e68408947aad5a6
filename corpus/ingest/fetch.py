"""Fetching one web page politely and defensively with httpx.

Every limit is in `FetchLimits`: a timeout for each network step and one for the whole download
(a server that drips a byte a second never trips the per-read timeout), a redirect limit, a size
cap enforced while streaming (the body is abandoned as soon as it passes the cap, whatever
Content-Length claimed) and a content-type check. The User-Agent says who is asking.
"""

from __future__ import annotations

import codecs
import logging
import re
import time
from dataclasses import dataclass
from importlib import metadata

import httpx

from kilde.corpus.ingest.errors import FetchError

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

    timeout: float = 20.0  # seconds for connecting, and for each read
    total_timeout: float = 60.0  # seconds for the whole download
    max_redirects: int = 5
    max_bytes: int = 5 * 1024 * 1024
    user_agent: str = USER_AGENT


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """An HTML page as received: where it was asked for, where it ended up, and its body."""

    requested_url: str
    url: str  # after redirects
    content: bytes
    encoding: str | None  # the charset the server declared, if any


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)


def _known_codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def page_text(page: FetchedPage) -> str:
    """The page decoded: the charset the server declared, else the page's own <meta>, else UTF-8.

    A page that is not valid UTF-8 and declares nothing is read as Windows-1252, the usual
    encoding of older Danish and Norwegian sites.
    """
    meta = _META_CHARSET.search(page.content[:4096])
    declared = meta.group(1).decode("ascii") if meta else None
    codec = _known_codec(page.encoding) or _known_codec(declared)
    if codec:
        return page.content.decode(codec, errors="replace")
    try:
        return page.content.decode("utf-8")
    except UnicodeDecodeError:
        return page.content.decode("cp1252", errors="replace")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


def _check_content_type(response: httpx.Response) -> None:
    header = response.headers.get("content-type")
    if header is None:
        return  # many small servers omit it; the body is sniffed by the extractor
    media_type = header.split(";", 1)[0].strip().lower()
    if media_type not in HTML_TYPES:
        raise FetchError(f"not an HTML page (content type {media_type or 'empty'})")


def _read_capped(response: httpx.Response, limits: FetchLimits, started: float) -> bytes:
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limits.max_bytes:
        raise FetchError(
            f"page is larger than the {_megabytes(limits.max_bytes)} cap "
            f"({_megabytes(int(declared))})"
        )
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limits.max_bytes:
            raise FetchError(f"page is larger than the {_megabytes(limits.max_bytes)} cap")
        if time.monotonic() - started > limits.total_timeout:
            raise FetchError(f"timed out after {limits.total_timeout:g} s (download too slow)")
        chunks.append(chunk)
    return b"".join(chunks)


def fetch_page(
    url: str, limits: FetchLimits = FetchLimits(), *, client: httpx.Client | None = None
) -> FetchedPage:
    """Download one HTML page within `limits`; raises `FetchError` with a one-line reason."""
    own_client = client is None
    http = client or httpx.Client(
        follow_redirects=True,
        max_redirects=limits.max_redirects,
        timeout=httpx.Timeout(limits.timeout),
        headers={
            "User-Agent": limits.user_agent,
            "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
            "Accept-Language": "da,nb,no,nn,sv;q=0.8,en;q=0.5",
        },
    )
    started = time.monotonic()
    try:
        with http.stream("GET", url) as response:
            if response.status_code >= 400:
                reason = response.reason_phrase or "error"
                raise FetchError(f"HTTP {response.status_code} {reason}")
            _check_content_type(response)
            content = _read_capped(response, limits, started)
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
    finally:
        if own_client:
            http.close()
