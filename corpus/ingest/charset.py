"""Reading a fetched page's bytes as text: the charset it declares, checked against its bytes.

    decoded = decode_page(content, declared="iso-8859-1")
    decoded.text, decoded.warning   # the warning is one line, or None

Order, as browsers do it: a byte-order mark, else the charset of the Content-Type header, else
the page's own `<meta charset>`, else UTF-8 (Windows-1252, the usual encoding of older Danish and
Norwegian sites, for a page that is not UTF-8). A declared label is used only when it names an
encoding of the web (the WHATWG Encoding Standard's list): Python also knows "hex", "rot13",
"base64" or "zlib", which are not text encodings at all. A label that does not fit the bytes
(UTF-8 bytes labelled ISO-8859-1, Windows-1252 bytes labelled UTF-8) would store mojibake: the
bytes win, and the warning says what was declared and what was read.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_META_SCAN_BYTES = 4096  # the <meta charset> belongs in the first 1024 bytes; be lenient
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
# The WHATWG Encoding Standard's encodings, by the names Python's codecs know them.
_WEB_ENCODINGS = frozenset(codecs.lookup(name).name for name in (
    "utf-8", "utf-16-le", "utf-16-be", "utf-16", "cp866", "iso8859-2", "iso8859-3", "iso8859-4",
    "iso8859-5", "iso8859-6", "iso8859-7", "iso8859-8", "iso8859-10", "iso8859-13", "iso8859-14",
    "iso8859-15", "iso8859-16", "koi8-r", "koi8-u", "mac-roman", "mac-cyrillic", "cp874",
    "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258",
    "gbk", "gb18030", "big5", "euc-jp", "iso2022-jp", "shift-jis", "euc-kr",
))
# Web labels Python spells differently; and, as in browsers, Latin-1 and ASCII mean Windows-1252.
_WEB_ALIASES = {
    "windows-874": "cp874", "iso-8859-8-i": "iso8859-8", "x-mac-cyrillic": "mac-cyrillic",
    "x-sjis": "shift-jis", "gb2312": "gbk", "iso8859-1": "cp1252", "ascii": "cp1252",
}
_ASCII_PROBE = bytes(range(0x20, 0x7F))
_NON_ASCII = re.compile(r"[^\x00-\x7f\ufffd]")
_REPLACEMENT = "\ufffd"
_LABEL_SHOWN = 40  # a label is echoed in a warning; a hostile header can be long


@dataclass(frozen=True, slots=True)
class DecodedPage:
    """A page's text and, when the declared charset was not used as given, why (one line)."""

    text: str
    warning: str | None = None


@dataclass(frozen=True, slots=True)
class _Utf8Reading:
    text: str
    replaced: int  # sequences that are not UTF-8, each now U+FFFD
    multibyte: int  # well-formed non-ASCII characters

    @property
    def fits(self) -> bool:
        """Plainly UTF-8: clean, or far more real UTF-8 characters than broken bytes."""
        return self.replaced == 0 or self.multibyte > self.replaced


def _read_utf8(content: bytes) -> _Utf8Reading:
    text = content.decode("utf-8", errors="replace")
    replaced = text.count(_REPLACEMENT) - content.count(_REPLACEMENT.encode("utf-8"))
    return _Utf8Reading(text, replaced, len(_NON_ASCII.findall(text)))


def web_encoding(label: str) -> str | None:
    """The Python codec of a charset label, or None if it names no text encoding of the web."""
    cleaned = label.strip().strip("\"'").lower()
    try:
        name = codecs.lookup(_WEB_ALIASES.get(cleaned, cleaned)).name
    except LookupError:
        return None
    name = _WEB_ALIASES.get(name, name)
    return name if name in _WEB_ENCODINGS else None


def _ascii_compatible(codec: str) -> bool:
    return _ASCII_PROBE.decode(codec, errors="replace") == _ASCII_PROBE.decode("ascii")


def _shown(label: str) -> str:
    printable = "".join(ch for ch in label if ch.isprintable())[:_LABEL_SHOWN]
    return repr(printable)


def declared_charset(content: bytes, header_charset: str | None) -> str | None:
    """The charset the page declares: the Content-Type header's, else its `<meta>`'s."""
    if header_charset:
        return header_charset
    meta = _META_CHARSET.search(content[:_META_SCAN_BYTES])
    return meta.group(1).decode("ascii") if meta else None


def _replaced_note(count: int) -> str:
    return f"{count} undecodable byte sequence{'s' if count != 1 else ''} replaced"


def _decode_declared(content: bytes, label: str, codec: str, utf8: _Utf8Reading) -> DecodedPage:
    """A page whose declared charset is a real encoding other than UTF-8."""
    declared_ascii = _ascii_compatible(codec)
    plainly_utf8 = (utf8.multibyte > utf8.replaced
                    or (not declared_ascii and utf8.replaced == 0 and b"\0" not in content))
    if plainly_utf8:
        note = f" ({_replaced_note(utf8.replaced)})" if utf8.replaced else ""
        return DecodedPage(utf8.text, f"the page says charset {_shown(label)}, but its bytes "
                                      f"are UTF-8; read it as UTF-8{note}")
    try:
        return DecodedPage(content.decode(codec))
    except UnicodeDecodeError:
        text = content.decode(codec, errors="replace")
    replaced = text.count(_REPLACEMENT) - content.count(_REPLACEMENT.encode("utf-8"))
    return DecodedPage(text, f"the page's text is not valid {_shown(label)} "
                             f"({_replaced_note(replaced)})")


def decode_page(content: bytes, header_charset: str | None) -> DecodedPage:
    """The page's text, read as its bytes and its declared charset together say."""
    for bom, bom_codec in _BOMS:
        if content.startswith(bom):
            return DecodedPage(content.decode(bom_codec, errors="replace"))
    label = declared_charset(content, header_charset)
    codec = web_encoding(label) if label else None
    utf8 = _read_utf8(content)
    if label and codec and codec != "utf-8":
        return _decode_declared(content, label, codec, utf8)
    if utf8.fits:
        text, read_as = utf8.text, "UTF-8"
        note = _replaced_note(utf8.replaced) if utf8.replaced else None
    else:
        text, read_as, note = content.decode("cp1252", errors="replace"), "Windows-1252", None
    if label and codec is None:
        return DecodedPage(text, f"ignored the page's charset {_shown(label)} (not a known text "
                                 f"encoding); read it as {read_as}"
                                 + (f" ({note})" if note else ""))
    if label and read_as != "UTF-8":
        return DecodedPage(text, f"the page says charset {_shown(label)}, but its bytes are not "
                                 f"UTF-8; read it as {read_as}")
    return DecodedPage(text, f"the page's text is not all UTF-8 ({note})" if note else None)
