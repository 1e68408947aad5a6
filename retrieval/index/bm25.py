"""`Bm25Index`: rank-bm25's ranking over precomputed per-term document scores, exact top-k."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from kilde.retrieval.index.build import IndexArrays, build_arrays
from kilde.retrieval.index.model import Bm25Params
from kilde.retrieval.index.storage import load_arrays, save_arrays


class Bm25Index:
    """BM25 over token lists, ranking exactly as rank-bm25 defines it, with exact top-k.

    A query sums the posting lists of its terms into a reusable dense accumulator (one per thread)
    and selects the top k with a partition, so its cost follows the postings it touches, not the
    corpus size. BM25Plus gives every document a per-term constant for terms it lacks; ranking
    sums scores above that constant, then re-scores the few documents near the top exactly.
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

    def _postings(self, query: Sequence[tuple[str, float]]) -> list[tuple[slice, float, float]]:
        """(posting range, weight, zero-tf score) of the query's known tokens, in query order."""
        ranges: list[tuple[slice, float, float]] = []
        offsets = self._offsets
        for token, weight in query:
            term_id = self._vocabulary.get(token)
            if term_id is None:
                continue  # rank-bm25: `idf.get(q) or 0` makes unknown tokens score 0
            start, stop = int(offsets[term_id]), int(offsets[term_id + 1])
            ranges.append((slice(start, stop), float(weight), float(self._zero_tf[term_id])))
        return ranges

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
        ranges = self._postings(query)
        nonempty = [(span, weight, zero) for span, weight, zero in ranges if span.stop > span.start]
        if not nonempty:
            return []
        if len(nonempty) == 1 and len(ranges) == 1:
            # One term: its stored scores are rank-bm25's numbers for the documents that have it.
            span, weight, _ = nonempty[0]
            scores = np.asarray(self._scores[span])
            values = scores if weight == 1.0 else weight * scores
            candidates, values = _shortlist(np.asarray(self._docs[span]), values, k, 1, 0.0)
            return _best(candidates, values, k)

        # Sum each term's score above its zero-tf score: the terms a document lacks then add
        # nothing, and every document is off by the same constant, which does not change ranks.
        acc = self._accumulator()
        parts = []
        shifted = False
        for span, weight, zero in nonempty:
            docs = self._docs[span]
            scores = np.asarray(self._scores[span])
            if zero != 0.0:
                scores = scores - zero
                shifted = True
            # Ordinals are unique within one posting list, so fancy-index += adds each once.
            acc[docs] += scores if weight == 1.0 else weight * scores
            parts.append(docs)
        candidates = np.concatenate(parts)
        values = acc[candidates]
        acc[candidates] = 0.0
        if not shifted:  # Okapi, BM25L: these sums are already rank-bm25's, bit for bit
            candidates, values = _shortlist(candidates, values, k, len(nonempty), 0.0)
            return _best(candidates, values, k)
        # BM25Plus: re-add the constants in rank-bm25's order for the few documents near the
        # top, so that scores and near-ties come out exactly as rank-bm25's.
        slack = 1e-9 * (1.0 + float(np.abs(values).max()) + sum(abs(w * z) for _, w, z in ranges))
        candidates, _ = _shortlist(candidates, values, k, len(nonempty), slack)
        return _best(candidates, self._exact_scores(ranges, candidates), k)

    def scores_for(
        self, query: Sequence[tuple[str, float]], ordinals: Sequence[int] | np.ndarray
    ) -> np.ndarray:
        """The query's scores for the given document ordinals (for re-ranking a few candidates)."""
        return self._exact_scores(self._postings(query), np.asarray(ordinals, dtype=np.int64))

    def _exact_scores(self, ranges: list[tuple[slice, float, float]], wanted: np.ndarray) -> np.ndarray:
        """Scores summed term by term in query order, as rank-bm25's get_scores adds them."""
        result = np.zeros(len(wanted), dtype=np.float64)
        for span, weight, zero in ranges:
            docs = self._docs[span]
            values = np.full(len(wanted), zero, dtype=np.float64)
            if len(docs):
                where = np.searchsorted(docs, wanted)
                inside = where < len(docs)
                found = np.zeros(len(wanted), dtype=bool)
                found[inside] = docs[where[inside]] == wanted[inside]
                values[found] = self._scores[span][where[found]]
            result += values if weight == 1.0 else weight * values
        return result


def _shortlist(
    candidates: np.ndarray, values: np.ndarray, k: int, repeats: int, slack: float
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct candidates that may be in the top k: value >= (k-th best value - slack).

    Each ordinal appears at most `repeats` times in `candidates`, always with the same value.
    """
    keep = min(len(values), k * repeats)
    if keep < len(values):
        # The keep-th largest value is a safe threshold: at least k distinct documents reach it,
        # so every document of the true top k (ties included) does too.
        threshold = np.partition(values, len(values) - keep)[len(values) - keep]
        chosen = values >= threshold - slack
        candidates, values = candidates[chosen], values[chosen]
    if repeats > 1:
        candidates, first = np.unique(candidates, return_index=True)
        values = values[first]
    if slack and len(values) > k:
        kth = np.partition(values, len(values) - k)[len(values) - k]
        chosen = values >= kth - slack
        candidates, values = candidates[chosen], values[chosen]
    return candidates, values


def _best(candidates: np.ndarray, values: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The k best (ordinal, score) pairs: highest score first, ties to the lower ordinal."""
    order = np.lexsort((candidates, -values))[:k]
    return [(int(doc), float(score)) for doc, score in zip(candidates[order], values[order], strict=True)]
