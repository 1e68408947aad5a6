"""Writing an article into a corpus folder in the seeds' format, under a stable id, atomically.

The format is the seeds': ` date YYYY-MM ` and the title on the first line, then one paragraph
per line, paragraphs separated by blank lines. The id continues the seeds' naming: a sequence
number (the next free one, at least three digits) and 16 hex digits of the SHA-256 of the
normalised text, e.g. `005_9f2c4b1e0a7d3c55`.

A reader of the folder never sees half a file: the text goes to a hidden, fsynced temporary file
first (`kilde.corpus.atomic`), which is then hard-linked under its final name (atomic, and it
fails instead of overwriting when a concurrent `kilde add` took the same number: the next number
is tried), or, on file systems without hard links, moved there with `os.replace`.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import re
import tempfile
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from kilde.corpus.atomic import fsync_directory, write_atomically, write_temporary
from kilde.corpus.ingest.errors import CorpusWriteError
from kilde.corpus.reader import ARTICLE_SUFFIX, DATE_LINE

logger = logging.getLogger(__name__)

_NUMBER = re.compile(r"^(\d+)_")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_MAX_ATTEMPTS = 1000
_NO_HARD_LINKS = frozenset(
    {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK}
)


def is_month(value: str) -> bool:
    """Whether `value` is a month as the corpus writes it: YYYY-MM."""
    return bool(_MONTH.match(value))


def has_date_line(text: str) -> bool:
    """Whether the text starts with a ` date YYYY-MM ` line, valid or not."""
    return bool(DATE_LINE.match(text.removeprefix("\ufeff")))


def render_article(title: str | None, date: str | None, paragraphs: Sequence[str]) -> str:
    """The file text of an article: date prefix and title first, then the paragraphs.

    Paragraphs are separated by blank lines; blank paragraphs are dropped.
    """
    if date is not None and not is_month(date):
        raise ValueError(f"date must be YYYY-MM, got {date!r}")
    blocks = ([title] if title else []) + [p for p in paragraphs if p.strip()]
    prefix = f" date {date} " if date else ""
    return prefix + "\n\n".join(blocks) + "\n"


def normalised_text(text: str) -> str:
    """The text two copies of one article share: no date line, NFC, white space collapsed."""
    text = DATE_LINE.sub("", text.lstrip("\ufeff"), count=1)
    return " ".join(unicodedata.normalize("NFC", text).split())


def text_fingerprint(text: str) -> str:
    """16 hex digits of the SHA-256 of the normalised text: the hash part of an article id."""
    return hashlib.sha256(normalised_text(text).encode("utf-8")).hexdigest()[:16]


def next_number(directory: Path) -> int:
    """One more than the highest sequence number among the folder's article files."""
    numbers = [
        int(match.group(1))
        for path in directory.glob(f"*{ARTICLE_SUFFIX}")
        if (match := _NUMBER.match(path.name))
    ]
    return max(numbers, default=-1) + 1


def ensure_writable(directory: Path) -> None:
    """Create the corpus folder if needed and prove it can be written, or raise `CorpusWriteError`.

    A real probe file, not `os.access`: access() says yes to root on a read-only mount and
    says nothing about a full disk.
    """
    try:
        directory.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(prefix=".kilde-probe-", dir=directory)
        os.close(handle)
        os.unlink(probe)
    except OSError as error:
        reason = error.strerror or str(error)
        raise CorpusWriteError(f"corpus folder {directory} is not writable ({reason})") from None


def _publish(temp: Path, final: Path) -> bool:
    """Give `temp` the name `final` unless that name is taken; False if it is."""
    try:
        os.link(temp, final)
    except FileExistsError:
        return False
    except OSError as error:
        if error.errno not in _NO_HARD_LINKS:
            raise
        if final.exists():  # no hard links here: a small race is the price
            return False
        os.replace(temp, final)
        fsync_directory(final.parent)
        return True
    os.unlink(temp)
    fsync_directory(final.parent)
    return True


def write_article(
    directory: Path, text: str, sidecar_text: str | None = None, *, first_number: int | None = None
) -> Path:
    """Write an article (and its sidecar) under the next free id; returns the article's path.

    `first_number` is the number to try first (the catalogue knows it without listing the
    folder); a number taken meanwhile is skipped.
    """
    from kilde.corpus.ingest.sources import sidecar_path

    fingerprint = text_fingerprint(text)
    try:
        temp = write_temporary(directory, fingerprint, text.encode("utf-8"))
        try:
            number = next_number(directory) if first_number is None else first_number
            for _ in range(_MAX_ATTEMPTS):
                final = directory / f"{number:03d}_{fingerprint}{ARTICLE_SUFFIX}"
                if _publish(temp, final):
                    break
                number += 1
            else:
                raise CorpusWriteError(f"no free article number in {directory}")
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
        if sidecar_text is not None:
            try:
                write_atomically(sidecar_path(final), sidecar_text)
            except BaseException:
                # Without its sidecar the article would lose its link and escape URL dedupe.
                with contextlib.suppress(OSError):
                    final.unlink()
                raise
    except OSError as error:
        reason = error.strerror or str(error)
        raise CorpusWriteError(f"cannot write to corpus folder {directory} ({reason})") from None
    logger.info("wrote %s", final)
    return final
