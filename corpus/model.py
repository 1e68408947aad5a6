"""The corpus's domain records: articles and their numbered, classified paragraphs."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import Path

from kilde.corpus.outlet import outlet_of


class ParagraphKind(StrEnum):
    """What a paragraph is; body text and picture captions are cited (`quoted`)."""

    TITLE = "title"
    BODY = "body"
    HEADING = "heading"
    CAPTION = "caption"
    BOILERPLATE = "boilerplate"

    @property
    def citable(self) -> bool:
        """Worth showing as context around a quote (the title included; a caption is mostly
        a photo credit there)."""
        return self in (ParagraphKind.BODY, ParagraphKind.TITLE)

    @property
    def quoted(self) -> bool:
        """Indexed and cited as an answer. Captions state facts too ("I FREMGANG: Partileder
        Santiago Abascal ..."): quoting them lifted norquad success@3 0.80 → 0.84 and left
        every other evaluation set level or better."""
        return self in (ParagraphKind.BODY, ParagraphKind.CAPTION)


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One blank-line separated paragraph; `number` counts from 1 as CONTRACT.md says."""

    number: int
    text: str
    kind: ParagraphKind
    heading: str | None = None  # the sub-heading this paragraph sits under, if any


@dataclass(frozen=True, slots=True)
class Article:
    """One article file of the corpus."""

    id: str  # the file stem
    source: str  # the file name
    title: str | None
    date: str | None  # "YYYY-MM"
    language: str  # "da" or "no"
    paragraphs: tuple[Paragraph, ...]
    source_url: str | None = None

    @property
    def label(self) -> str:
        """How a citation names the article: its title, else the opening words of its lead in
        «», so that they never pass for a title."""
        if self.title:
            return self.title
        for paragraph in self.paragraphs:
            if paragraph.kind is ParagraphKind.BODY:
                words = paragraph.text.split()
                return "«" + " ".join(words[:8]) + (" …»" if len(words) > 8 else "»")
        return self.id

    @property
    def outlet(self) -> str | None:
        """The outlet it comes from, when its source URL or its text tells ("VG", "Ritzau")."""
        return outlet_of(self.source_url, (paragraph.text for paragraph in self.paragraphs))

    def paragraph(self, number: int) -> Paragraph | None:
        """The paragraph with this 1-based number, or None."""
        if 1 <= number <= len(self.paragraphs):
            return self.paragraphs[number - 1]
        return None


@dataclass(frozen=True, slots=True)
class CorpusProblem:
    """Something wrong with one corpus file, reported in one line."""

    source: str
    message: str
    fatal: bool = False  # the file was skipped

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


@dataclass(frozen=True)
class Corpus:
    """The articles of one folder, in file-name order, and the problems found reading them."""

    directory: Path
    articles: tuple[Article, ...]
    problems: tuple[CorpusProblem, ...] = field(default=())

    @cached_property
    def _by_id(self) -> dict[str, Article]:
        return {article.id: article for article in self.articles}

    def article(self, article_id: str) -> Article | None:
        """The article with this id, or None."""
        return self._by_id.get(article_id)
