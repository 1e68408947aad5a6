"""Render answers, context and source lists as Telegram HTML: the one place that escapes text.

Everything that comes from the corpus or from a user goes through `html.escape` here, the
question's words (as the engine matched them) are bolded inside excerpts, and no message is ever
longer than Telegram's 4096 characters (counted as Telegram counts them: UTF-16 units of the
visible text). Long output is split between blocks, never inside a tag; a single block that is
too long has its *plain* text shortened before it is escaped, so a cut can never land inside
markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from kilde.bot.reading_aids import TRANSLATION_LABEL, gloss_line
from kilde.corpus.model import Article, Paragraph
from kilde.retrieval.answer import Answer, Hit

MAX_MESSAGE_LENGTH = 4096
ELLIPSIS = "…"
MAX_SOURCE_MESSAGES = 3  # /sources on a library of thousands sends no more than this
MAX_CITATION = 300  # UTF-16 units: room is left for the excerpt whatever the title

_TAG = re.compile(r"<[^>]*>")
ABSTENTION = "I found nothing in the articles that answers that."
MAX_GLOSS_CHARS = 400


def escape(text: str) -> str:
    """Escape user or corpus text for Telegram's HTML parse mode."""
    return html.escape(text, quote=False)


def visible_length(html_text: str) -> int:
    """How long Telegram considers `html_text`: UTF-16 units of the text without markup."""
    plain = html.unescape(_TAG.sub("", html_text))
    return len(plain.encode("utf-16-le")) // 2


