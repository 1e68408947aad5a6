"""Checking that a file given to `kilde add` is an article text file before it is copied in.

Refused, each with a one-line reason: a missing or unreadable file, a folder or anything else
that is not a regular file (a named pipe would block for ever, `/dev/zero` never ends: both are
refused before they are opened), a file over the size cap (at most the cap is ever read, so a
file that grows or misstates its size cannot exhaust memory), an empty file, a binary file (a NUL
byte, a known binary signature, or control characters), a file that is not UTF-8, HTML (a page
saved from a browser: give its URL instead, so it gets extracted), and text with too little
running prose to be an article (a list, a configuration file).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from kilde.corpus.ingest.errors import InputFileError

# The same cap as a fetched page's: an article's text is rarely over 100 KB, so 5 MB refuses no
# article and bounds what a wrong file costs.
MAX_FILE_BYTES = 5 * 1024 * 1024
_NOT_REGULAR = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
)
# Enough running text to be an article: a menu, a teaser grid or a config file has far less.
MIN_PROSE_WORDS = 40
PROSE_LINE_WORDS = 5  # a line with fewer words is a menu item, a tag, a button or a heading
_BINARY_SIGNATURES = (
    (b"%PDF", "a PDF"), (b"PK\x03\x04", "a ZIP or office document"), (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"), (b"\x1f\x8b", "a gzip archive"),
    (b"{\\rtf", "an RTF document"), (b"\xd0\xcf\x11\xe0", "an old Office document"),
)
_HTML_START = re.compile(r"^\s*(?:<\?xml[^>]*>\s*)?<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?/?>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def prose_words(blocks: list[str]) -> int:
    """How many words stand in lines long enough to be sentences."""
    return sum(
        len(words)
        for block in blocks
        for line in block.splitlines()
        if len(words := line.split()) >= PROSE_LINE_WORDS
    )


def _looks_like_html(text: str) -> bool:
    if _HTML_START.match(text):
        return True
    tags = _TAG.findall(text)
    # A few angle brackets happen in prose; dozens of tags carrying much of the text do not.
    return len(tags) >= 10 and sum(map(len, tags)) >= 0.05 * len(text)


def _refuse_unless_regular(mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise InputFileError("is a folder, not a file")
    for test, what in _NOT_REGULAR:
        if test(mode):
            raise InputFileError(f"is {what}, not a regular file")
    if not stat.S_ISREG(mode):
        raise InputFileError("is not a regular file")


def _too_large(max_bytes: int, size: int | None = None) -> InputFileError:
    found = f"{size // 1024} KB" if size is not None else f"over {max_bytes // 1024} KB"
    return InputFileError(f"file is too large ({found}; the cap is {max_bytes // 1024} KB)")


def _read_capped(path: Path, max_bytes: int) -> bytes:
    """At most `max_bytes` of a regular file; anything else is refused before it is opened."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        # "dr.dk/nyheder/..." typed without a scheme lands here as a file name.
        looks_like_address = "." in str(path).split("/")[0]
        hint = " (for a web page, write the address with http:// or https://)"
        raise InputFileError("no such file" + (hint if looks_like_address else "")) from None
    except OSError as error:
        raise InputFileError(f"cannot read the file ({error.strerror or error})") from None
    _refuse_unless_regular(mode)
    try:
        # Non-blocking, so that a file swapped for a pipe since the check cannot hang the open;
        # checked again on the open file, which is the one read.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(descriptor, "rb") as file:
            status = os.fstat(file.fileno())
            _refuse_unless_regular(status.st_mode)
            if status.st_size > max_bytes:
                raise _too_large(max_bytes, status.st_size)
            data = file.read(max_bytes + 1)  # one byte more tells a file over the cap
    except OSError as error:
        raise InputFileError(f"cannot read the file ({error.strerror or error})") from None
    if len(data) > max_bytes:
        raise _too_large(max_bytes)
    return data


def read_text_file(path: Path, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The file's text if it is a plausible article text file; raises `InputFileError` if not.

    The text comes back as written, less a byte-order mark and with line ends made `\\n`.
    """
    data = _read_capped(path, max_bytes)
    if not data.strip():
        raise InputFileError("empty file")
    for signature, what in _BINARY_SIGNATURES:
        if data.startswith(signature):
            raise InputFileError(f"binary file ({what}), not text")
    if b"\x00" in data[:8192]:
        raise InputFileError("binary file (contains NUL bytes), not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputFileError(
            f"not UTF-8 text (bad byte 0x{data[error.start]:02x} at offset {error.start}); "
            "convert it to UTF-8 first"
        ) from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputFileError("empty file")
    if len(_CONTROL.findall(text)) > max(2, len(text) // 1000):
        raise InputFileError("binary file (control characters), not text")
    if _looks_like_html(text):
        raise InputFileError(
            "looks like an HTML page saved from a browser; add it by its URL instead"
        )
    if prose_words([text]) < MIN_PROSE_WORDS:
        raise InputFileError(
            f"too little running text for an article (under {MIN_PROSE_WORDS} words in sentences)"
        )
    return text
