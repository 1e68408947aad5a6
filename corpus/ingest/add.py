"""Adding one URL or one file to a corpus folder: the steps in order, duplicates refused.

    catalog = open_corpus(directory)             # creates the folder, proves it writable
    added = add_url(url, catalog, FetchLimits(timeout=10))
    added = add_file(Path("artikel.txt"), catalog)

Each raises an `IngestError` subclass with a one-line reason and leaves the folder unchanged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from kilde.corpus.errors import CorpusFileError
from kilde.corpus.ingest.catalog import Catalog
from kilde.corpus.ingest.charset import decode_page
from kilde.corpus.ingest.errors import DuplicateError, ExtractError, InputFileError
from kilde.corpus.ingest.extract import extract_article
from kilde.corpus.ingest.fetch import FetchLimits, fetch_page
from kilde.corpus.ingest.sources import SourceRecord, now_utc
from kilde.corpus.ingest.textfile import MAX_FILE_BYTES, read_text_file
from kilde.corpus.ingest.writer import (
    ensure_writable,
    has_date_line,
    render_article,
    text_fingerprint,
    write_article,
)
from kilde.corpus.model import Article
from kilde.corpus.reader import parse_article

logger = logging.getLogger(__name__)

NO_DATE = "the article is stored without a date (set one with --date YYYY-MM)"
NO_PAGE_DATE_WARNING = f"no publication date found; {NO_DATE}"
NO_FILE_DATE_WARNING = f"no ' date YYYY-MM ' line; {NO_DATE}"
DEFAULT_LIMITS = FetchLimits()  # frozen, so one shared default is safe


@dataclass(frozen=True, slots=True)
class AddedArticle:
    """One article written into the corpus folder."""

    id: str
    path: Path
    title: str | None
    date: str | None
    language: str
    paragraphs: int
    source: str  # the URL read (after redirects) or the file's name
    warnings: tuple[str, ...] = ()


def open_corpus(directory: Path) -> Catalog:
    """Get a corpus folder ready for adding: created if missing, proven writable, catalogued."""
    ensure_writable(directory)
    return Catalog.open(directory)


def _parse(text: str) -> Article:
    try:
        article, _ = parse_article(text, "new.txt")
    except CorpusFileError as error:
        raise InputFileError(str(error).removeprefix("new.txt: ")) from None
    return article


def _store(
    catalog: Catalog, text: str, record: SourceRecord, source: str, warnings: list[str]
) -> AddedArticle:
    fingerprint = text_fingerprint(text)
    existing = catalog.find_text(fingerprint)
    if existing is not None:
        raise DuplicateError(existing, "same text")
    article = _parse(text)
    path = write_article(
        catalog.directory, text, record.to_json(), first_number=catalog.next_number
    )
    catalog.record(path, fingerprint, record.url, record.requested_url)
    return AddedArticle(
        id=path.stem, path=path, title=article.title, date=article.date,
        language=article.language, paragraphs=len(article.paragraphs), source=source,
        warnings=tuple(warnings),
    )


def add_url(
    url: str, catalog: Catalog, limits: FetchLimits = DEFAULT_LIMITS, *, date: str | None = None
) -> AddedArticle:
    """Fetch a news page, extract its article and add it.

    `date` ("YYYY-MM") overrides the month found on the page.
    """
    existing = catalog.find_url(url)
    if existing is not None:
        raise DuplicateError(existing, "same URL")
    page = fetch_page(url, limits)
    existing = catalog.find_url(page.url)
    if existing is not None:
        raise DuplicateError(existing, f"same URL, redirected to {page.url}")
    decoded = decode_page(page.content, page.encoding)
    extracted = extract_article(decoded.text, page.url)
    if not extracted.paragraphs:
        raise ExtractError("no article text found on the page")
    warnings = [decoded.warning] if decoded.warning else []
    month = date or extracted.date
    if month is None:
        warnings.append(NO_PAGE_DATE_WARNING)
    text = render_article(extracted.title, month, extracted.paragraphs)
    record = SourceRecord(
        url=page.url,
        requested_url=url if url != page.url else None,
        title=extracted.title,
        added=now_utc(),
    )
    return _store(catalog, text, record, page.url, warnings)


def add_file(
    path: Path, catalog: Catalog, *, date: str | None = None, max_bytes: int = MAX_FILE_BYTES
) -> AddedArticle:
    """Check an article text file and copy it in.

    `date` ("YYYY-MM") is prefixed when the file has no date line of its own.
    """
    text = read_text_file(path, max_bytes)
    article = _parse(text)
    warnings: list[str] = []
    if article.date is None:
        if has_date_line(text):
            raise InputFileError("the date line's month is not 01-12")
        if date is not None:
            text = f" date {date} " + text.lstrip()
        else:
            warnings.append(NO_FILE_DATE_WARNING)
    if not text.endswith("\n"):
        text += "\n"
    record = SourceRecord(url=None, file=path.name, title=article.title, added=now_utc())
    return _store(catalog, text, record, path.name, warnings)
