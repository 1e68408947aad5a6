"""Score the engine on a gold file of graded questions (the format of shared/eval/dev.json).

A hit is relevant with grade g when one of the question's gold snippets, graded g, is a substring
of the hit's paragraph. Per language: success@3 (a grade-2 paragraph among the first three hits),
MRR (first hit of any grade), nDCG@5 (gain 2^g - 1), and abstentions: unanswerable questions
(no gold) should abstain, answerable ones should not.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from kilde.retrieval.answer import Answer
from kilde.retrieval.errors import GoldFileError

EVAL_DEPTH = 5


class Asker(Protocol):
    def ask(self, question: str, top_k: int | None = None, offset: int = 0) -> Answer: ...


@dataclass(frozen=True, slots=True)
class GoldQuestion:
    id: str
    language: str
    question: str
    gold: dict[str, int]

    @property
    def answerable(self) -> bool:
        return bool(self.gold)


@dataclass(frozen=True, slots=True)
class QuestionResult:
    question: GoldQuestion
    grades: tuple[int, ...]  # grade of each hit, in rank order
    abstained: bool

    @property
    def success_at_3(self) -> float:
        return 1.0 if 2 in self.grades[:3] else 0.0

    @property
    def reciprocal_rank(self) -> float:
        return next((1.0 / rank for rank, g in enumerate(self.grades, 1) if g > 0), 0.0)

    @property
    def ndcg_at_5(self) -> float:
        def dcg(grades: Iterable[int]) -> float:
            return sum((2**g - 1) / math.log2(rank + 1) for rank, g in enumerate(grades, 1))

        ideal = dcg(sorted(self.question.gold.values(), reverse=True)[:EVAL_DEPTH])
        return dcg(self.grades[:EVAL_DEPTH]) / ideal if ideal else 0.0


@dataclass(frozen=True, slots=True)
class LanguageScores:
    language: str
    answerable: int
    unanswerable: int
    success_at_3: float
    mrr: float
    ndcg_at_5: float
    abstained_correctly: int  # unanswerable questions that abstained
    abstained_wrongly: int  # answerable questions that abstained


@dataclass(frozen=True)
class Report:
    results: tuple[QuestionResult, ...]
    by_language: tuple[LanguageScores, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "languages": {
                s.language: {
                    "answerable": s.answerable,
                    "unanswerable": s.unanswerable,
                    "success@3": round(s.success_at_3, 4),
                    "mrr": round(s.mrr, 4),
                    "ndcg@5": round(s.ndcg_at_5, 4),
                    "abstained_correctly": s.abstained_correctly,
                    "abstained_wrongly": s.abstained_wrongly,
                }
                for s in self.by_language
            },
            "questions": [
                {
                    "id": r.question.id,
                    "language": r.question.language,
                    "answerable": r.question.answerable,
                    "abstained": r.abstained,
                    "grades": list(r.grades),
                }
                for r in self.results
            ],
        }


def load_gold(path: Path) -> list[GoldQuestion]:
    """Read a gold file; raises `GoldFileError` naming the file and entry when malformed."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise GoldFileError(f"cannot read gold file {path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise GoldFileError(f"gold file {path} is not JSON (line {error.lineno})") from None
    if not isinstance(raw, list):
        raise GoldFileError(f"gold file {path} must hold a JSON list of questions")
    questions = []
    for position, entry in enumerate(raw, 1):
        try:
            questions.append(
                GoldQuestion(
                    id=str(entry.get("id", position)),
                    language=str(entry["lang"]),
                    question=str(entry["question"]),
                    gold={str(k): int(v) for k, v in (entry.get("gold") or {}).items()},
                )
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise GoldFileError(f"gold file {path}: entry {position} lacks 'lang' or 'question'") from None
    return questions


def grade_hits(question: GoldQuestion, answer: Answer) -> tuple[int, ...]:
    return tuple(
        max((g for snippet, g in question.gold.items() if snippet in hit.paragraph), default=0)
        for hit in answer.hits
    )


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def evaluate(engine: Asker, questions: Sequence[GoldQuestion]) -> Report:
    """Ask every question (top 5) and score the answers per language."""
    results = []
    for question in questions:
        answer = engine.ask(question.question, top_k=EVAL_DEPTH)
        results.append(QuestionResult(question, grade_hits(question, answer), not answer.answered))
    languages = list(dict.fromkeys(q.language for q in questions))
    scores = []
    for language in languages:
        mine = [r for r in results if r.question.language == language]
        answerable = [r for r in mine if r.question.answerable]
        scores.append(
            LanguageScores(
                language=language,
                answerable=len(answerable),
                unanswerable=len(mine) - len(answerable),
                success_at_3=_mean([r.success_at_3 for r in answerable]),
                mrr=_mean([r.reciprocal_rank for r in answerable]),
                ndcg_at_5=_mean([r.ndcg_at_5 for r in answerable]),
                abstained_correctly=sum(r.abstained for r in mine if not r.question.answerable),
                abstained_wrongly=sum(r.abstained for r in answerable),
            )
        )
    return Report(tuple(results), tuple(scores))
