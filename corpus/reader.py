"""Read article files in the seeds' format into `Article` records.

The format: the file starts with ` date YYYY-MM ` followed by the text; paragraphs are separated
by blank lines. Real files also come with a byte-order mark, CRLF line ends, trailing spaces, no
date line or the wrong encoding; each such problem is reported in one line naming the file, and
the rest of the corpus still loads.
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path

from kilde.corpus.classify import classify_paragraphs
from kilde.corpus.errors import CorpusError, CorpusFileError
from kilde.corpus.language import detect_language
from kilde.corpus.model import Article, Corpus, CorpusProblem, Paragraph, ParagraphKind

logger = logging.getLogger(__name__)

ARTICLE_SUFFIX = ".txt"
SOURCE_SIDECAR_SUFFIX = ".meta.json"

# The format's date line, shared with the writer in corpus.ingest.
DATE_LINE = re.compile(r"^\s*date\s+(\d{4})-(\d{2})(?:-\d{2})?(?:\s+|$)")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\u00a0]*\n(?:[ \t\u00a0]*\n)*")


def _split_paragraphs(text: str) -> list[str]:
    paragraphs = (part.strip() for part in _PARAGRAPH_BREAK.split(text))
    # Trailing spaces inside a paragraph are noise from editors; keep the line breaks themselves.
    return ["\n".join(line.rstrip() for line in part.split("\n")) for part in paragraphs if part]


def parse_article(text: str, source: str, source_url: str | None = None) -> tuple[Article, list[str]]:
    """Parse one article's text; returns the article and the (non-fatal) problems noticed."""
    problems: list[str] = []
    text = text.removeprefix("\ufeff")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise CorpusFileError(f"{source}: empty file")

    date: str | None = None
    match = DATE_LINE.match(text)
    if match and 1 <= int(match.group(2)) <= 12:
        date = f"{match.group(1)}-{match.group(2)}"
        text = text[match.end():]
    elif match:
        problems.append(f"month {match.group(2)} in the date line is not 01-12; date unknown")
        text = text[match.end():]
    else:
        problems.append("no ' date YYYY-MM ' at the start; date unknown")

    texts = _split_paragraphs(text)
    if not texts:
        raise CorpusFileError(f"{source}: no text after the date line")
    kinds = classify_paragraphs(texts)
    paragraphs = []
    heading: str | None = None
    for number, (paragraph_text, kind) in enumerate(zip(texts, kinds, strict=True), start=1):
        if kind is ParagraphKind.HEADING:
            heading = paragraph_text
        paragraphs.append(
            Paragraph(
                number=number,
                text=paragraph_text,
                kind=kind,
                heading=heading if kind is ParagraphKind.BODY else None,
            )
        )
    title = next((p.text for p in paragraphs if p.kind is ParagraphKind.TITLE), None)
    body = " ".join(p.text for p in paragraphs if p.kind is ParagraphKind.BODY)
    article = Article(
        id=Path(source).stem,
        source=source,
        title=title,
        date=date,
        language=detect_language(body or text, candidates=("da", "no")),
        paragraphs=tuple(paragraphs),
        source_url=source_url,
    )
    return article, problems


def _decode(data: bytes, source: str, problems: list[str]) -> str:
    if not data.strip():
        raise CorpusFileError(f"{source}: empty file")
    if b"\x00" in data[:4096]:
        raise CorpusFileError(f"{source}: binary file, not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise CorpusFileError(
                f"{source}: not UTF-8 text (bad byte at offset {error.start})"
            ) from None
        problems.append(f"not UTF-8 (bad byte at offset {error.start}); read as Windows-1252")
    if text.startswith("\ufeff"):
        problems.append("starts with a byte-order mark (ignored)")
    return text


def read_source_url(article_path: Path) -> str | None:
    """The source URL recorded beside an article (`<id>.meta.json`), if any."""
    sidecar = article_path.with_name(article_path.stem + SOURCE_SIDECAR_SUFFIX)
    try:
        url = json.loads(sidecar.read_text(encoding="utf-8")).get("url")
    except (OSError, ValueError, AttributeError):
        return None
    return url if isinstance(url, str) else None


def read_article(path: Path) -> tuple[Article, list[CorpusProblem]]:
    """Read one article file; raises `CorpusFileError` when it cannot be used at all."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CorpusFileError(f"{path.name}: cannot read ({error.strerror})") from None
    notes: list[str] = []
    text = _decode(data, path.name, notes)
    article, parse_notes = parse_article(text, path.name, read_source_url(path))
    problems = [CorpusProblem(path.name, note) for note in notes + parse_notes]
    return article, problems


def check_corpus_folder(directory: Path) -> None:
    """Raise CorpusError unless `directory` is an existing folder (without listing it)."""
    if not directory.exists():
        raise CorpusError(f"corpus folder {directory} does not exist")
    if not directory.is_dir():
        raise CorpusError(f"corpus folder {directory} is not a folder")


def article_entries(directory: Path) -> tuple[list[os.DirEntry[str]], set[str]]:
    """The article files of a corpus folder in name order, and the names of all its files.

    One `os.scandir` pass: at tens of thousands of articles, pathlib's per-file stat and
    comparisons cost seconds at every start.
    """
    check_corpus_folder(directory)
    with os.scandir(directory) as listing:
        entries = list(listing)
    names = {entry.name for entry in entries}
    articles = [
        entry for entry in entries
        if entry.name.endswith(ARTICLE_SUFFIX) and not entry.name.startswith(".") and entry.is_file()
    ]
    articles.sort(key=lambda entry: entry.name)
    return articles, names


def article_paths(directory: Path) -> list[Path]:
    """The article files of a corpus folder, in name order (hidden files and sidecars skipped)."""
    return [Path(entry.path) for entry in article_entries(directory)[0]]


def load_corpus(directory: Path) -> Corpus:
    """Read every article of a folder; a bad file becomes a problem, the others still load."""
    articles: list[Article] = []
    problems: list[CorpusProblem] = []
    for path in article_paths(directory):
        try:
            article, notes = read_article(path)
        except CorpusFileError as error:
            problem = CorpusProblem(path.name, str(error).removeprefix(f"{path.name}: "), fatal=True)
            logger.warning("skipped %s", problem)
            problems.append(problem)
            continue
        articles.append(article)
        problems.extend(notes)
    return Corpus(directory=directory, articles=tuple(articles), problems=tuple(problems))
