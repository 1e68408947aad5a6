"""Which outlet an article comes from, when it can be told: from its source URL's host, from a
dateline ("BRUSSEL/OSLO (VG) ..."), or from a wire credit ("/ritzau/").

    outlet_of("https://www.dr.dk/nyheder/...", paragraphs)   # "DR"
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

# Hosts whose outlet goes by another name than the host.
KNOWN_HOSTS = {
    "dr.dk": "DR", "tv2.dk": "TV 2", "nyheder.tv2.dk": "TV 2", "politiken.dk": "Politiken",
    "berlingske.dk": "Berlingske", "jyllands-posten.dk": "Jyllands-Posten", "jp.dk": "Jyllands-Posten",
    "information.dk": "Information", "bt.dk": "B.T.", "ekstrabladet.dk": "Ekstra Bladet",
    "altinget.dk": "Altinget", "ritzau.dk": "Ritzau", "nrk.no": "NRK", "vg.no": "VG",
    "aftenposten.no": "Aftenposten", "dagbladet.no": "Dagbladet", "tv2.no": "TV 2",
    "nettavisen.no": "Nettavisen", "e24.no": "E24", "dn.no": "DN", "abcnyheter.no": "ABC Nyheter",
    "ntb.no": "NTB",
}
WIRES = {"ritzau": "Ritzau", "ntb": "NTB"}
_DATELINE = re.compile(r"^[A-ZÆØÅ][A-ZÆØÅ/\- ]{1,40}\s\(([A-ZÆØÅ][\wÆØÅæøå .&-]{0,24})\)\s")
_WIRE = re.compile(r"^\s*/\s*(ritzau|ntb)\s*/", re.IGNORECASE)
LEAD_PARAGRAPHS = 8  # a dateline opens the article


def outlet_from_url(url: str | None) -> str | None:
    """"DR" for https://www.dr.dk/..., the bare host for an outlet not on the list."""
    if not url:
        return None
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return None
    host = host.removeprefix("www.")
    if "." not in host or host.replace(".", "").isdigit() or ":" in host:
        return None  # localhost, an IP address: a server, not an outlet
    for known, name in KNOWN_HOSTS.items():
        if host == known or host.endswith("." + known):
            return name
    return host


def outlet_from_text(paragraphs: Iterable[str]) -> str | None:
    """The outlet a dateline near the top names, else a wire credit anywhere."""
    texts = list(paragraphs)
    for text in texts[:LEAD_PARAGRAPHS]:
        match = _DATELINE.match(text)
        if match:
            return match.group(1).strip()
    for text in texts:
        match = _WIRE.match(text)
        if match:
            return WIRES[match.group(1).lower()]
    return None


def outlet_of(source_url: str | None, paragraphs: Iterable[str]) -> str | None:
    return outlet_from_url(source_url) or outlet_from_text(paragraphs)
