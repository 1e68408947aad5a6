"""The BM25 model as rank-bm25 defines it: parameters, idf and per-term document scores.

Every formula here repeats rank-bm25's expression in the same order of operations, so that the
scores we materialise are bit-for-bit the numbers `BM25Okapi/BM25L/BM25Plus.get_scores` add up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

VARIANTS = ("okapi", "l", "plus")
# rank-bm25's default delta per variant (Okapi has none).
DEFAULT_DELTA = {"okapi": 0.0, "l": 0.5, "plus": 1.0}


@dataclass(frozen=True)
class Bm25Params:
    """Which BM25 variant ranks, with its parameters (rank-bm25's names and defaults)."""

    variant: str = "plus"
    k1: float = 1.5
    b: float = 0.75
    delta: float = 1.0
    epsilon: float = 0.25

    @classmethod
    def of(
        cls,
        variant: str = "plus",
        *,
        k1: float = 1.5,
        b: float = 0.75,
        delta: float | None = None,
        epsilon: float = 0.25,
    ) -> Bm25Params:
        """Validate the parameters, filling in rank-bm25's default delta for the variant."""
        if variant not in VARIANTS:
            raise ValueError(f"unknown BM25 variant {variant!r}; expected one of {', '.join(VARIANTS)}")
        for name, value in (("k1", k1), ("b", b), ("epsilon", epsilon)):
            if not math.isfinite(value):
                raise ValueError(f"BM25 parameter {name} must be a finite number, not {value!r}")
        if delta is None:
            delta = DEFAULT_DELTA[variant]
        elif not math.isfinite(delta):
            raise ValueError(f"BM25 parameter delta must be a finite number, not {delta!r}")
        return cls(variant=variant, k1=float(k1), b=float(b), delta=float(delta), epsilon=float(epsilon))


def compute_idf(
    params: Bm25Params, document_frequencies: np.ndarray, n_documents: int
) -> tuple[np.ndarray, float]:
    """Return each term's idf (in term-id order) and, for Okapi, the average idf before flooring.

    Terms must be numbered in order of first appearance, as rank-bm25's `nd` dict is, so that
    Okapi's average idf sums in the same order and comes out identical.
    """
    n = n_documents
    # Each distinct frequency once (a few thousand, against ~370,000 terms at a million
    # paragraphs): the same math.log of the same numbers, spread back by index.
    distinct, inverse = np.unique(np.asarray(document_frequencies, dtype=np.int64),
                                  return_inverse=True)
    dfs = distinct.tolist()
    log = math.log
    if params.variant == "okapi":
        raw = np.array([log(n - df + 0.5) - log(df + 0.5) for df in dfs], dtype=np.float64)[inverse]
        # cumsum adds one value after the other, as rank-bm25's loop does (sum() is pairwise
        # and rounds differently)
        average = float(np.cumsum(raw)[-1]) / len(raw) if len(raw) else 0.0
        eps = params.epsilon * average
        return np.where(raw < 0, eps, raw), average
    if params.variant == "l":
        return np.array([log(n + 1) - log(df + 0.5) for df in dfs], dtype=np.float64)[inverse], 0.0
    return np.array([log((n + 1) / df) for df in dfs], dtype=np.float64)[inverse], 0.0


def length_norms(params: Bm25Params, doc_lengths: np.ndarray, avgdl: float) -> np.ndarray:
    """Per document, rank-bm25's length normalisation: `k1 * (1 - b + b * len / avgdl)` for
    Okapi and BM25Plus, `1 - b + b * len / avgdl` for BM25L (its `ctd` divides by it)."""
    if not avgdl:  # only empty documents: no posting will ever be scored
        return np.ones(len(doc_lengths), dtype=np.float64)
    # rank-bm25 evaluates `b * doc_len / avgdl` on an integer array: keep that order.
    norm = 1 - params.b + params.b * np.asarray(doc_lengths).astype(np.int64) / avgdl
    return norm if params.variant == "l" else params.k1 * norm


def posting_scores(params: Bm25Params, idf: float, tf: np.ndarray, norm: np.ndarray) -> np.ndarray:
    """One term's scores in documents with term frequencies `tf` and `length_norms` `norm`."""
    k1, delta = params.k1, params.delta
    tf = tf.astype(np.float64)
    if params.variant == "okapi":
        return idf * (tf * (k1 + 1) / (tf + norm))
    if params.variant == "l":
        ctd = tf / norm
        return idf * tf * (k1 + 1) * (ctd + delta) / (k1 + ctd + delta)
    return idf * (delta + (tf * (k1 + 1)) / (norm + tf))


def zero_tf_scores(params: Bm25Params, idf: np.ndarray) -> np.ndarray:
    """Each term's score in a document without it: idf * delta for BM25Plus, 0 otherwise.

    (rank-bm25's BM25L multiplies by the term frequency, so it gives 0 there too.)
    """
    if params.variant == "plus":
        return idf * (params.delta + 0.0)
    return np.zeros_like(idf)
