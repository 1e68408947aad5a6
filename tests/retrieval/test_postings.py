"""The compiled per-posting loops against numpy doing the same (rank-bm25 parity of the whole
top k is in test_index.py)."""

from __future__ import annotations

import numpy as np
import pytest

from kilde.retrieval.index import Bm25Params, _postings
from kilde.retrieval.index.bm25 import _VARIANT
from kilde.retrieval.index.model import length_norms, posting_scores


@pytest.mark.parametrize("seed", range(8))
def test_best_picks_what_a_full_sort_picks(seed: int) -> None:
    rng = np.random.default_rng(seed)
    count = int(rng.integers(0, 400))
    docs = rng.permutation(10_000)[:count].astype(np.int64)
    values = rng.integers(0, 12, count).astype(np.float64) / 4  # many exact ties
    for k in (0, 1, 7, 60, count, count + 5):
        got_docs, got_values = docs.copy(), values.copy()
        n = _postings.best(got_docs, got_values, count, k)
        order = np.lexsort((docs, -values))[:k]  # highest first, ties to the lower ordinal
        assert n == len(order)
        assert got_docs[:n].tolist() == docs[order].tolist()
        assert got_values[:n].tolist() == values[order].tolist()


@pytest.mark.parametrize("variant", ["okapi", "l", "plus"])
@pytest.mark.parametrize("length_type", [np.uint16, np.int32])
def test_summed_scores_are_numpys_bit_for_bit(variant: str, length_type: type) -> None:
    rng = np.random.default_rng(3)
    params = Bm25Params.of(variant)
    lengths: np.ndarray = rng.integers(1, 300, 5_000).astype(length_type)
    norm = length_norms(params, np.arange(int(lengths.max()) + 1), float(lengths.mean()))
    acc = np.zeros(len(lengths))
    expected = np.zeros(len(lengths))
    base = 1_000
    for idf, weight, zero in ((1.7, 1.0, 0.0), (0.31, 0.6, 0.25), (2.9, 1.4, 0.0)):
        docs = np.sort(rng.choice(len(lengths) - base, 800, replace=False)).astype(np.int32)
        tf = rng.integers(1, 90, len(docs)).astype(np.int32)  # some beyond any table
        _postings.add_scores(acc, docs, tf, base, lengths, norm, _VARIANT[variant],
                             params.k1, params.delta, idf, weight, zero)
        scores = posting_scores(params, idf, tf, norm[lengths[docs + base]]) - zero
        expected[docs + base] += weight * scores
    assert acc.tolist() == expected.tolist()


def test_collect_gives_each_live_document_once_and_clears_the_buffers() -> None:
    acc = np.zeros(20)
    seen = np.zeros(20, dtype=np.uint8)
    first, second = np.array([1, 4, 9], dtype=np.int32), np.array([0, 9, 10], dtype=np.int32)
    acc[[2, 5, 10, 11, 12, 18]] = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    live = np.ones(20, dtype=np.uint8)
    live[5] = 0
    docs, values = np.empty(6, dtype=np.int64), np.empty(6)
    count = _postings.collect(acc, seen, first, 1, live, docs, values, 0)
    count = _postings.collect(acc, seen, second, 2, live, docs, values, count)  # 2 again
    assert docs[:count].tolist() == [2, 10, 11, 12]  # 5 is masked
    assert values[:count].tolist() == [1.0, 3.0, 4.0, 5.0]
    _postings.release(seen, first, 1)
    _postings.release(seen, second, 2)
    assert not seen.any()
    assert acc.tolist() == [0.0] * 18 + [6.0, 0.0]  # what no posting list named stays
