"""BM25 over token lists, ranked as rank-bm25 defines it (placeholder until the scalable index)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from rank_bm25 import BM25L, BM25Okapi, BM25Plus

_VARIANTS = {"okapi": BM25Okapi, "l": BM25L, "plus": BM25Plus}


class Bm25Index:
    """BM25 over token lists with exact top-k."""

    def __init__(self, model: BM25Okapi | BM25L | BM25Plus, n_documents: int) -> None:
        self._model = model
        self._n = n_documents
        self._df: dict[str, int] = {}
        for freqs in model.doc_freqs:
            for token in freqs:
                self._df[token] = self._df.get(token, 0) + 1

    @classmethod
    def build(
        cls,
        documents: Iterable[Sequence[str]],
        *,
        variant: str = "plus",
        k1: float = 1.5,
        b: float = 0.75,
        delta: float | None = None,
        epsilon: float = 0.25,
        progress: bool = False,
    ) -> Bm25Index:
        docs = [list(doc) or ["\x00"] for doc in documents]
        kwargs: dict[str, float] = {"k1": k1, "b": b}
        if variant == "okapi":
            kwargs["epsilon"] = epsilon
        elif delta is not None:
            kwargs["delta"] = delta
        return cls(_VARIANTS[variant](docs, **kwargs), len(docs))

    @property
    def n_documents(self) -> int:
        return self._n

    def document_frequency(self, token: str) -> int:
        return self._df.get(token, 0)

    def top_k(self, query: Sequence[tuple[str, float]], k: int) -> list[tuple[int, float]]:
        total = np.zeros(self._n)
        matched = np.zeros(self._n, dtype=bool)
        for token, weight in query:
            scores = self._model.get_scores([token])
            total += weight * scores
            matched |= np.array([token in freqs for freqs in self._model.doc_freqs])
        order = sorted(np.flatnonzero(matched), key=lambda d: (-total[d], d))[:k]
        return [(int(d), float(total[d])) for d in order]
