"""The sidecar kept beside each added article: where it came from and when it was added.

`<id>.meta.json` sits next to `<id>.txt` in the corpus folder, for example

    {"url": "https://example.dk/nyheder/artikel",
     "requested_url": "https://example.dk/a?utm_source=x",
     "title": "…", "added": "2024-09-03T14:20:11Z", "added_by": "kilde add"}

`url` is the page actually read (after redirects), null for an article added from a file (then
`file` holds the original file name). The corpus reader ignores these files when listing articles
and reads `url` as the article's `source_url` (`corpus.reader.read_source_url`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kilde.corpus.reader import SOURCE_SIDECAR_SUFFIX, read_source_url

logger = logging.getLogger(__name__)

__all__ = ["SOURCE_SIDECAR_SUFFIX", "SourceRecord", "read_source_record", "read_source_url",
           "sidecar_path"]


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """Where one article came from."""

    url: str | None
    requested_url: str | None = None
    file: str | None = None
    title: str | None = None
    added: str = ""
    added_by: str = "kilde add"

    def to_json(self) -> str:
        """The sidecar's text, keys in a stable order and null-valued optional keys left out."""
        data: dict[str, str | None] = {"url": self.url}
        for key in ("requested_url", "file", "title"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        data["added"] = self.added or now_utc()
        data["added_by"] = self.added_by
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def now_utc() -> str:
    """The current time as the sidecar's `added` stamp (ISO 8601, UTC, seconds)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def sidecar_path(article_path: Path) -> Path:
    """Where the sidecar of an article file lives."""
    return article_path.with_name(article_path.stem + SOURCE_SIDECAR_SUFFIX)


def read_source_record(sidecar: Path) -> SourceRecord | None:
    """A sidecar's record, or None when it is unreadable or not a JSON object (it is logged)."""
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        logger.warning("ignored unreadable sidecar %s: %s", sidecar.name, error)
        return None
    if not isinstance(data, dict):
        return None

    def text(key: str) -> str | None:
        value = data.get(key)
        return value if isinstance(value, str) else None

    return SourceRecord(
        url=text("url"), requested_url=text("requested_url"), file=text("file"),
        title=text("title"), added=text("added") or "", added_by=text("added_by") or "",
    )
