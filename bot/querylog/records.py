"""The query log's records: a logged question, a summary, what a vote did."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any


class VoteOutcome(Enum):
    """What a press of 👍 or 👎 did."""

    RECORDED = "recorded"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    UNKNOWN_ANSWER = "unknown answer"  # pruned, or from another log


@dataclass(frozen=True)
class LoggedQuestion:
    """One row of the log as `kilde log` and /stats show it."""

    id: int
    asked_at: float
    chat_type: str
    question: str
    question_run: str
    language: str
    answered: bool
    citations: tuple[str, ...]
    up_votes: int
    down_votes: int

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "asked_at": datetime.fromtimestamp(self.asked_at).astimezone().isoformat(
                timespec="seconds"),
            "chat_type": self.chat_type,
            "question": self.question,
            "question_run": self.question_run,
            "language": self.language,
            "answered": self.answered,
            "citations": list(self.citations),
            "votes": {"up": self.up_votes, "down": self.down_votes},
        }


@dataclass(frozen=True)
class LogSummary:
    """What the query log holds, summed up."""

    today: int
    total: int
    answered: int
    up_votes: int
    down_votes: int
    gaps: tuple[LoggedQuestion, ...]

    @property
    def abstained(self) -> int:
        return self.total - self.answered

    @property
    def abstention_rate(self) -> float | None:
        return self.abstained / self.total if self.total else None

    def to_json(self) -> dict[str, Any]:
        return {
            "questions_today": self.today,
            "questions_total": self.total,
            "answered": self.answered,
            "abstentions": self.abstained,
            "abstention_rate": None if self.abstention_rate is None else round(self.abstention_rate, 4),
            "votes": {"up": self.up_votes, "down": self.down_votes},
            "gaps": [question.to_json() for question in self.gaps],
        }
