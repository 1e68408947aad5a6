"""The "More" and "Context" buttons: callback data that fits 64 bytes and survives restarts.

Callback data is plain text, self-describing where it can be:

- `c|<article hash>|<¶N>|<paragraph hash>`: Context. The article is found again by the hash
  of its id and the paragraph by its number, checked against a hash of its text, so a button
  still answers after a restart, and after a corpus change it finds the paragraph if it moved
  or says plainly that it is gone.
- `m|<offset>|q|<question>`: More, when the question fits in the 64 bytes;
  `m|<offset>|k|<question hash>` otherwise. The hash is looked up in `QuestionMemory` (recent
  questions, in memory) and, after a restart, checked against the asker's message that the
  answer replied to. If neither knows it, the user is asked politely to ask again.
- `m|<offset>|f|<hash>`: More under a follow-up's answer. Its pages are those of the same
  `Engine.ask(reply, earlier=...)` call (the earlier answer's passages last), so the button
  stands for the reply as asked and the earlier question, both kept in `QuestionMemory`; after
  a restart the user is asked to ask again.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from kilde.corpus.model import Article, Corpus, Paragraph
from kilde.retrieval.answer import Answer

MAX_DATA_BYTES = 64
GONE_ARTICLE = "That article is no longer in the library; please ask again."
CHANGED_PARAGRAPH = "That passage has changed since; please ask again."
FORGOTTEN_QUESTION = "I no longer remember that question; please ask it again."
NO_MORE = "That's all I found."


def short_hash(text: str, length: int = 8) -> str:
    return hashlib.blake2s(text.encode("utf-8"), digest_size=16).hexdigest()[:length]


@dataclass(frozen=True)
class ContextRequest:
    article_hash: str
    paragraph_number: int
    paragraph_hash: str


@dataclass(frozen=True)
class MoreRequest:
    offset: int
    question: str | None  # None when only the hash is known
    question_hash: str | None
    follow_up: bool = False  # the hash stands for a reply and the question it followed up


def context_data(article_id: str, paragraph: int, text: str) -> str:
    return f"c|{short_hash(article_id)}|{paragraph}|{short_hash(text, 6)}"


def follow_up_key(reply: str, earlier: str) -> str:
    return short_hash(f"{reply}\n{earlier}", 12)


def more_data(question: str, offset: int, earlier: str | None = None) -> str:
    """A More button's data: for a follow-up, `question` is the reply as asked."""
    if earlier is not None:
        return f"m|{offset}|f|{follow_up_key(question, earlier)}"
    inline = f"m|{offset}|q|{question}"
    if len(inline.encode("utf-8")) <= MAX_DATA_BYTES:
        return inline
    return f"m|{offset}|k|{short_hash(question, 12)}"


def parse(data: str) -> ContextRequest | MoreRequest | None:
    """Decode callback data written by this module; None for anything else."""
    parts = data.split("|", 3)
    try:
        if parts[0] == "c" and len(parts) == 4:
            return ContextRequest(parts[1], int(parts[2]), parts[3])
        if parts[0] == "m" and len(parts) == 4 and parts[2] in ("q", "k", "f"):
            if parts[2] == "q":
                return MoreRequest(int(parts[1]), parts[3], None)
            if parts[2] == "f":
                return MoreRequest(int(parts[1]), None, parts[3], follow_up=True)
            return MoreRequest(int(parts[1]), None, parts[3])
    except ValueError:
        return None
    return None


def answer_keyboard(answer: Answer, offset: int, top_k: int, *,
                    follow_up: tuple[str, str] | None = None) -> InlineKeyboardMarkup | None:
    """Context buttons for each excerpt and a More button when more may follow; `follow_up`
    is (the reply as asked, the earlier question) when the answer is a follow-up's."""
    if not answer.answered:
        return None
    context_row = [
        InlineKeyboardButton(
            f"Context [{hit.rank}]",
            callback_data=context_data(hit.article_id, hit.paragraph_number, hit.paragraph),
        )
        for hit in answer.hits
    ]
    rows = [context_row[i:i + 4] for i in range(0, len(context_row), 4)]
    if len(answer.hits) >= top_k:
        question, earlier = follow_up if follow_up is not None else (answer.question, None)
        rows.append([InlineKeyboardButton(
            "More", callback_data=more_data(question, offset + len(answer.hits), earlier))])
    return InlineKeyboardMarkup(rows)


class QuestionMemory:
    """Recent questions by hash, for More buttons whose question didn't fit in the data (and
    follow-ups: the reply and the question it followed up)."""

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._questions: OrderedDict[str, str | tuple[str, str]] = OrderedDict()

    def remember(self, question: str) -> None:
        self._keep(short_hash(question, 12), question)

    def remember_follow_up(self, reply: str, earlier: str) -> None:
        self._keep(follow_up_key(reply, earlier), (reply, earlier))

    def _keep(self, key: str, value: str | tuple[str, str]) -> None:
        self._questions[key] = value
        self._questions.move_to_end(key)
        while len(self._questions) > self.capacity:
            self._questions.popitem(last=False)

    def recall(self, key: str) -> str | None:
        value = self._questions.get(key)
        return value if isinstance(value, str) else None

    def recall_follow_up(self, key: str) -> tuple[str, str] | None:
        value = self._questions.get(key)
        return value if isinstance(value, tuple) else None


def resolve_more(request: MoreRequest, memory: QuestionMemory,
                 original: str | None) -> str | None:
    """The question a More button stands for, or None if it can't be known any more (or is
    a follow-up's: `resolve_follow_up_more`)."""
    if request.follow_up:
        return None
    if request.question is not None:
        return request.question
    if request.question_hash is None:
        return None
    remembered = memory.recall(request.question_hash)
    if remembered is not None:
        return remembered
    if original is not None and short_hash(original, 12) == request.question_hash:
        return original
    return None


def resolve_follow_up_more(request: MoreRequest,
                           memory: QuestionMemory) -> tuple[str, str] | None:
    """(the reply as asked, the earlier question) a follow-up's More button stands for, or
    None if they are no longer remembered."""
    if not request.follow_up or request.question_hash is None:
        return None
    return memory.recall_follow_up(request.question_hash)


class CorpusIndex:
    """Article lookup by the hash of its id, built once per corpus object."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self._by_hash = {short_hash(article.id): article for article in corpus.articles}

    def article(self, article_hash: str) -> Article | None:
        return self._by_hash.get(article_hash)


@dataclass(frozen=True)
class ContextView:
    article: Article
    center: Paragraph
    neighbours: tuple[Paragraph, ...]


def resolve_context(request: ContextRequest, index: CorpusIndex) -> ContextView | str:
    """The paragraph and its citable neighbours, or a one-line reason why it can't be shown."""
    article = index.article(request.article_hash)
    if article is None:
        return GONE_ARTICLE
    center = article.paragraph(request.paragraph_number)
    if center is None or short_hash(center.text, 6) != request.paragraph_hash:
        # The file changed: the paragraph may have moved.
        moved = [p for p in article.paragraphs if short_hash(p.text, 6) == request.paragraph_hash]
        if not moved:
            return CHANGED_PARAGRAPH
        center = moved[0]
    neighbours = tuple(
        p for p in (article.paragraph(center.number - 1), center,
                    article.paragraph(center.number + 1))
        if p is not None and (p is center or p.kind.citable)
    )
    return ContextView(article, center, neighbours)
