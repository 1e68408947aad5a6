"""Stream token lists into compact posting arrays, then materialise BM25 scores per posting.

One pass over the documents keeps only a vocabulary (token -> id) and flat integer arrays (term id
and term frequency per (document, term) pair, length per document), about 8 bytes per posting:
never a per-document dict, never a second copy of the tokens.
"""

from __future__ import annotations

import logging
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from kilde.retrieval.index.model import Bm25Params, compute_idf, term_scores, zero_tf_scores

logger = logging.getLogger(__name__)

_PROGRESS_EVERY = 4096


@dataclass(frozen=True)
class IndexArrays:
    """Everything a `Bm25Index` is made of (in memory or memory-mapped)."""

    params: Bm25Params
    terms: list[str]  # term id -> token, in order of first appearance
    offsets: np.ndarray  # int64 [n_terms + 1]: postings of term t are offsets[t]:offsets[t+1]
    docs: np.ndarray  # int32 [n_postings]: document ordinals, ascending within a term
    scores: np.ndarray  # float64 [n_postings]: the term's score in that document
    zero_tf: np.ndarray  # float64 [n_terms]: the term's score in documents without it
    doc_lengths: np.ndarray  # int32 [n_documents]
    avgdl: float
    average_idf: float


@contextmanager
def _progress_bar(enabled: bool, total: int | None) -> Iterator:
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = [TextColumn("indexing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, transient=True) as bar:
        yield bar, bar.add_task("indexing", total=total)


class _Scan:
    """What the streaming pass collects; `_materialise` drops each piece once it is used."""

    def __init__(self) -> None:
        self.vocabulary: dict[str, int] = {}
        self.term_ids = array("i")
        self.frequencies = array("i")
        self.unique_per_doc = array("i")
        self.doc_lengths = array("i")


def build_arrays(
    documents: Iterable[Sequence[str]], params: Bm25Params, *, progress: bool = False
) -> IndexArrays:
    """Index token lists in one streaming pass; see the module docstring for the memory bound."""
    scan = _Scan()
    setdefault = scan.vocabulary.setdefault
    vocabulary, term_ids, frequencies = scan.vocabulary, scan.term_ids, scan.frequencies
    unique_per_doc, doc_lengths = scan.unique_per_doc, scan.doc_lengths
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
    del term_ids, frequencies, unique_per_doc
    return _materialise(scan, params)


_SCORE_CHUNK = 1 << 20  # postings scored at a time: bounds the float64 temporaries


def _materialise(scan: _Scan, params: Bm25Params) -> IndexArrays:
    n_documents = len(scan.doc_lengths)
    n_terms = len(scan.vocabulary)
    doc_lengths = np.frombuffer(scan.doc_lengths, dtype=np.int32).copy()
    tids = np.frombuffer(scan.term_ids, dtype=np.int32)
    df = np.bincount(tids, minlength=n_terms).astype(np.int64)
    offsets = np.zeros(n_terms + 1, dtype=np.int64)
    np.cumsum(df, out=offsets[1:])
    total_tokens = int(doc_lengths.sum(dtype=np.int64))
    avgdl = total_tokens / n_documents if n_documents else 0.0
    idf, average_idf = compute_idf(params, df, n_documents)

    # Group postings by term; a stable sort keeps document ordinals ascending within a term.
    order = np.argsort(tids, kind="stable")
    del tids
    scan.term_ids = array("i")  # frees the buffer
    unsorted_docs = np.repeat(
        np.arange(n_documents, dtype=np.int32), np.frombuffer(scan.unique_per_doc, dtype=np.int32)
    )
    scan.unique_per_doc = array("i")  # frees the buffer
    docs = unsorted_docs[order]
    del unsorted_docs
    tf = np.frombuffer(scan.frequencies, dtype=np.int32)[order]
    scan.frequencies = array("i")  # frees the buffer
    del order

    scores = np.empty(len(docs), dtype=np.float64)
    term_of_posting = np.repeat(np.arange(n_terms, dtype=np.int32), df)
    for start in range(0, len(docs), _SCORE_CHUNK):
        part = slice(start, start + _SCORE_CHUNK)
        scores[part] = term_scores(
            params, idf[term_of_posting[part]], tf[part], doc_lengths[docs[part]], avgdl
        )
    del term_of_posting, tf
    logger.info("indexed %d documents, %d terms, %d postings", n_documents, n_terms, len(docs))
    return IndexArrays(
        params=params,
        terms=list(scan.vocabulary),
        offsets=offsets,
        docs=docs,
        scores=scores,
        zero_tf=zero_tf_scores(params, idf),
        doc_lengths=doc_lengths,
        avgdl=avgdl,
        average_idf=average_idf,
    )
