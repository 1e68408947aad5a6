"""`Bm25Index`: rank-bm25's ranking over one or more segments, exact top-k.

The collection is the live documents of its segments, in segment order: its statistics (size,
average length, document frequencies, and for Okapi the average idf summed in rank-bm25's order
of first appearance) are computed once when the index is opened, and each question scores the
postings of its terms from their term frequencies, exactly as rank-bm25's `get_scores` does.
Documents masked out (removed or replaced articles) count for nothing and are never returned.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from kilde.retrieval.filearray import FileArray
from kilde.retrieval.index import _postings
from kilde.retrieval.index.model import (
    Bm25Params,
    compute_idf,
    length_norms,
    posting_scores,
    zero_tf_scores,
)
from kilde.retrieval.index.segment import Segment, build_segment, merge_segments
from kilde.retrieval.index.storage import load_arrays, load_params, save_arrays

logger = logging.getLogger(__name__)

_VARIANT = {"okapi": _postings.OKAPI, "plus": _postings.PLUS, "l": _postings.L}

# The posting arrays of a part, as `_read` names them.
_DOCS, _TF, _RANK = 0, 1, 2


class Bm25Index:
    """BM25 over token lists, ranking exactly as rank-bm25 defines it, with exact top-k.

    A query sums the posting lists of its terms into a reusable dense accumulator (one per thread)
    and selects the top k with a partition, so its cost follows the postings it touches, not the
    corpus size. BM25Plus gives every document a per-term constant for terms it lacks; ranking
    sums scores above that constant, then re-scores the few documents near the top exactly.
    """

    def __init__(
        self, parts: Sequence[tuple[Segment, np.ndarray | None]], params: Bm25Params
    ) -> None:
        self._parts = [segment for segment, _ in parts]
        self._params = params
        # A saved segment's postings are read by pread, not through their mapping (filearray).
        self._files = [(FileArray.of(s.docs), FileArray.of(s.tf), FileArray.of(s.rank))
                       for s in self._parts]
        sizes = [segment.n_documents for segment in self._parts]
        self._bases = np.concatenate(([0], np.cumsum(sizes, dtype=np.int64)))
        self._n_ordinals = int(self._bases[-1])
        masks = [live for _, live in parts]
        self._live: np.ndarray | None = None
        if any(live is not None for live in masks):
            self._live = np.concatenate(
                [np.ones(n, dtype=bool) if live is None else np.asarray(live, dtype=bool)
                 for n, live in zip(sizes, masks, strict=True)]
            ) if sizes else np.zeros(0, dtype=bool)
        lengths = (np.concatenate([np.asarray(s.doc_lengths) for s in self._parts])
                   if self._parts else np.zeros(0, dtype=np.int32))
        live_lengths = lengths if self._live is None else lengths[self._live]
        self._n_documents = len(live_lengths)
        total_tokens = int(live_lengths.sum(dtype=np.int64))
        self.avgdl = total_tokens / self._n_documents if self._n_documents else 0.0
        self._statistics(masks)
        # Per document only its length (in the narrowest type that holds it: random reads of a
        # small array stay in the cache), and the length normalisation from a table by length.
        longest = int(lengths.max()) if len(lengths) else 0
        self._lengths = lengths.astype(np.uint16 if longest < 2**16 else np.int32)
        self._norm_of_length = length_norms(params, np.arange(longest + 1), self.avgdl)
        # what the compiled loops take for "no mask"
        self._live_marks = (np.zeros(0, dtype=np.uint8) if self._live is None
                            else self._live.view(np.uint8))
        self._local = threading.local()

    def _statistics(self, masks: list[np.ndarray | None]) -> None:
        """Global term ids (the first segment's, then new terms), live document frequencies,
        idf in rank-bm25's order of first appearance."""
        first_vocabulary = self._parts[0].vocabulary if self._parts else {}
        extra: dict[str, int] = {}
        n_first = len(first_vocabulary)
        local_ids: list[np.ndarray] = []  # per part: global id of each of its terms
        for segment in self._parts[1:]:
            ids = np.empty(len(segment.terms), dtype=np.int64)
            for term_id, term in enumerate(segment.terms):
                global_id = first_vocabulary.get(term)
                if global_id is None:
                    global_id = extra.setdefault(term, n_first + len(extra))
                ids[term_id] = global_id
            local_ids.append(ids)
        self._first_vocabulary, self._extra_vocabulary = first_vocabulary, extra
        n_terms = n_first + len(extra)
        df = np.zeros(n_terms, dtype=np.int64)
        appearance = []
        for index, (segment, live) in enumerate(zip(self._parts, masks, strict=True)):
            order, local_df = segment.first_appearance(live)
            ids = local_ids[index - 1] if index else np.arange(len(segment.terms), dtype=np.int64)
            np.add.at(df, ids, local_df)
            appearance.append(ids[order])
        sequence = np.concatenate(appearance) if appearance else np.zeros(0, dtype=np.int64)
        _, first = np.unique(sequence, return_index=True)
        order = sequence[np.sort(first)]  # each live term once, at its first appearance
        ordered_idf, self.average_idf = compute_idf(self._params, df[order], self._n_documents)
        idf = np.zeros(n_terms, dtype=np.float64)
        idf[order] = ordered_idf
        self._df, self._idf = df, idf
        self._zero_tf = zero_tf_scores(self._params, idf)
        # Per part after the first: its term id for each global id (-1: not in that part).
        self._part_term: list[np.ndarray | None] = [None]
        for ids in local_ids:
            mapping = np.full(n_terms, -1, dtype=np.int64)
            mapping[ids] = np.arange(len(ids), dtype=np.int64)
            self._part_term.append(mapping)
        self._n_terms = len(order)

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
        return cls([(build_segment(documents, progress=progress), None)], params)

    @classmethod
    def load(cls, directory: Path, params: Bm25Params | None = None) -> Bm25Index:
        """Memory-map an index saved by `save`; raises `IndexFormatError` if it is damaged."""
        directory = Path(directory)
        saved = load_params(directory)
        return cls([(load_arrays(directory), None)], params or saved or Bm25Params.of())

    def save(self, directory: Path) -> None:
        """Write the index (its live documents, as one segment) into `directory` atomically."""
        save_arrays(self.merged(), Path(directory), self._params)

    def merged(self) -> Segment:
        """The live documents as one segment (the segment itself when there is only one)."""
        if len(self._parts) == 1 and self._live is None:
            return self._parts[0]
        return merge_segments(list(zip(self._parts, self._masks(), strict=True)))

    def _masks(self) -> list[np.ndarray | None]:
        if self._live is None:
            return [None] * len(self._parts)
        return [self._live[self._bases[i]:self._bases[i + 1]] for i in range(len(self._parts))]

    @property
    def params(self) -> Bm25Params:
        """The BM25 variant and parameters this index ranks with."""
        return self._params

    @property
    def n_documents(self) -> int:
        """How many live documents the collection holds (rank-bm25's corpus size)."""
        return self._n_documents

    @property
    def n_ordinals(self) -> int:
        """Document ordinals in use, masked ones included (0..n_ordinals-1)."""
        return self._n_ordinals

    @property
    def n_terms(self) -> int:
        """How many distinct tokens the live documents hold."""
        return self._n_terms

    @property
    def n_postings(self) -> int:
        """How many (term, document) pairs the segments hold (masked documents included)."""
        return sum(len(segment.docs) for segment in self._parts)

    @property
    def n_segments(self) -> int:
        return len(self._parts)

    def is_live(self, doc: int) -> bool:
        """Whether the document ordinal is part of the collection (not masked)."""
        return self._live is None or bool(self._live[doc])

    def _term_id(self, token: str) -> int | None:
        term_id = self._first_vocabulary.get(token)
        if term_id is None:
            term_id = self._extra_vocabulary.get(token)
        if term_id is None or not self._df[term_id]:
            return None
        return term_id

    def document_frequency(self, token: str) -> int:
        """How many live documents contain `token` (0 if none)."""
        term_id = self._term_id(token)
        return 0 if term_id is None else int(self._df[term_id])

    def terms(self) -> list[str]:
        """Every token some live document contains, by term id."""
        first = self._parts[0].terms if self._parts else []
        live = self._df.astype(bool)
        terms = [first[i] for i in np.flatnonzero(live[: len(first)]).tolist()]
        terms += [term for term, term_id in self._extra_vocabulary.items() if live[term_id]]
        return terms

    def _terms(self, query: Sequence[tuple[str, float]]) -> list[tuple[int, float]]:
        """(global term id, weight) of the query's known tokens, in query order."""
        terms = []
        for token, weight in query:
            term_id = self._term_id(token)
            if term_id is not None:  # rank-bm25: `idf.get(q) or 0` makes unknown tokens score 0
                terms.append((term_id, float(weight)))
        return terms

    def _span(self, part: int, term_id: int) -> tuple[int, int] | None:
        """(start, stop) of the term's postings in one part, None if it has none there."""
        segment = self._parts[part]
        mapping = self._part_term[part]
        local = term_id if mapping is None else int(mapping[term_id])
        if local < 0 or local >= len(segment.terms):
            return None
        start, stop = int(segment.offsets[local]), int(segment.offsets[local + 1])
        return (start, stop) if stop > start else None

    def _read(self, part: int, array: int, start: int, stop: int) -> np.ndarray:
        """Postings start:stop of one part's docs, tf or rank (`_DOCS`, `_TF`, `_RANK`), as
        int32 (the saved format's type)."""
        file = self._files[part][array]
        if file is not None:
            return file.read(start, stop)
        segment = self._parts[part]
        return np.ascontiguousarray((segment.docs, segment.tf, segment.rank)[array][start:stop],
                                    dtype=np.int32)

    def _spans(self, term_id: int) -> list[tuple[int, int, int]]:
        """(part, start, stop) of the term's postings in each part that has it."""
        spans = []
        for part in range(len(self._parts)):
            span = self._span(part, term_id)
            if span is not None:
                spans.append((part, *span))
        return spans

    def _buffers(self) -> tuple[np.ndarray, np.ndarray]:
        """This thread's score accumulator and seen marks, one per document ordinal, all zero
        between questions."""
        buffers = getattr(self._local, "buffers", None)
        if buffers is None:
            # Every page touched now (np.zeros would leave them to fault in on the first
            # questions, ~2,000 faults for a million documents).
            acc = np.empty(self._n_ordinals, dtype=np.float64)
            acc.fill(0.0)
            seen = np.empty(self._n_ordinals, dtype=np.uint8)
            seen.fill(0)
            buffers = self._local.buffers = (acc, seen)
        return buffers

    def top_k(self, query: Sequence[tuple[str, float]], k: int) -> list[tuple[int, float]]:
        """The k best documents for (token, weight) pairs: (ordinal, score), best first.

        score(d) = sum(weight * rank-bm25's score of token in d); ties go to the lower ordinal;
        documents containing none of the tokens are not returned.
        """
        if k <= 0:
            return []
        terms = self._terms(query)
        if not terms:
            return []
        candidates, values = self._summed(terms)
        if not any(float(self._zero_tf[t]) for t, _ in terms):
            # Okapi, BM25L: these sums are already rank-bm25's, bit for bit
            n = _postings.best(candidates, values, len(values), k)
            return list(zip(candidates[:n].tolist(), values[:n].tolist(), strict=True))
        # BM25Plus: re-add the constants in rank-bm25's order for the few documents near the
        # top, so that scores and near-ties come out exactly as rank-bm25's.
        if not len(values):
            return []
        zeros = sum(abs(w * float(self._zero_tf[t])) for t, w in terms)
        slack = 1e-9 * (1.0 + float(np.abs(values).max()) + zeros)
        candidates, _ = _shortlist(candidates, values, k, slack)
        return _best(candidates, self._exact_scores(terms, candidates), k)

    def _summed(self, terms: list[tuple[int, float]]) -> tuple[np.ndarray, np.ndarray]:
        """Every live document that has one of the terms, and its sum of weight × (the term's
        score - its zero-tf score): the terms a document lacks then add nothing, and every
        document is off by the same constant, which does not change ranks (it is 0 but for
        BM25Plus). Summed and gathered by the compiled loops (`_postings`)."""
        acc, seen = self._buffers()
        params = self._params
        try:
            postings = []  # (docs, base) of every posting list summed
            for term_id, weight in terms:
                idf, zero = float(self._idf[term_id]), float(self._zero_tf[term_id])
                for part, start, stop in self._spans(term_id):
                    docs, base = self._read(part, _DOCS, start, stop), int(self._bases[part])
                    _postings.add_scores(acc, docs, self._read(part, _TF, start, stop), base,
                                         self._lengths, self._norm_of_length,
                                         _VARIANT[params.variant], params.k1, params.delta, idf,
                                         weight, zero)
                    postings.append((docs, base))
            total = sum(len(docs) for docs, _ in postings)
            candidates, values = np.empty(total, dtype=np.int64), np.empty(total, dtype=np.float64)
            count = 0
            for docs, base in postings:
                count = _postings.collect(acc, seen, docs, base, self._live_marks, candidates,
                                          values, count)
            for docs, base in postings:
                _postings.release(seen, docs, base)
        except BaseException:
            # A question cut short (a posting file that cannot be read) leaves sums and marks
            # behind: this thread's next question starts from fresh buffers.
            self._local.buffers = None
            raise
        return candidates[:count], values[:count]

    def scores_for(
        self, query: Sequence[tuple[str, float]], ordinals: Sequence[int] | np.ndarray
    ) -> np.ndarray:
        """The query's scores for the given document ordinals (for re-ranking a few candidates)."""
        return self._exact_scores(self._terms(query), np.asarray(ordinals, dtype=np.int64))

    def range_places(
        self, tokens: Sequence[str], starts: np.ndarray, stops: np.ndarray
    ) -> np.ndarray:
        """tokens × documents: where each token appears in each document of the ranges
        `starts[i]:stops[i]` (ascending, disjoint; their documents back to back), as its place
        among the document's distinct tokens in order of first appearance (`first_places`),
        -1 where it does not (whatever its score).

        Two binary searches per range and token find the postings inside the ranges (compiled,
        `_postings.place_ranges`), so the cost follows the number of ranges and of the postings
        inside them.
        """
        starts = np.ascontiguousarray(starts, dtype=np.int64)
        stops = np.ascontiguousarray(stops, dtype=np.int64)
        lengths = stops - starts
        out = np.full((len(tokens), int(lengths.sum())), -1, dtype=np.int64)
        if not len(starts):
            return out
        columns = np.cumsum(lengths) - lengths  # where each range's documents begin in `out`
        term_ids = [self._term_id(token) for token in tokens]
        for part, segment in enumerate(self._parts):
            base = int(self._bases[part])
            if stops[-1] <= base or starts[0] >= base + segment.n_documents:
                continue
            for row, term_id in enumerate(term_ids):
                span = None if term_id is None else self._span(part, term_id)
                if span is not None:
                    _postings.place_ranges(out, row, self._read(part, _DOCS, *span),
                                           self._read(part, _RANK, *span), base, starts, stops,
                                           columns)
        return out

    def contains(self, tokens: Sequence[str], ordinals: Sequence[int] | np.ndarray) -> np.ndarray:
        """Whether each given document has at least one of the tokens (whatever their score:
        Okapi gives a word in half the documents an idf, and so a score, of exactly 0)."""
        wanted = np.asarray(ordinals, dtype=np.int64)
        found_any = np.zeros(len(wanted), dtype=bool)
        for term_id, _ in self._terms([(token, 1.0) for token in tokens]):
            for part, start, stop in self._spans(term_id):
                docs = self._read(part, _DOCS, start, stop)
                local = _local(wanted, int(self._bases[part]))
                where = np.minimum(np.searchsorted(docs, local), len(docs) - 1)
                found_any |= docs[where] == local
        return found_any

    def first_places(self, tokens: Sequence[str], ordinals: Sequence[int] | np.ndarray) -> np.ndarray:
        """Where in each given document the first of the tokens appears, as its place among the
        document's distinct tokens in order of first appearance (-1: none of them is there)."""
        wanted = np.asarray(ordinals, dtype=np.int64)
        first = np.full(len(wanted), np.iinfo(np.int64).max, dtype=np.int64)
        for term_id, _ in self._terms([(token, 1.0) for token in tokens]):
            for part, start, stop in self._spans(term_id):
                docs = self._read(part, _DOCS, start, stop)
                local = wanted - int(self._bases[part]) if part else wanted
                where = np.minimum(np.searchsorted(docs, local), len(docs) - 1)
                here = docs[where] == local
                places = self._read(part, _RANK, start, stop)[where]
                first = np.where(here, np.minimum(first, places), first)
        return np.where(first == np.iinfo(np.int64).max, -1, first)

    def _exact_scores(self, terms: list[tuple[int, float]], wanted: np.ndarray) -> np.ndarray:
        """Scores summed term by term in query order, as rank-bm25's get_scores adds them."""
        result = np.zeros(len(wanted), dtype=np.float64)
        for term_id, weight in terms:
            values = np.full(len(wanted), float(self._zero_tf[term_id]), dtype=np.float64)
            idf = float(self._idf[term_id])
            for part, start, stop in self._spans(term_id):
                docs = self._read(part, _DOCS, start, stop)
                local = _local(wanted, int(self._bases[part]))
                where = np.minimum(np.searchsorted(docs, local), len(docs) - 1)
                found = docs[where] == local  # ordinals of other parts never match
                if found.any():
                    tf = self._read(part, _TF, start, stop)[where[found]]
                    norm = np.take(self._norm_of_length, self._lengths[wanted[found]])
                    values[found] = posting_scores(self._params, idf, tf, norm)
            result += values if weight == 1.0 else weight * values
        return result


def _local(ordinals: np.ndarray, base: int) -> np.ndarray:
    """Collection ordinals as int32 ordinals of a part starting at `base` (clipped to the
    int32 range): int32 needles keep searchsorted from copying an int32 posting list."""
    return np.clip(ordinals - base, -1, 2**31 - 1).astype(np.int32)


def _shortlist(
    candidates: np.ndarray, values: np.ndarray, k: int, slack: float
) -> tuple[np.ndarray, np.ndarray]:
    """The distinct candidates that may be in the top k: value >= (k-th best value - slack)."""
    if len(values) > k:
        kth = np.partition(values, len(values) - k)[len(values) - k]
        chosen = values >= kth - slack
        candidates, values = candidates[chosen], values[chosen]
    return candidates, values


def _best(candidates: np.ndarray, values: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The k best (ordinal, score) pairs: highest score first, ties to the lower ordinal."""
    order = np.lexsort((candidates, -values))[:k]
    return list(zip(candidates[order].tolist(), values[order].tolist(), strict=True))
