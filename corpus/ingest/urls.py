"""Telling URLs from file names, and normalising URLs so that the same page is recognised."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only say where a click came from; they never change the article.
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_")
_TRACKING_NAMES = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "_ga", "_gl", "ocid", "cmpid",
     "ncid", "ref_src", "s_cid", "at_medium", "at_campaign", "xtor"}
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_url(argument: str) -> bool:
    """Whether a `kilde add` argument is meant as a web address (http or https)."""
    return argument.lower().startswith(("http://", "https://"))


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING_NAMES or lowered.startswith(_TRACKING_PREFIXES)


def normalise_url(url: str) -> str:
    """The form two URLs of the same article share.

    Scheme and host lower-cased, default port, fragment, trailing slash and tracking parameters
    (utm_*, fbclid, ...) dropped; the path's case and the other parameters are kept, since sites
    do use them to tell articles apart.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    try:
        port = parts.port
    except ValueError:  # a malformed port: nothing sensible to normalise
        return url.strip()
    if port == _DEFAULT_PORTS.get(scheme):
        port = None
    netloc = host if port is None else f"{host}:{port}"
    path = parts.path.rstrip("/")
    query = urlencode(
        [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True)
         if not _is_tracking(name)]
    )
    return urlunsplit((scheme, netloc, path, query, ""))
