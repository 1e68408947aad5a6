"""Issue 8's targets on every evaluation set of shared/eval, each on its own corpus.

These are the targets, not the levels reached: the ones not reached yet are marked xfail
(strict, so that reaching one turns the run red until the mark goes). `python -m
benchmarks.quality` prints the same figures as a table.
"""

from __future__ import annotations

import pytest

from benchmarks.quality import DEFAULT_EVAL_DIR, SETS, Scores, run_kilde, score, set_paths
from kilde.retrieval.engine import Engine
from kilde.retrieval.evaluation import QuestionResult, load_gold

SUCCESS_AT_3 = {
    "dev": 0.90, "xquad en-da": 0.85, "xquad en-no": 0.85, "xquad da-da": 0.95,
    "xquad no-no": 0.95, "norquad no": 0.80, "extra (shipped)": 0.80,
}
MAX_ANSWERABLE_ABSTAINED = 0.03
MIN_UNANSWERABLE_ABSTAINED = 0.70
# Reached only on the shipped articles so far: lexical evidence cannot tell a question about a
# left-out XQuAD or NorQuAD article from an answerable one without refusing answerable ones.
ABSTENTION_REACHED = {"dev"}
_cache: dict[str, list[QuestionResult]] = {}


def results_of(name: str) -> list[QuestionResult]:
    if name not in _cache:
        assert DEFAULT_EVAL_DIR.is_dir(), (
            f"the evaluation data is missing: {DEFAULT_EVAL_DIR} (shared/eval beside the checkout)"
        )
        _, gold_file, corpus_folder = next(s for s in SETS if s[0] == name)
        gold_path, corpus = set_paths(DEFAULT_EVAL_DIR, gold_file, corpus_folder)
        _cache[name] = [result for result, _ in run_kilde(Engine.open(corpus), load_gold(gold_path))]
    return _cache[name]


def scores_of(name: str) -> Scores:
    return score(results_of(name))


@pytest.mark.parametrize("name", list(SUCCESS_AT_3))
def test_success_at_3(name: str) -> None:
    assert scores_of(name).success_at_3 >= SUCCESS_AT_3[name]


@pytest.mark.parametrize("language", ["en", "da", "no"])
def test_success_at_3_on_the_shipped_articles_in_every_language(language: str) -> None:
    mine = [result for result in results_of("dev") if result.question.language == language]
    assert mine, f"dev.json has no {language} question"
    assert score(mine).success_at_3 >= SUCCESS_AT_3["dev"]


@pytest.mark.parametrize("name", list(SUCCESS_AT_3))
def test_almost_no_answerable_question_is_refused(name: str) -> None:
    refused, answerable = scores_of(name).answerable_abstained
    assert refused <= MAX_ANSWERABLE_ABSTAINED * answerable


@pytest.mark.parametrize(
    "name",
    [
        name if name in ABSTENTION_REACHED else pytest.param(
            name, marks=pytest.mark.xfail(strict=True, reason="not reached (benchmarks/README.md)")
        )
        for name in SUCCESS_AT_3
    ],
)
def test_questions_about_left_out_articles_are_refused(name: str) -> None:
    abstained, unanswerable = scores_of(name).unanswerable_abstained
    assert abstained >= MIN_UNANSWERABLE_ABSTAINED * unanswerable
