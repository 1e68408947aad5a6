"""The answer records that every front end renders: hits with verbatim excerpts and citations."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True, slots=True)
class Hit:
    """One cited passage; the fields are those of CONTRACT.md's JSON hit, plus `source_url`."""

    rank: int
    score: float
    article_id: str
    source: str
    title: str | None
    date: str | None
    language: str
    paragraph_number: int
    paragraph: str
    excerpt: str
    citation: str
    source_url: str | None = None
    # (start, end) offsets into `excerpt` of the words that match the question
    highlights: tuple[tuple[int, int], ...] = ()
    # (word as in the excerpt, its meaning in the question's language), when the languages differ
    gloss: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        # The fields one by one: dataclasses.asdict deep-copies, a tenth of a full answer's time.
        data = {name: getattr(self, name) for name in _HIT_FIELDS}
        data["score"] = round(self.score, 4)
        data["highlights"] = [list(span) for span in self.highlights]
        data["gloss"] = [list(pair) for pair in self.gloss]
        return data


_HIT_FIELDS = tuple(field.name for field in fields(Hit))


@dataclass(frozen=True, slots=True)
class Answer:
    """What Kilde says to one question: cited hits, or none when it abstains."""

    question: str
    language: str
    hits: tuple[Hit, ...]
    # how sure the engine is that the corpus answers (0 to 1); below its threshold it abstains
    answerability: float = 0.0

    @property
    def answered(self) -> bool:
        return bool(self.hits)

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "language": self.language,
            "answered": self.answered,
            "answerability": round(self.answerability, 4),
            "hits": [hit.to_json() for hit in self.hits],
        }
