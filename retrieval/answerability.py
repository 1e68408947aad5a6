"""Whether the corpus answers a question: one calibrated score from the ranking's evidence.

A logistic model over the evidence (how much of the question the best passage and the best
article cover, how much of it the corpus knows at all, names no article mentions), fitted by
`python -m benchmarks.calibrate` on the development sets of shared/eval, where the questions
about articles left out of the corpus must be abstained on. The threshold is chosen there too:
almost no answerable question refused, most off-corpus questions refused.
"""

from __future__ import annotations

import math

from kilde.retrieval.ranking import Evidence

# Chosen on the table `python -m benchmarks.calibrate` prints (benchmarks/README.md): at 0.30 no
# development set has more than 2 % of its answerable questions refused; 0.35 would refuse up
# to 2.9 % for a few more off-corpus abstentions, too close to the 3 % limit for unseen sets.
MIN_ANSWERABILITY = 0.30


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
BIAS = -4.8543
WEIGHTS = (4.3323, 3.1068, 0.4614, -6.5602, 1.4604)


def answerability(evidence: Evidence | None) -> float:
    """Probability-like score that some passage answers: 0 when there is nothing to weigh."""
    if evidence is None:
        return 0.0
    z = BIAS + sum(w * x for w, x in zip(WEIGHTS, features(evidence), strict=True))
    return 1.0 / (1.0 + math.exp(-z))
