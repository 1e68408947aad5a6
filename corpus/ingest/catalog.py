"""What a corpus folder already holds, for recognising duplicates: text fingerprints and URLs.

The catalogue is saved in the folder itself (`.kilde-catalogue.json`, hidden, so the reader
skips it) and kept in step with the folder by its file names: opening it lists the folder once
(names only, no file is read or stat'ed), reads just the files it has not seen, and forgets the
ones that are gone. So `kilde add` costs about the same at 100 or 100,000 articles, and an
article copied in or deleted by hand is noticed. (A file edited in place under the same name
keeps its old fingerprint until it is renamed or removed.)

    {"format": "kilde-catalogue", "version": 1, "urls": "<normalisation version>",
     "articles": {"005_9256ece58eefad92.txt": "9256ece58eefad92", ...},
     "sidecars": {"005_9256ece58eefad92.meta.json": ["https://…", ...], ...}}
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from kilde.corpus.atomic import write_atomically
from kilde.corpus.ingest.sources import SOURCE_SIDECAR_SUFFIX, read_source_record
from kilde.corpus.ingest.urls import normalise_url
from kilde.corpus.ingest.writer import text_fingerprint
from kilde.corpus.reader import ARTICLE_SUFFIX

logger = logging.getLogger(__name__)

CATALOGUE_FILE = ".kilde-catalogue.json"
FORMAT_NAME = "kilde-catalogue"
FORMAT_VERSION = 1
# Bump when `normalise_url` changes: saved normalised URLs are then recomputed from the sidecars.
URL_NORMALISATION = "courlan-1"
_NUMBER = re.compile(r"^(\d+)_")


def _listing(directory: Path) -> tuple[list[str], list[str]]:
    """The folder's article and sidecar file names (hidden files skipped, as the reader does)."""
    articles, sidecars = [], []
    with os.scandir(directory) as entries:
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            if name.endswith(SOURCE_SIDECAR_SUFFIX):
                sidecars.append(name)
            elif name.endswith(ARTICLE_SUFFIX) and entry.is_file():
                articles.append(name)
    return articles, sidecars


@dataclass
class Catalog:
    """Fingerprints of every article's text and the normalised URLs of every sidecar, by id.

    Kept up to date as articles are added, so that an argument repeated on one command line is
    caught too.
    """

    directory: Path
    articles: dict[str, str] = field(default_factory=dict)  # file name -> text fingerprint
    sidecars: dict[str, list[str]] = field(default_factory=dict)  # file name -> normalised URLs
    by_text: dict[str, str] = field(default_factory=dict)  # fingerprint -> article id
    by_url: dict[str, str] = field(default_factory=dict)  # normalised URL -> article id
    next_number: int = 0  # one more than the highest article number in the folder

    @classmethod
    def open(cls, directory: Path) -> Catalog:
        """The folder's catalogue: the saved one, brought in step with the folder's files."""
        catalog = cls(directory)
        saved = catalog._read_saved()
        article_names, sidecar_names = _listing(directory)
        changed = saved is None
        known_articles = saved["articles"] if saved else {}
        known_sidecars = saved["sidecars"] if saved else {}
        for name in sorted(article_names):
            fingerprint = known_articles.get(name)
            if fingerprint is None:
                fingerprint = catalog._fingerprint_file(name)
                changed = True
            if fingerprint is not None:
                catalog.articles[name] = fingerprint
        for name in sorted(sidecar_names):
            urls = known_sidecars.get(name)
            if urls is None:
                urls = catalog._sidecar_urls(name)
                changed = True
            catalog.sidecars[name] = urls
        changed = changed or len(known_articles) != len(catalog.articles) or len(
            known_sidecars) != len(catalog.sidecars)
        catalog._index()
        if changed:
            catalog.save()
        return catalog

    def _read_saved(self) -> dict | None:
        path = self.directory / CATALOGUE_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            logger.warning("duplicate catalogue %s unreadable, rebuilding it: %s", path, error)
            return None
        if not (isinstance(data, dict) and data.get("format") == FORMAT_NAME
                and data.get("version") == FORMAT_VERSION
                and isinstance(data.get("articles"), dict)
                and isinstance(data.get("sidecars"), dict)):
            logger.warning("duplicate catalogue %s is of another format; rebuilding it", path)
            return None
        if data.get("urls") != URL_NORMALISATION:
            data["sidecars"] = {}  # normalised the old way: read the sidecars again
        return data

    def _fingerprint_file(self, name: str) -> str | None:
        try:
            text = (self.directory / name).read_bytes().decode("utf-8", errors="replace")
        except OSError as error:
            logger.warning("could not read %s for duplicate checks: %s", name, error)
            return None
        return text_fingerprint(text)

    def _sidecar_urls(self, name: str) -> list[str]:
        record = read_source_record(self.directory / name)
        if record is None:
            return []
        return [normalise_url(url) for url in (record.url, record.requested_url) if url]

    def _index(self) -> None:
        """Derive the lookups (first article in name order wins) and the next free number."""
        self.by_text.clear()
        self.by_url.clear()
        highest = -1
        for name, fingerprint in self.articles.items():
            self.by_text.setdefault(fingerprint, name.removesuffix(ARTICLE_SUFFIX))
            if match := _NUMBER.match(name):
                highest = max(highest, int(match.group(1)))
        for name, urls in self.sidecars.items():
            for url in urls:
                self.by_url.setdefault(url, name.removesuffix(SOURCE_SIDECAR_SUFFIX))
        self.next_number = highest + 1

    def save(self) -> None:
        """Write the catalogue atomically; a folder that refuses it costs the next open a scan."""
        data = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "urls": URL_NORMALISATION,
                "articles": self.articles, "sidecars": self.sidecars}
        try:
            write_atomically(self.directory / CATALOGUE_FILE,
                             json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        except OSError as error:
            logger.warning("could not save the duplicate catalogue in %s: %s", self.directory, error)

    def record(self, article_path: Path, fingerprint: str, *urls: str | None) -> None:
        """Remember an article just written (and the URLs it came from), and save."""
        article_id = article_path.name.removesuffix(ARTICLE_SUFFIX)
        self.articles[article_path.name] = fingerprint
        self.by_text.setdefault(fingerprint, article_id)
        normalised = [normalise_url(url) for url in urls if url]
        if normalised:
            self.sidecars[article_id + SOURCE_SIDECAR_SUFFIX] = normalised
            for url in normalised:
                self.by_url.setdefault(url, article_id)
        if match := _NUMBER.match(article_path.name):
            self.next_number = max(self.next_number, int(match.group(1)) + 1)
        self.save()

    def find_url(self, url: str) -> str | None:
        """The id of the article already added from this URL, if any."""
        return self.by_url.get(normalise_url(url))

    def find_text(self, fingerprint: str) -> str | None:
        """The id of the article whose text has this fingerprint, if any."""
        return self.by_text.get(fingerprint)