def highlight(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """`text` escaped, with the given (start, end) spans, the question's words, in bold."""
    parts: list[str] = []
    position = 0
    for start, end in sorted(spans):
        if start < position or end > len(text):
            continue  # overlapping, or cut off by `shorten`
        parts.append(escape(text[position:start]))
        parts.append(f"<b>{escape(text[start:end])}</b>")
        position = end
    parts.append(escape(text[position:]))
    return "".join(parts)


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters at a word boundary, marked with an ellipsis
    (limits are UTF-16 units, as Telegram counts; a limit below 1 gives the ellipsis alone)."""
    if _units(text) <= limit:
        return text
    if limit < 1:
        return ELLIPSIS
    cut = text[: limit - 1]
    while cut and _units(cut) > limit - 1:
        cut = cut[:-1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def web_url(url: str | None) -> str | None:
    """`url` if it is an http(s) address fit to link, else None (no javascript:, no tg://)."""
    if not url or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def citation_line(hit: Hit, number: int | None = None) -> str:
    """The citation "Title (YYYY-MM), ¶N", linked to the source when it has a web address
    (a title too long for a message is shortened, keeping the date and ¶ at the end)."""
    citation = hit.citation
    if _units(citation) > MAX_CITATION:
        tail = (f" ({hit.date})" if hit.date else "") + f", ¶{hit.paragraph_number}"
        if citation.endswith(tail):
            citation = shorten(citation.removesuffix(tail), MAX_CITATION - _units(tail)) + tail
        else:
            citation = shorten(citation, MAX_CITATION)
    label = escape(citation)
    url = web_url(hit.source_url)
    if url is not None:
        label = f'<a href="{html.escape(url, quote=True)}">{label}</a>'
    return f"[{number}] {label}" if number is not None else f"— {label}"


def render_hit(hit: Hit, *, number: int | None = None,
               limit: int = MAX_MESSAGE_LENGTH) -> str:
    """One excerpt as a quote with the question's words bolded, the gloss of those words
    under it (when the question is in another language), then its citation line."""
    cite = citation_line(hit, number)
    gloss = gloss_markup(hit)
    # Room for the quote: the limit minus the gloss, the citation and the newlines between them.
    room = limit - visible_length(cite) - 1 - (visible_length(gloss) + 1 if gloss else 0)
    excerpt = shorten(hit.excerpt.strip() or hit.paragraph.strip(), room)
    quote = f"<blockquote>{highlight(excerpt, hit.highlights)}</blockquote>"
    return "\n".join(part for part in (quote, gloss, cite) if part)


def gloss_markup(hit: Hit) -> str:
    """The compact gloss line under a quote, in italics; "" when there is nothing to gloss."""
    line = gloss_line(hit.gloss)
    return f"<i>{escape(shorten(line, MAX_GLOSS_CHARS))}</i>" if line else ""


def render_answer(answer: Answer, *, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """The messages that carry an answer (one, unless the excerpts don't fit in one)."""
    if not answer.answered:
        return [ABSTENTION]
    blocks = [render_hit(hit, number=hit.rank, limit=limit)
              for hit in answer.hits]
    return pack(blocks, limit=limit)


def render_translation(translations: Sequence[tuple[int, str]], service: str, *,
                       limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """Machine translations of an answer's excerpts, numbered as the excerpts are, labelled
    as machine translation and set apart from quotes (no blockquote, in italics)."""
    head = f"🌐 <b>{escape(TRANSLATION_LABEL)}</b> ({escape(service)}), not a quote:"
    room = limit - visible_length(head) - 8
    blocks = [f"[{number}] <i>{escape(shorten(text, room))}</i>" for number, text in translations]
    return pack([head, *blocks], limit=limit)


def render_nothing_found(question: str) -> str:
    """What the "nothing found" inline result sends: the question, and that nothing answers it."""
    return f"<i>{escape(shorten(question, 1000))}</i>\n{escape(ABSTENTION)}"


def render_inline_result(hit: Hit) -> str:
    """What an inline result sends into the chat: the quoted excerpt and its citation."""
    return render_hit(hit, number=None)


def render_context(article: Article, center: Paragraph, neighbours: Sequence[Paragraph], *,
                   limit: int = MAX_MESSAGE_LENGTH) -> str:
    """A paragraph with its neighbours, the cited one quoted, each marked with its ¶ number."""
    title = escape(shorten(article.label, MAX_CITATION)) + (
        f" ({escape(article.date)})" if article.date else "")
    head = f"<b>{title}</b>"
    others = [p for p in neighbours if p.number != center.number]
    # Share the room: the cited paragraph first, then the neighbours get what is left.
    budget = limit - visible_length(head) - 8 * (len(others) + 1) - 4
    center_text = shorten(center.text, max(budget - 200 * len(others), budget // 2))
    remaining = budget - _units(center_text)
    pieces: dict[int, str] = {
        center.number: f"<blockquote>¶{center.number} {escape(center_text)}</blockquote>"
    }
    for paragraph in others:
        text = shorten(paragraph.text, max(remaining // max(len(others), 1), 1))
        pieces[paragraph.number] = f"<i>¶{paragraph.number}</i> {escape(text)}"
    body = "\n\n".join(pieces[number] for number in sorted(pieces))
    return f"{head}\n\n{body}"


def render_sources(articles: Iterable[Article], *, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """The article list for /sources: title, date, language and paragraph count per line."""
    lines = []
    for article in articles:
        date = article.date or "undated"
        lines.append(
            f"• <b>{escape(shorten(article.label, 300))}</b> — {escape(date)}, "
            f"{escape(article.language)}, {len(article.paragraphs)} paragraphs"
        )
    if not lines:
        return ["The library is empty: no articles are loaded."]
    header = f"<b>{len(lines)} articles</b>"
    messages = pack([header, *lines], limit=limit, separator="\n")
    if len(messages) <= MAX_SOURCE_MESSAGES:
        return messages
    # A large library is listed in part: a few messages, then how many more there are.
    messages = messages[:MAX_SOURCE_MESSAGES]
    shown = sum(message.count("\n") + 1 for message in messages) - 1  # less the header
    last = messages[-1].split("\n")
    while True:
        more = f"<i>… and {len(lines) - shown} more</i>"
        if visible_length("\n".join([*last, more])) <= limit:
            break
        last.pop()
        shown -= 1
    messages[-1] = "\n".join([*last, more])
    return messages


def pack(blocks: Sequence[str], *, limit: int = MAX_MESSAGE_LENGTH,
         separator: str = "\n\n") -> list[str]:
    """Join blocks into as few messages as fit `limit`, splitting only between blocks."""
    messages: list[str] = []
    current: list[str] = []
    size = 0
    sep = _units(separator)
    for block in blocks:
        length = visible_length(block)
        if current and size + sep + length > limit:
            messages.append(separator.join(current))
            current, size = [], 0
        size += (sep if current else 0) + length
        current.append(block)
    if current:
        messages.append(separator.join(current))
    return messages


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
