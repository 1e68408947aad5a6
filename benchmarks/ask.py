"""Time one question on the shipped corpus: `python -m benchmarks.ask [--repeat N]`.

Measures `Engine.ask` (analysis, bridging, retrieval, re-ranking, excerpts, citations) for every
question of the dev set and a few off-corpus ones, N times each, and prints a table of medians
and p99 against a baseline measured in the same run: rank-bm25's `get_scores` over every passage
for the same query tokens.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from rank_bm25 import BM25Okapi

from kilde.config import SHIPPED_CORPUS_DIR
from kilde.retrieval.engine import Engine
from kilde.retrieval.indexing import passage_tokens
from kilde.retrieval.passages import citable_paragraphs

DEV = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.json"
EXTRA = ["What did Russia demand from NATO?", "Who won the 2022 World Cup?", "Hva krever Russland av USA?"]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    questions = EXTRA + ([q["question"] for q in json.loads(DEV.read_text())] if DEV.exists() else [])

    started = time.perf_counter()
    engine = Engine.open(SHIPPED_CORPUS_DIR)
    load_ms = (time.perf_counter() - started) * 1000
    analyzer = engine._analyzer
    passages = [
        passage_tokens(analyzer, article.language, text, heading)
        for _, article, _, text, heading in citable_paragraphs(engine.corpus)
    ]
    baseline = BM25Okapi(passages)

    answer_ms: list[float] = []
    baseline_ms: list[float] = []
    for _ in range(args.repeat):
        for question in questions:
            t0 = time.perf_counter()
            engine.ask(question)
            answer_ms.append((time.perf_counter() - t0) * 1000)
            tokens = [t for t, _ in engine._queries.build(question).weighted_tokens()]
            t0 = time.perf_counter()
            baseline.get_scores(tokens)
            baseline_ms.append((time.perf_counter() - t0) * 1000)

    print(f"shipped corpus: {engine.article_count} articles, {len(passages)} passages; "
          f"engine load {load_ms:.0f} ms; {len(answer_ms)} questions timed")
    print(f"{'measure':42} {'median ms':>10} {'p99 ms':>10}")
    for label, times in (("kilde: full answer (Engine.ask)", answer_ms),
                         ("baseline: rank-bm25 get_scores only", baseline_ms)):
        print(f"{label:42} {statistics.median(times):10.3f} {_percentile(times, 0.99):10.3f}")


if __name__ == "__main__":
    main()
