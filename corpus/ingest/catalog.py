"""What a corpus folder already holds, for recognising duplicates: text fingerprints and URLs.

The catalogue is saved in the folder itself (`.kilde-catalogue.json`, hidden, so the reader
skips it) and kept in step with the folder by its file names: opening it lists the folder once
(names only, no file is read or stat'ed), reads just the files it has not seen, and forgets the
ones that are gone. An add appends one line to a journal beside it
(`.kilde-catalogue.journal`, folded into the catalogue every 1,000 lines) instead of rewriting
it. So `kilde add` costs about the same at 100 or 100,000 articles, and an article copied in or
deleted by hand is noticed. (A file edited in place under the same name
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
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kilde.corpus.atomic import write_atomically
from kilde.corpus.ingest.sources import SOURCE_SIDECAR_SUFFIX, read_source_record
from kilde.corpus.ingest.urls import normalise_url
from kilde.corpus.ingest.writer import text_fingerprint
from kilde.corpus.jsonfile import read_saved_json
from kilde.corpus.reader import ARTICLE_SUFFIX

logger = logging.getLogger(__name__)

CATALOGUE_FILE = ".kilde-catalogue.json"
JOURNAL_FILE = ".kilde-catalogue.journal"
JOURNAL_LIMIT = 1000  # journal lines before they are folded into the catalogue
FORMAT_NAME = "kilde-catalogue"
FORMAT_VERSION = 1
# Bump when `normalise_url` changes: saved normalised URLs are then recomputed from the sidecars.
URL_NORMALISATION = "courlan-1"
_NUMBER = re.compile(r"^(\d+)_")


def _listing(directory: Path) -> tuple[list[str], list[str]]:
    """The folder's article and sidecar file names (hidden files skipped, as the reader does).

    Names only (`os.listdir`, no stat): a folder named like an article is tried and skipped.
    """
    names = os.listdir(directory)
    articles = [name for name in names if name.endswith(ARTICLE_SUFFIX) and name[0] != "."]
    sidecars = [name for name in names
                if name.endswith(SOURCE_SIDECAR_SUFFIX) and name[0] != "."]
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
    journal_limit: int = JOURNAL_LIMIT
    _journal_lines: int = 0

    @classmethod
    def open(cls, directory: Path, *, journal_limit: int = JOURNAL_LIMIT) -> Catalog:
        """The folder's catalogue: the saved one, brought in step with the folder's files."""
        catalog = cls(directory, journal_limit=journal_limit)
        saved = catalog._read_saved()
        if saved is not None:
            catalog._journal_lines = catalog._replay_journal(saved)
        article_names, sidecar_names = _listing(directory)
        known_articles: dict[str, str] = saved["articles"] if saved else {}
        known_sidecars: dict[str, list[str]] = saved["sidecars"] if saved else {}
        new_articles = sorted(set(article_names).difference(known_articles))
        new_sidecars = sorted(set(sidecar_names).difference(known_sidecars))
        gone = (len(known_articles) + len(new_articles) != len(article_names)
                or len(known_sidecars) + len(new_sidecars) != len(sidecar_names))
        if gone:  # files deleted by hand: keep only what is still there
            present = set(article_names) | set(sidecar_names)
            known_articles = {n: f for n, f in known_articles.items() if n in present}
            known_sidecars = {n: u for n, u in known_sidecars.items() if n in present}
        catalog.articles, catalog.sidecars = known_articles, known_sidecars
        for name in new_articles:
            fingerprint = catalog._fingerprint_file(name)
            if fingerprint is not None:
                catalog.articles[name] = fingerprint
        for name in new_sidecars:
            catalog.sidecars[name] = catalog._sidecar_urls(name)
        saved_number = saved.get("next_number") if saved else None
        catalog._index(saved_number if isinstance(saved_number, int) and not gone else None,
                       new_articles)
        if saved is None or gone or new_articles or new_sidecars:
            catalog.save()
        return catalog

    def _read_saved(self) -> dict | None:
        path = self.directory / CATALOGUE_FILE
        data = read_saved_json(path, "duplicate catalogue", "rebuilding it")
        if data is None:
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

    def _index(self, next_number: int | None, new_names: Iterable[str]) -> None:
        """Derive the lookups (the first article recorded wins) and the next free number:
        `next_number` as saved and the new names, or, without it, every name."""
        cut = len(ARTICLE_SUFFIX)
        # Built from the last record to the first, so that the first one recorded wins.
        self.by_text = {fp: name[:-cut] for name, fp in reversed(self.articles.items())}
        self.by_url.clear()
        for name, urls in self.sidecars.items():
            for url in urls:
                self.by_url.setdefault(url, name[: -len(SOURCE_SIDECAR_SUFFIX)])
        names = self.articles if next_number is None else new_names
        highest = (next_number if next_number is not None else 0) - 1
        for name in names:
            if match := _NUMBER.match(name):
                highest = max(highest, int(match.group(1)))
        self.next_number = highest + 1

    def save(self) -> None:
        """Write the catalogue atomically; a folder that refuses it costs the next open a scan."""
        data = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "urls": URL_NORMALISATION,
                "next_number": self.next_number, "articles": self.articles,
                "sidecars": self.sidecars}
        try:
            write_atomically(self.directory / CATALOGUE_FILE,
                             json.dumps(data, ensure_ascii=False, separators=(",", ":")))
            # Folded in: a crash before this unlink only replays the same lines again.
            (self.directory / JOURNAL_FILE).unlink(missing_ok=True)
            self._journal_lines = 0
        except OSError as error:
            logger.warning("could not save the duplicate catalogue in %s: %s", self.directory, error)

    def record(self, article_path: Path, fingerprint: str, *urls: str | None) -> None:
        """Remember an article just written with its sidecar (and the URLs it came from).

        One line appended to the journal beside the catalogue (fsynced), not the whole
        catalogue rewritten: an add costs the same at any size. The journal is folded into
        the catalogue every `journal_limit` lines.
        """
        article_id = article_path.name.removesuffix(ARTICLE_SUFFIX)
        sidecar = article_id + SOURCE_SIDECAR_SUFFIX
        normalised = [normalise_url(url) for url in urls if url]
        self._remember(article_path.name, fingerprint, sidecar, normalised)
        line = json.dumps({"article": article_path.name, "fingerprint": fingerprint,
                           "sidecar": sidecar, "urls": normalised}, ensure_ascii=False)
        try:
            with open(self.directory / JOURNAL_FILE, "a", encoding="utf-8") as journal:
                journal.write(line + "\n")
                journal.flush()
                os.fsync(journal.fileno())
            self._journal_lines += 1
        except OSError as error:
            logger.warning("could not record %s in the duplicate catalogue: %s", article_id, error)
        if self._journal_lines >= self.journal_limit:
            self.save()

    def _remember(self, name: str, fingerprint: str, sidecar: str, urls: list[str]) -> None:
        article_id = name.removesuffix(ARTICLE_SUFFIX)
        self.articles[name] = fingerprint
        self.by_text.setdefault(fingerprint, article_id)
        self.sidecars[sidecar] = urls
        for url in urls:
            self.by_url.setdefault(url, article_id)
        if match := _NUMBER.match(name):
            self.next_number = max(self.next_number, int(match.group(1)) + 1)

    def _replay_journal(self, saved: dict) -> int:
        """Apply the journal's lines to a saved catalogue's records; how many there were."""
        try:
            lines = (self.directory / JOURNAL_FILE).read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return 0
        except (OSError, UnicodeDecodeError) as error:
            logger.warning("duplicate catalogue journal unreadable, ignored: %s", error)
            return 0
        for line in lines:
            try:
                entry = json.loads(line)
                saved["articles"][entry["article"]] = entry["fingerprint"]
                saved["sidecars"][entry["sidecar"]] = list(entry["urls"])
                number = _NUMBER.match(entry["article"])
                if number and isinstance(saved.get("next_number"), int):
                    saved["next_number"] = max(saved["next_number"], int(number.group(1)) + 1)
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short by a crash: the file is noticed by name instead
        return len(lines)

    def find_url(self, url: str) -> str | None:
        """The id of the article already added from this URL, if any."""
        return self.by_url.get(normalise_url(url))

    def find_text(self, fingerprint: str) -> str | None:
        """The id of the article whose text has this fingerprint, if any."""
        return self.by_text.get(fingerprint)
