"""Answer quality on every evaluation set at once: `python -m benchmarks.quality`.

Runs each gold file of ../shared/eval/ against its own corpus (dev.json on the shipped articles,
XQuAD over its Danish and Norwegian articles, NorQuAD over its Norwegian news) and prints one
Markdown table: per set, success@3, MRR, nDCG@5, answerable questions abstained on and
unanswerable ones abstained on, with plain and Snowball-stemmed rank-bm25 measured in the same
run as the baseline (rank-bm25 never abstains). Then a table of answerability thresholds against
both error rates, pooled over the sets, which is how the engine's threshold was chosen.

The data is read where it lies (../shared/eval/, or --eval-dir); nothing is copied.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import Stemmer
from rank_bm25 import BM25Okapi

from kilde.config import SHIPPED_CORPUS_DIR
from kilde.corpus import load_corpus
from kilde.retrieval.answer import Answer
from kilde.retrieval.answerability import threshold
from kilde.retrieval.engine import Engine
from kilde.retrieval.evaluation import GoldQuestion, QuestionResult, grade_hits, load_gold
from kilde.retrieval.passages import citable_paragraphs

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EVAL_DIR = ROOT.parent / "shared" / "eval"

# (name, gold file, corpus folder), relative to the eval folder; None = the shipped articles.
SETS: tuple[tuple[str, str, str | None], ...] = (
    ("dev", "dev.json", None),
    ("xquad en-da", "xquad/en-da.json", "xquad/da"),
    ("xquad en-no", "xquad/en-no.json", "xquad/no"),
    ("xquad da-da", "xquad/da-da.json", "xquad/da"),
    ("xquad no-no", "xquad/no-no.json", "xquad/no"),
    ("norquad no", "norquad/no.json", "norquad/articles"),
    # Written from the shipped articles by a helper, without looking at Kilde's answers; it lives
    # in the repository (tests/fixtures/eval/), and was tuned on once, so it weighs as one more set.
    ("extra (shipped)", str(ROOT / "tests" / "fixtures" / "eval" / "extra.json"), None),
)
DEPTH = 5


def set_paths(eval_dir: Path, gold_file: str, corpus_folder: str | None) -> tuple[Path, Path]:
    """A set's gold file and corpus folder (None: the shipped articles)."""
    corpus_dir = SHIPPED_CORPUS_DIR if corpus_folder is None else eval_dir / corpus_folder
    return eval_dir / gold_file, corpus_dir
_WORD = re.compile(r"\w+", re.UNICODE)
STEMMERS = {"da": "danish", "no": "norwegian"}


@dataclass(frozen=True)
class Scores:
    success_at_3: float
    mrr: float
    ndcg_at_5: float
    answerable_abstained: tuple[int, int]  # (abstained, answerable)
    unanswerable_abstained: tuple[int, int]  # (abstained, unanswerable)


