"""Extracting a news article's main text, title and month from a page already fetched.

trafilatura does the hard part (main-content detection, metadata). It is only ever handed the
HTML in memory, never a URL to fetch. Two things it leaves out are put back: paragraph structure
(its body tree is walked, one paragraph per block) and the lead ("ingress", "manchet") that many
news sites keep in the article header, outside the body trafilatura picks.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from kilde.corpus.ingest.errors import ExtractError
from kilde.corpus.ingest.textfile import MIN_PROSE_WORDS, prose_words

logger = logging.getLogger(__name__)

_LEAD_CLASSES = ("lead", "ingress", "manchet", "standfirst", "summary", "intro", "preamble")
_BLOCKS = frozenset({"p", "head", "item", "quote"})
_CONTAINERS = frozenset({"list", "div", "quote", "item"})
_DATE = re.compile(r"^(\d{4})-(\d{2})")


@dataclass(frozen=True, slots=True)
class ExtractedArticle:
    """What a page says as an article: its title, month ("YYYY-MM") and paragraphs in order."""

    title: str | None
    date: str | None
    paragraphs: tuple[str, ...]


def _clean(text: str) -> str:
    # One paragraph is one line in the corpus format: a blank line inside would split it.
    return " ".join(text.split())


def _walk(element: object, out: list[str]) -> None:
    """Collect the body's blocks in order; a container with blocks inside is descended into."""
    for child in element:  # type: ignore[attr-defined]
        tag = child.tag if isinstance(child.tag, str) else ""
        has_blocks = any(isinstance(c.tag, str) and c.tag in _BLOCKS | {"list"} for c in child)
        if tag in _CONTAINERS and has_blocks:
            _walk(child, out)
        elif tag in _BLOCKS:
            text = _clean("".join(child.itertext()))
            if text:
                out.append(text)


def _lead(html: str, known: str) -> str | None:
    """The article's lead paragraph when the page marks it with a class such as `ingress`."""
    from lxml import html as lxml_html  # lxml comes with trafilatura

    try:
        tree = lxml_html.fromstring(html)
    except (ValueError, lxml_html.etree.ParserError):
        return None
    condition = " or ".join(f"contains(@class, '{name}')" for name in _LEAD_CLASSES)
    for element in tree.xpath(f"//*[self::p or self::div][{condition}]"):
        text = _clean(element.text_content())
        if len(text.split()) >= 8 and text not in known:
            return text
    return None


def extract_article(html: str, url: str | None = None) -> ExtractedArticle:
    """Title, month and paragraphs of the news article in `html`; `ExtractError` if it has none."""
    import trafilatura  # heavy (lxml, justext, htmldate): load only when a page is extracted

    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        deduplicate=False,
        # No guessing from "© 2023" in a footer: a wrong month is worse than none.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if document is None or isinstance(document, dict) or document.body is None:
        raise ExtractError("no article text found on the page")
    # Lines inside a block (from <br>) are kept for the prose check, then joined.
    raw_blocks: list[str] = []
    for child in document.body.iter("p", "head", "item"):
        lines = "".join(child.itertext()).splitlines()
        raw_blocks.append("\n".join(line.strip() for line in lines))
    if prose_words(raw_blocks) < MIN_PROSE_WORDS:
        raise ExtractError("no article text found on the page (only menus, links or teasers)")

    paragraphs: list[str] = []
    _walk(document.body, paragraphs)
    lead = _lead(html, " ".join(paragraphs))
    if lead:
        paragraphs.insert(0, lead)
    title = _clean(document.title) if document.title else None
    if title and paragraphs and paragraphs[0] == title:
        paragraphs.pop(0)
    match = _DATE.match(document.date or "")
    date = f"{match.group(1)}-{match.group(2)}" if match else None
    return ExtractedArticle(title=title or None, date=date, paragraphs=tuple(paragraphs))
