"""Telling URLs from file names, and normalising URLs so that the same page is recognised.

Normalising is courlan's (trafilatura's own URL library): scheme and host in lower case,
punycode decoded, default port, dot segments and percent-encoding in the path, tracking
parameters dropped (its list covers utm_*, fbclid, gclid, msclkid, _ga, xtor, ...), the other
parameters sorted. On top of it the fragment and a trailing slash go too, and a few trackers
that news sites add and courlan does not know.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

from courlan import normalize_url

# Trackers beyond courlan's list (its pattern already matches utm_, mc_, pk_, _ga, xtor, ...).
_EXTRA_TRACKING_PREFIXES = ("hsa_",)
_EXTRA_TRACKING_NAMES = frozenset({"ocid", "cmpid", "ncid", "s_cid"})


def is_url(argument: str) -> bool:
    """Whether a `kilde add` argument is meant as a web address (http or https)."""
    return argument.lower().startswith(("http://", "https://"))


def _is_extra_tracker(name: str) -> bool:
    lowered = name.lower()
    return lowered in _EXTRA_TRACKING_NAMES or lowered.startswith(_EXTRA_TRACKING_PREFIXES)


def normalise_url(url: str) -> str:
    """The form two URLs of the same article share.

    The path's case and the non-tracking parameters are kept, since sites do use them to tell
    articles apart; a URL courlan cannot parse (a malformed port) is only stripped.
    """
    parts = urlsplit(url.strip())
    try:
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return url.strip()
    query = urlencode(
        [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True)
         if not _is_extra_tracker(name)]
    )
    netloc = parts.netloc.lower()
    if parts.hostname and parts.hostname.endswith("."):  # "dr.dk." is dr.dk
        netloc = netloc.replace(parts.hostname, parts.hostname.rstrip("."), 1)
    normal = urlsplit(normalize_url(parts._replace(netloc=netloc, query=query, fragment="")))
    return normal._replace(path=normal.path.rstrip("/")).geturl()