def score(results: Sequence[QuestionResult]) -> Scores:
    """The set's figures over all its questions (every language together)."""
    answerable = [r for r in results if r.question.answerable]
    unanswerable = [r for r in results if not r.question.answerable]

    def mean(values: list[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    return Scores(
        mean([r.success_at_3 for r in answerable]),
        mean([r.reciprocal_rank for r in answerable]),
        mean([r.ndcg_at_5 for r in answerable]),
        (sum(r.abstained for r in answerable), len(answerable)),
        (sum(r.abstained for r in unanswerable), len(unanswerable)),
    )


class PlainBm25:
    """rank-bm25's BM25Okapi over the same citable paragraphs, plain or Snowball-stemmed words."""

    def __init__(self, engine_corpus_dir: Path, *, stemmed: bool) -> None:
        corpus = load_corpus(engine_corpus_dir)
        passages = [(article.language, text) for _, article, _, text, _ in citable_paragraphs(corpus)]
        self._paragraphs = [text for _, text in passages]
        languages = [language for language, _ in passages]
        # The collection's main language stems the question too (the question may be English).
        self._language = max(set(languages), key=languages.count)
        self._stem: Callable[[list[str]], list[str]] = (
            Stemmer.Stemmer(STEMMERS[self._language]).stemWords if stemmed else (lambda w: w)
        )
        self._model = BM25Okapi([self._tokens(text) for text in self._paragraphs])

    def _tokens(self, text: str) -> list[str]:
        return self._stem(_WORD.findall(text.lower()))

    def grades(self, question: GoldQuestion) -> tuple[int, ...]:
        scores = self._model.get_scores(self._tokens(question.question))
        best = sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:DEPTH]
        return tuple(
            max((g for snippet, g in question.gold.items() if snippet in self._paragraphs[i]),
                default=0)
            for i in best
            if scores[i] > 0
        )


def run_kilde(engine: Engine, questions: Sequence[GoldQuestion]) -> list[tuple[QuestionResult, Answer]]:
    """Each question's graded result, abstaining below the engine's threshold, and its answer
    as ranked with no threshold (so that the threshold table can try every other one)."""
    thresholds = engine.min_answerability
    engine.min_answerability = dict.fromkeys(thresholds, 0.0)
    out = []
    try:
        for question in questions:
            answer = engine.ask(question.question, top_k=DEPTH)
            abstained = (not answer.answered
                         or answer.answerability < threshold(answer.language, thresholds))
            grades = () if abstained else grade_hits(question, answer)
            out.append((QuestionResult(question, grades, abstained), answer))
    finally:
        engine.min_answerability = thresholds
    return out


def _pct(pair: tuple[int, int]) -> str:
    done, total = pair
    return f"{done}/{total} ({100 * done / total:.0f} %)" if total else "–"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--sets", default="", help="comma-separated set names (default: all)")
    parser.add_argument("--no-baseline", action="store_true", help="skip rank-bm25")
    parser.add_argument("--misses", type=Path, help="write every question's result (JSON Lines)")
    parser.add_argument("--lowercase", action="store_true",
                        help="ask every question as typed in a hurry, without capitals")
    args = parser.parse_args(argv)
    if not args.eval_dir.is_dir():
        print(f"error: evaluation folder {args.eval_dir} not found (../shared/eval beside the "
              "checkout, or --eval-dir)", file=sys.stderr)
        return 2
    chosen = {name.strip() for name in args.sets.split(",") if name.strip()}
    rows = []
    answerability: list[tuple[str, bool, bool, float]] = []  # set, answerable, success@3, score
    misses = args.misses.open("w", encoding="utf-8") if args.misses else None
    for name, gold_file, corpus_folder in SETS:
        if chosen and name not in chosen:
            continue
        gold_path, corpus_dir = set_paths(args.eval_dir, gold_file, corpus_folder)
        questions = load_gold(gold_path)
        if args.lowercase:
            questions = [replace(q, question=q.question.lower()) for q in questions]
        started = time.perf_counter()
        engine = Engine.open(corpus_dir)
        results = run_kilde(engine, questions)
        elapsed = time.perf_counter() - started
        row = {"set": name, "questions": len(questions), "kilde": score([r for r, _ in results]),
               "seconds": elapsed}
        for result, answer in results:
            ranked_success = 2 in grade_hits(result.question, answer)[:3]
            answerability.append((answer.language, result.question.answerable, ranked_success,
                                  answer.answerability))
            if misses:
                misses.write(json.dumps({
                    "set": name, "id": result.question.id, "question": result.question.question,
                    "answerable": result.question.answerable, "abstained": result.abstained,
                    "grades": list(result.grades), "answerability": round(answer.answerability, 4),
                    "top": [h.paragraph[:100] for h in answer.hits[:3]],
                }, ensure_ascii=False) + "\n")
        if not args.no_baseline:
            for label, stemmed in (("plain", False), ("stemmed", True)):
                baseline = PlainBm25(corpus_dir, stemmed=stemmed)
                row[label] = score([QuestionResult(q, baseline.grades(q), False) for q in questions])
        rows.append(row)
        print(f"{name}: {len(questions)} questions in {elapsed:.1f} s", file=sys.stderr)
    if misses:
        misses.close()
    print_tables(rows, answerability, baseline=not args.no_baseline)
    return 0


def print_tables(rows: list[dict], answerability: list[tuple[str, bool, bool, float]], *,
                 baseline: bool) -> None:
    print("| set | questions | success@3 | MRR | nDCG@5 | answerable abstained | unanswerable abstained"
          + (" | rank-bm25 plain s@3 / MRR | rank-bm25 stemmed s@3 / MRR |" if baseline else " |"))
    print("|---|---|---|---|---|---|---" + ("|---|---|" if baseline else "|"))
    for row in rows:
        k = row["kilde"]
        line = (f"| {row['set']} | {row['questions']} | {k.success_at_3:.3f} | {k.mrr:.3f} | "
                f"{k.ndcg_at_5:.3f} | {_pct(k.answerable_abstained)} | {_pct(k.unanswerable_abstained)} |")
        if baseline:
            for label in ("plain", "stemmed"):
                b = row[label]
                line += f" {b.success_at_3:.3f} / {b.mrr:.3f} |"
        print(line)
    print()
    for title, languages in (("English questions", {"en"}),
                             ("Danish and Norwegian questions", {"da", "no"})):
        mine = [a for a in answerability if a[0] in languages]
        print()
        print(f"{title}: answerability threshold against both error rates (pooled over the sets "
              f"above; the engine abstains below {threshold(next(iter(languages))):.2f}):")
        print()
        print_threshold_table(mine)


def print_threshold_table(answerability: list[tuple[str, bool, bool, float]]) -> None:
    """Per threshold: answerable questions refused, unanswerable ones answered, and the
    answerable ones still found in the first three places."""
    print("| threshold | answerable refused | unanswerable answered | success@3 kept |")
    print("|---|---|---|---|")
    answerable = [a for a in answerability if a[1]]
    unanswerable = [a for a in answerability if not a[1]]
    scores = sorted({round(a[3], 2) for a in answerability})
    levels = [0.0] + [t for t in (0.05 * i for i in range(1, 21)) if t <= max(scores, default=0)]
    for level in levels:
        refused = sum(a[3] < level for a in answerable)
        answered = sum(a[3] >= level for a in unanswerable)
        kept = sum(a[2] and a[3] >= level for a in answerable)
        refused_pct = 100 * refused / max(1, len(answerable))
        answered_pct = 100 * answered / max(1, len(unanswerable))
        print(f"| {level:.2f} | {refused}/{len(answerable)} ({refused_pct:.1f} %) | "
              f"{answered}/{len(unanswerable)} ({answered_pct:.0f} %) | {kept}/{len(answerable)} |")

if __name__ == "__main__":
    sys.exit(main())
