"""Pick the sentence or two of a paragraph that answer, as a verbatim slice of it."""

from __future__ import annotations

import re
from collections.abc import Callable

# A sentence ends at . ! ? … (and any closing quote) before white space and a capital, digit,
# quote or dash; "12. februar" and "USA's" stay whole.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”»']?\s+(?=[\"“«'–\-A-ZÆØÅÄÖ0-9])")
SHORT_SENTENCE = 80
# A paragraph this short is quoted whole: cutting it saves the reader little and may cut away
# the sentence that answers when its words differ from the question's ("Det er beskeden fra
# ... Sergej Lavrov. De to mødtes torsdag i Stockholm." for "Where did they meet?").
WHOLE_PARAGRAPH = 320
# A "sentence" longer than this (a paragraph without sentence ends) is cut at white space into
# pieces of at most this length, so that an excerpt (one or two pieces) stays readable.
MAX_SENTENCE_CHARS = 1000
_SPACES = (" ", "\n", "\t", "\u00a0")


def sentence_spans(paragraph: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of a paragraph, white space between them left out."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(paragraph):
        closing_quotes = len(match.group()) - len(match.group().lstrip("\"”»'"))
        end = match.start() + closing_quotes
        spans.extend(_pieces(paragraph, start, end))
        start = match.end()
    spans.extend(_pieces(paragraph, start, len(paragraph)))
    return [(s, e) for s, e in spans if paragraph[s:e].strip()]


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """text[start:end] in pieces of at most MAX_SENTENCE_CHARS, cut at white space."""
    pieces = []
    while end - start > MAX_SENTENCE_CHARS:
        limit = start + MAX_SENTENCE_CHARS
        cut = max(text.rfind(space, start + 1, limit + 1) for space in _SPACES)
        if cut <= start:  # one "word" longer than a piece: cut it
            pieces.append((start, limit))
            start = limit
            continue
        pieces.append((start, cut))
        start = cut + 1
    pieces.append((start, end))
    return pieces


def best_excerpt(paragraph: str, sentence_score: Callable[[str], float]) -> str:
    """The whole paragraph when it is short, else the best-scoring sentence, joined with its
    best neighbour when that adds to the answer."""
    if len(paragraph) <= WHOLE_PARAGRAPH:
        return paragraph  # (most are: their sentences are not even looked for)
    spans = sentence_spans(paragraph)
    if len(spans) <= 1:
        return paragraph
    scores = [sentence_score(paragraph[s:e]) for s, e in spans]
    best = max(range(len(spans)), key=lambda i: (scores[i], -i))
    first, last = best, best
    neighbours = [i for i in (best - 1, best + 1) if 0 <= i < len(spans)]
    if neighbours:
        partner = max(neighbours, key=lambda i: (scores[i], -abs(i - best)))
        short = spans[best][1] - spans[best][0] < SHORT_SENTENCE
        if scores[partner] > 0 or (short and partner > best):
            first, last = min(best, partner), max(best, partner)
    return paragraph[spans[first][0] : spans[last][1]]
