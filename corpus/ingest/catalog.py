"""What a corpus folder already holds, for recognising duplicates: text fingerprints and URLs."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from kilde.corpus.ingest.sources import SOURCE_SIDECAR_SUFFIX, read_source_record
from kilde.corpus.ingest.urls import normalise_url
from kilde.corpus.ingest.writer import text_fingerprint
from kilde.corpus.reader import ARTICLE_SUFFIX

logger = logging.getLogger(__name__)


@dataclass
class Catalog:
    """Fingerprints of every article's text and the normalised URLs of every sidecar, by id.

    Read once per `kilde add` and kept up to date as articles are added, so that an argument
    repeated on one command line is caught too.
    """

    directory: Path
    by_text: dict[str, str] = field(default_factory=dict)
    by_url: dict[str, str] = field(default_factory=dict)

    @classmethod
    def scan(cls, directory: Path) -> Catalog:
        """Read the folder's articles and sidecars (hidden files skipped, as the reader does)."""
        catalog = cls(directory)
        for path in sorted(directory.iterdir()):
            if path.name.startswith(".") or not path.is_file():
                continue
            if path.name.endswith(SOURCE_SIDECAR_SUFFIX):
                record = read_source_record(path)
                if record is not None:
                    article_id = path.name.removesuffix(SOURCE_SIDECAR_SUFFIX)
                    catalog.remember_urls(article_id, record.url, record.requested_url)
            elif path.suffix == ARTICLE_SUFFIX:
                try:
                    text = path.read_bytes().decode("utf-8", errors="replace")
                except OSError as error:
                    logger.warning("could not read %s for duplicate checks: %s", path.name, error)
                    continue
                catalog.by_text.setdefault(text_fingerprint(text), path.stem)
        return catalog

    def remember_urls(self, article_id: str, *urls: str | None) -> None:
        """Record that these URLs lead to `article_id`."""
        for url in urls:
            if url:
                self.by_url.setdefault(normalise_url(url), article_id)

    def remember_text(self, article_id: str, fingerprint: str) -> None:
        """Record that a text with this fingerprint is `article_id`."""
        self.by_text.setdefault(fingerprint, article_id)

    def find_url(self, url: str) -> str | None:
        """The id of the article already added from this URL, if any."""
        return self.by_url.get(normalise_url(url))

    def find_text(self, fingerprint: str) -> str | None:
        """The id of the article whose text has this fingerprint, if any."""
        return self.by_text.get(fingerprint)
