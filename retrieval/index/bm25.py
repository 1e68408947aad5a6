"""`Bm25Index`: rank-bm25's ranking over precomputed per-term document scores, exact top-k."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from retrieval.index.build import IndexArrays, build_arrays
from retrieval.index.model import Bm25Params
from retrieval.index.storage import load_arrays, save_arrays


class Bm25Index:
    """BM25 over token lists, ranking exactly as rank-bm25 defines it, with exact top-k.

    A query sums the posting lists of its terms into a reusable dense accumulator (one per thread)
    and selects the top k with a partition, so its cost follows the postings it touches, not the
    corpus size. BM25Plus gives every document a per-term constant for terms it lacks; that
    constant is the same for all documents, so it is added once and ranking stays exact.
    """

    def __init__(self, arrays: IndexArrays) -> None:
        self._arrays = arrays
        self._vocabulary = {term: term_id for term_id, term in enumerate(arrays.terms)}
        self._offsets = arrays.offsets
        self._docs = arrays.docs
        self._scores = arrays.scores
        self._zero_tf = arrays.zero_tf
        self._n_documents = len(arrays.doc_lengths)
        self._local = threading.local()

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
        """Index token lists in one streaming pass (`progress` shows a bar on the terminal)."""
        params = Bm25Params.of(variant, k1=k1, b=b, delta=delta, epsilon=epsilon)
        return cls(build_arrays(documents, params, progress=progress))

    @classmethod
    def load(cls, directory: Path) -> Bm25Index:
        """Memory-map an index saved by `save`; raises `IndexFormatError` if it is damaged."""
        return cls(load_arrays(Path(directory)))

    def save(self, directory: Path) -> None:
        """Write the index into `directory` atomically (temporary folder, then rename)."""
        save_arrays(self._arrays, Path(directory))

    @property
    def params(self) -> Bm25Params:
        """The BM25 variant and parameters this index ranks with."""
        return self._arrays.params

    @property
    def n_documents(self) -> int:
        """How many documents (ordinals 0..n-1) the index holds."""
        return self._n_documents

    @property
    def n_terms(self) -> int:
        """How many distinct tokens the index holds."""
        return len(self._vocabulary)

    @property
    def n_postings(self) -> int:
        """How many (term, document) pairs the index holds."""
        return len(self._docs)

    def document_frequency(self, token: str) -> int:
        """How many documents contain `token` (0 if none)."""
        term_id = self._vocabulary.get(token)
        if term_id is None:
            return 0
        return int(self._offsets[term_id + 1] - self._offsets[term_id])

    def _postings(self, query: Sequence[tuple[str, float]]) -> tuple[list[tuple[slice, float]], float]:
        """Posting ranges and weights of the query's known tokens, and the zero-tf constant sum."""
        ranges: list[tuple[slice, float]] = []
        constant = 0.0
        offsets = self._offsets
        for token, weight in query:
            term_id = self._vocabulary.get(token)
            if term_id is None:
                continue  # rank-bm25: `idf.get(q) or 0` makes unknown tokens score 0
            constant += weight * float(self._zero_tf[term_id])
            start, stop = int(offsets[term_id]), int(offsets[term_id + 1])
            ranges.append((slice(start, stop), float(weight)))
        return ranges, constant

    def _accumulator(self) -> np.ndarray:
        acc = getattr(self._local, "acc", None)
        if acc is None:
            acc = self._local.acc = np.zeros(self._n_documents, dtype=np.float64)
        return acc

    def top_k(self, query: Sequence[tuple[str, float]], k: int) -> list[tuple[int, float]]:
        """The k best documents for (token, weight) pairs: (ordinal, score), best first.

        score(d) = sum(weight * rank-bm25's score of token in d); ties go to the lower ordinal;
        documents containing none of the tokens are not returned.
        """
        if k <= 0:
            return []
        ranges, constant = self._postings(query)
        ranges = [(span, weight) for span, weight in ranges if span.stop > span.start]
        if not ranges:
            return []
        if len(ranges) == 1:
            span, weight = ranges[0]
            candidates = np.asarray(self._docs[span])
            values = np.asarray(self._scores[span]) if weight == 1.0 else weight * self._scores[span]
            return _select(candidates, values, k, 1, constant)

        acc = self._accumulator()
        parts = []
        for span, weight in ranges:
            docs = self._docs[span]
            # Ordinals are unique within one posting list, so fancy-index += adds each once.
            acc[docs] += self._scores[span] if weight == 1.0 else weight * self._scores[span]
            parts.append(docs)
        candidates = np.concatenate(parts)
        values = acc[candidates]
        acc[candidates] = 0.0
        return _select(candidates, values, k, len(ranges), constant)

    def scores_for(self, query: Sequence[tuple[str, float]], ordinals: Sequence[int]) -> np.ndarray:
        """The query's scores for the given document ordinals (for re-ranking a few candidates)."""
        wanted = np.asarray(ordinals, dtype=np.int64)
        ranges, constant = self._postings(query)
        result = np.full(len(wanted), constant, dtype=np.float64)
        for span, weight in ranges:
            docs = self._docs[span]
            if not len(docs):
                continue
            where = np.searchsorted(docs, wanted)
            inside = where < len(docs)
            found = np.zeros(len(wanted), dtype=bool)
            found[inside] = docs[where[inside]] == wanted[inside]
            result[found] += weight * self._scores[span][where[found]]
        return result


def _select(candidates: np.ndarray, values: np.ndarray, k: int, repeats: int, constant: float) -> list[tuple[int, float]]:
    """Exact top-k of candidates (each ordinal appears at most `repeats` times, same value each)."""
    keep = min(len(values), k * repeats)
    if keep < len(values):
        # The keep-th largest value is a safe threshold: at least k distinct documents reach it,
        # so every document of the true top k (ties included) does too.
        threshold = np.partition(values, len(values) - keep)[len(values) - keep]
        chosen = values >= threshold
        candidates, values = candidates[chosen], values[chosen]
    if repeats > 1:
        candidates, first = np.unique(candidates, return_index=True)
        values = values[first]
    order = np.lexsort((candidates, -values))[:k]
    return [(int(doc), float(score) + constant) for doc, score in zip(candidates[order], values[order])]
