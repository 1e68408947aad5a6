"""A segment: the postings of a run of documents, without any collection-wide statistic.

A segment stores, per (term, document) pair, the term frequency and the term's rank among the
document's distinct tokens in order of first appearance. It stores no score: BM25 scores depend
on the whole collection (its size, average length, document frequencies), so they are computed
per question from these counts (`Bm25Index`), and a collection can grow by adding segments, drop
documents by masking them, and merge segments, while scoring stays exactly rank-bm25's.

The rank is what makes a merge exact: rank-bm25 numbers terms by first appearance over the
collection, and with documents masked, a term's first appearance is (its first live document,
its rank there).

One streaming pass over the documents keeps only a vocabulary (token -> id) and flat integer
arrays (term id and frequency per pair, counts per document), about 8 bytes per posting: never a
per-document dict, never a second copy of the tokens.
"""

from __future__ import annotations

import logging
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from kilde.retrieval.filearray import FileArray

logger = logging.getLogger(__name__)

_PROGRESS_EVERY = 4096
# Postings per chunk when a mask is applied to a segment's postings (16 MB of int32 per read).
_CHUNK_POSTINGS = 1 << 22


@dataclass(frozen=True)
class Segment:
    """Postings of documents 0..n-1 of one segment (in memory or memory-mapped)."""

    terms: list[str]  # term id -> token, in order of first appearance in the segment
    offsets: np.ndarray  # int64 [n_terms + 1]: postings of term t are offsets[t]:offsets[t+1]
    docs: np.ndarray  # int32 [n_postings]: document ordinals, ascending within a term
    tf: np.ndarray  # int32 [n_postings]: how often the term occurs in the document
    rank: np.ndarray  # int32 [n_postings]: the term's place among the document's distinct tokens
    doc_lengths: np.ndarray  # int32 [n_documents]: tokens per document

    @property
    def n_documents(self) -> int:
        return len(self.doc_lengths)

    @cached_property
    def vocabulary(self) -> dict[str, int]:
        """Token -> term id (built once per segment: a reload reuses it)."""
        return dict(zip(self.terms, range(len(self.terms)), strict=True))  # in C: ~0.02 s less at 1M

    def document_frequencies(self) -> np.ndarray:
        return np.diff(self.offsets)

    def first_appearance(self, live: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Terms that occur in a live document, in order of first appearance, and their
        live document frequencies (indexed by term id)."""
        if live is None:
            df = self.document_frequencies()
            return np.arange(len(self.terms), dtype=np.int64), df
        n_terms = len(self.terms)
        offsets = np.asarray(self.offsets)
        df = np.zeros(n_terms, dtype=np.int64)
        first = np.full(n_terms, -1, dtype=np.int64)  # each term's first live posting
        key = np.zeros(n_terms, dtype=np.int64)  # (its document, its rank there)
        docs_file, rank_file = FileArray.of(self.docs), FileArray.of(self.rank)
        # Chunk by chunk, read by pread when saved: a whole posting array read through its
        # mapping stayed resident (with its int64 running count, ~190 MB at 1M paragraphs).
        for a in range(0, len(self.docs), _CHUNK_POSTINGS):
            b = min(a + _CHUNK_POSTINGS, len(self.docs))
            docs = docs_file.read(a, b) if docs_file is not None else np.asarray(self.docs[a:b])
            live_index = np.flatnonzero(live[docs])
            if not len(live_index):
                continue
            # the terms with a posting in a:b, and how many of their live postings lie there
            low = int(np.searchsorted(offsets, a, side="right")) - 1
            high = int(np.searchsorted(offsets, b, side="left"))
            starts = np.clip(offsets[low:high] - a, 0, b - a)
            stops = np.clip(offsets[low + 1:high + 1] - a, 0, b - a)
            counts = np.searchsorted(live_index, stops) - np.searchsorted(live_index, starts)
            df[low:high] += counts
            new = np.flatnonzero((counts > 0) & (first[low:high] < 0))
            if not len(new):
                continue
            at = live_index[np.searchsorted(live_index, starts[new])]
            first[low + new] = a + at
            ranks = rank_file.read(a, b) if rank_file is not None else np.asarray(self.rank[a:b])
            key[low + new] = docs[at].astype(np.int64) * (1 << 31) + ranks[at]
        present = np.flatnonzero(df > 0)
        return present[np.argsort(key[present], kind="stable")], df


@contextmanager
def _progress_bar(enabled: bool, total: int | None) -> Iterator:
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = [TextColumn("indexing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, transient=True) as bar:
        yield bar, bar.add_task("indexing", total=total)


def build_segment(documents: Iterable[Sequence[str]], *, progress: bool = False) -> Segment:
    """Index token lists in one streaming pass; see the module docstring for the memory bound."""
    vocabulary: dict[str, int] = {}
    setdefault = vocabulary.setdefault
    term_ids, frequencies = array("i"), array("i")
    unique_per_doc, doc_lengths = array("i"), array("i")
    total = len(documents) if hasattr(documents, "__len__") else None  # type: ignore[arg-type]
    with _progress_bar(progress, total) as bar:
        for n, document in enumerate(documents, 1):
            if isinstance(document, str):
                raise TypeError("documents must be sequences of tokens, not strings")
            counts = Counter(document)  # keeps first-appearance order, as rank-bm25's dict does
            # len(vocabulary) is evaluated before each call: a new token gets the next id.
            term_ids.extend([setdefault(token, len(vocabulary)) for token in counts])
            frequencies.extend(counts.values())
            unique_per_doc.append(len(counts))
            doc_lengths.append(counts.total())
            if bar is not None and n % _PROGRESS_EVERY == 0:
                bar[0].update(bar[1], completed=n)
        if bar is not None:
            bar[0].update(bar[1], completed=len(doc_lengths), total=len(doc_lengths))
    return _segment_of_documents(list(vocabulary), np.frombuffer(term_ids, dtype=np.int32),
                                 frequencies, unique_per_doc, doc_lengths)


def segment_of_counts(
    documents: Iterable[Mapping[int, int]], names: Sequence[str], *, progress: bool = False
) -> Segment:
    """`build_segment` of documents given as token counts: per document, token id -> how often,
    in order of first appearance (a `Counter` of the tokens); `names[id]` is the token.

    Ids may come from a larger numbering (shared by many segments): the segment's own term ids
    are given afterwards, in one numpy pass, in order of first appearance. Per document only C
    code runs (the arrays extended from the dict), so this costs a fraction of the tokens'
    Python loop in `build_segment`.
    """
    term_ids, frequencies = array("i"), array("i")
    unique_per_doc, doc_lengths = array("i"), array("i")
    total = len(documents) if hasattr(documents, "__len__") else None  # type: ignore[arg-type]
    with _progress_bar(progress, total) as bar:
        for n, counts in enumerate(documents, 1):
            term_ids.extend(counts)
            frequencies.extend(counts.values())
            unique_per_doc.append(len(counts))
            doc_lengths.append(sum(counts.values()))
            if bar is not None and n % _PROGRESS_EVERY == 0:
                bar[0].update(bar[1], completed=n)
        if bar is not None:
            bar[0].update(bar[1], completed=len(doc_lengths), total=len(doc_lengths))
    given = np.frombuffer(term_ids, dtype=np.int32)
    present, first = np.unique(given, return_index=True)
    order = np.argsort(first)  # present ids, by first appearance
    local = np.zeros(int(present[-1]) + 1 if len(present) else 0, dtype=np.int32)
    local[present[order]] = np.arange(len(present), dtype=np.int32)
    return _segment_of_documents([names[i] for i in present[order].tolist()], local[given],
                                 frequencies, unique_per_doc, doc_lengths)


def _segment_of_documents(
    terms: list[str], term_of: np.ndarray, frequencies: array, unique_per_doc: array,
    doc_lengths: array,
) -> Segment:
    """The segment of documents given document by document: each one's distinct terms
    (`term_of`, the segment's own ids, in order of first appearance) and their frequencies,
    `unique_per_doc[d]` of them for document d."""
    unique = np.frombuffer(unique_per_doc, dtype=np.int32)
    starts = np.repeat(np.cumsum(unique, dtype=np.int64) - unique, unique)
    segment = _group_by_term(
        terms, term_of,
        np.repeat(np.arange(len(unique), dtype=np.int32), unique),
        np.frombuffer(frequencies, dtype=np.int32),
        (np.arange(len(term_of), dtype=np.int64) - starts).astype(np.int32),
        np.frombuffer(doc_lengths, dtype=np.int32).copy(),
    )
    logger.info("indexed %d documents, %d terms, %d postings",
                segment.n_documents, len(segment.terms), len(segment.docs))
    return segment


def _group_by_term(
    terms: list[str], term_of: np.ndarray, docs: np.ndarray, tf: np.ndarray, rank: np.ndarray,
    doc_lengths: np.ndarray,
) -> Segment:
    """Postings given in document order, grouped by term (a stable sort keeps docs ascending)."""
    order = np.argsort(term_of, kind="stable")
    offsets = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum(np.bincount(term_of, minlength=len(terms)), out=offsets[1:])
    return Segment(terms, offsets, docs[order], tf[order], rank[order], doc_lengths)


def merge_segments(parts: Sequence[tuple[Segment, np.ndarray | None]]) -> Segment:
    """One segment of the live documents of `parts` (segment, live mask or None), in order.

    The result is what `build_segment` gives for those documents' tokens, array for array.
    Two passes and no sort: the first numbers the terms in order of first appearance and counts
    their live postings, which fixes every term's place in the output; the second copies each
    part's postings to their places (parts in order, so documents ascend within a term).
    """
    vocabulary: dict[str, int] = {}
    plans: list[tuple[np.ndarray, np.ndarray]] = []  # per part: new id and live df per term
    for segment, live in parts:
        order, df = segment.first_appearance(live)
        terms = segment.terms
        for term_id in order.tolist():
            vocabulary.setdefault(terms[term_id], len(vocabulary))
        new_id = np.fromiter((vocabulary.get(term, -1) for term in terms), dtype=np.int64,
                             count=len(terms))
        plans.append((new_id, np.asarray(df, dtype=np.int64)))
    counts = np.zeros(len(vocabulary), dtype=np.int64)
    for new_id, df in plans:
        present = df > 0
        counts[new_id[present]] += df[present]  # a term appears once per part: no repeats
    offsets = np.zeros(len(vocabulary) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    total = int(offsets[-1])
    docs_out = np.empty(total, dtype=np.int32)
    tf_out = np.empty(total, dtype=np.int32)
    rank_out = np.empty(total, dtype=np.int32)
    filled = offsets[:-1].copy()  # each term's next free place
    lengths: list[np.ndarray] = []
    base = 0
    for (segment, live), (new_id, df) in zip(parts, plans, strict=True):
        docs, tf, rank = np.asarray(segment.docs), np.asarray(segment.tf), np.asarray(segment.rank)
        if live is None:
            docs = docs + np.int32(base)
            lengths.append(np.asarray(segment.doc_lengths))
        else:
            keep = live[docs]
            renumber = (np.cumsum(live, dtype=np.int64) - 1 + base).astype(np.int32)
            docs, tf, rank = renumber[docs[keep]], tf[keep], rank[keep]
            lengths.append(np.asarray(segment.doc_lengths)[live])
        present = df > 0
        runs, places = df[present], filled[new_id[present]]
        # The kept postings come term by term (ascending local ids), `runs[i]` for term i.
        shift = np.repeat(places - (np.cumsum(runs) - runs), runs)
        destination = shift + np.arange(len(docs), dtype=np.int64)
        docs_out[destination] = docs
        tf_out[destination] = tf
        rank_out[destination] = rank
        filled[new_id[present]] += runs
        base += len(lengths[-1])
    doc_lengths = (np.concatenate(lengths).astype(np.int32) if lengths
                   else np.zeros(0, dtype=np.int32))
    return Segment(list(vocabulary), offsets, docs_out, tf_out, rank_out, doc_lengths)
