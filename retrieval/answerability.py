"""Whether the corpus answers a question: one calibrated score from the ranking's evidence.

A logistic model over the evidence (how much of the question the best passage and the best
article cover, how much of it the corpus knows at all, names no article mentions), fitted by
`python -m benchmarks.calibrate` on the development sets of shared/eval, where the questions
about articles left out of the corpus must be abstained on. The threshold is chosen there too:
almost no answerable question refused, most off-corpus questions refused.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from kilde.retrieval.ranking import Evidence

# The threshold below which Kilde abstains, by the question's language, chosen on the tables
# `python -m benchmarks.quality` and `python -m benchmarks.calibrate` print (benchmarks/README.md).
# An English question's evidence passes through dictionaries, so a weak match is often a gap in
# translation: at 0.30 no development set refuses more than 1.5 % of its answerable English
# questions, and 0.35 would refuse 2.7 %. A Danish or Norwegian question uses the articles' own
# words, so the same weak match more often means that no article answers: at 0.40 no set refuses
# more than 2.1 % of its answerable Danish and Norwegian questions, and the questions about
# left-out articles abstained on rise from 15-18 % (at 0.30) to 30-32 %; 0.45 would refuse 3.1 %.
MIN_ANSWERABILITY = {"en": 0.30, "da": 0.40, "no": 0.40}


def threshold(language: str, thresholds: Mapping[str, float] = MIN_ANSWERABILITY) -> float:
    """The answerability a question in `language` needs to be answered (a language without its
    own threshold, if any, is held to the English one)."""
    return thresholds.get(language, thresholds["en"])


def features(evidence: Evidence) -> list[float]:
    """The model's inputs, in the order of WEIGHTS."""
    return [
        evidence.passage,
        evidence.article,
        evidence.corpus,
        evidence.missing_name,
        math.log(evidence.concepts),
    ]


# Fitted by `python -m benchmarks.calibrate` (each evaluation set weighs the same). Coverage by
# the best passage and by the best article carry the decision; a name no article mentions
# pulls hard the other way (measured: 2.5 % of answerable xquad en-da questions have one, 28 %
# of the off-corpus ones, so it is evidence, not a rule); longer questions need less coverage.
BIAS = -5.2297
WEIGHTS = (4.2485, 2.7937, 1.2683, -6.4242, 1.3758)


def answerability(evidence: Evidence | None) -> float:
    """Probability-like score that some passage answers: 0 when there is nothing to weigh."""
    if evidence is None:
        return 0.0
    z = BIAS + sum(w * x for w, x in zip(WEIGHTS, features(evidence), strict=True))
    return 1.0 / (1.0 + math.exp(-z))
