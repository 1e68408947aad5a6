# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""The per-posting loops of a question, compiled: BM25 scores summed into the accumulator, the
distinct live candidates gathered, the k best picked.

In numpy each of these is several passes and a temporary array per term and segment, and a
question at a million paragraphs has ~15 such spans of ~1,200 postings: the calls, not the
arithmetic, were most of the time. The arithmetic here is numpy's, operation for operation
(`model.posting_scores`), so every score is the same double; the module is
built with -ffp-contract=off so that no multiply-add is fused into one rounding.
"""

from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t

cdef extern from *:
    """
    #define KILDE_PREFETCH(address) __builtin_prefetch(address)
    """
    void prefetch "KILDE_PREFETCH"(const void* address) noexcept nogil

# Postings ahead whose sums and lengths are fetched into the cache while this one is scored:
# a question's ~18,000 postings are spread over the whole accumulator, and without it each
# one waited for memory (16 ns a posting against 4 with the same postings in the cache).
cdef enum:
    AHEAD = 32

ctypedef fused length_t:
    uint16_t
    int32_t

# Bm25Params.variant, as `add_scores` takes it
OKAPI = 0
PLUS = 1
L = 2


cdef inline double _score(int variant, double idf, double tf, double norm, double k1,
                          double delta) noexcept nogil:
    """rank-bm25's score of one posting (model.posting_scores, in its order of operations)."""
    cdef double ctd
    if variant == 0:
        return idf * (tf * (k1 + 1) / (tf + norm))
    if variant == 1:
        return idf * (delta + (tf * (k1 + 1)) / (norm + tf))
    ctd = tf / norm
    return idf * tf * (k1 + 1) * (ctd + delta) / (k1 + ctd + delta)


def add_scores(double[::1] acc, const int32_t[::1] docs, const int32_t[::1] tf, int64_t base,
               const length_t[::1] lengths, const double[::1] norm_of_length, int variant,
               double k1, double delta, double idf, double weight, double zero) -> None:
    """acc[base + docs[i]] += weight * (score of posting i - zero), for one term's postings in
    one segment (ordinals are unique within a posting list)."""
    cdef Py_ssize_t i, n = docs.shape[0]
    cdef int64_t doc
    cdef double score
    with nogil:
        for i in range(n):
            if i + AHEAD < n:
                prefetch(&acc[base + docs[i + AHEAD]])
                prefetch(&lengths[base + docs[i + AHEAD]])
            doc = base + docs[i]
            score = _score(variant, idf, <double>tf[i], norm_of_length[lengths[doc]], k1, delta)
            if zero != 0.0:
                score = score - zero
            acc[doc] += weight * score


def collect(double[::1] acc, uint8_t[::1] seen, const int32_t[::1] docs, int64_t base,
            const uint8_t[::1] live, int64_t[::1] out_docs, double[::1] out_values,
            Py_ssize_t count) -> Py_ssize_t:
    """Append each live document of one posting list not seen before, with its sum, to
    out_docs/out_values from `count` on; returns the new count. Marks the documents seen and
    zeroes their sums (`release` clears the marks)."""
    cdef Py_ssize_t i, n = docs.shape[0]
    cdef bint masked = live.shape[0] > 0
    cdef int64_t doc
    with nogil:
        for i in range(n):
            if i + AHEAD < n:
                prefetch(&seen[base + docs[i + AHEAD]])
                prefetch(&acc[base + docs[i + AHEAD]])
            doc = base + docs[i]
            if seen[doc]:
                continue
            seen[doc] = 1
            if not masked or live[doc]:
                out_docs[count] = doc
                out_values[count] = acc[doc]
                count += 1
            acc[doc] = 0.0
    return count


def release(uint8_t[::1] seen, const int32_t[::1] docs, int64_t base) -> None:
    """Clear the marks `collect` left for one posting list."""
    cdef Py_ssize_t i, n = docs.shape[0]
    with nogil:
        for i in range(n):
            seen[base + docs[i]] = 0


cdef inline bint _better(double value, int64_t doc, double other, int64_t other_doc) noexcept nogil:
    """Ranked before: the higher value, and of equal values the lower ordinal."""
    return value > other or (value == other and doc < other_doc)


cdef void _sift_down(int64_t* heap_docs, double* heap_values, Py_ssize_t size,
                     Py_ssize_t at) noexcept nogil:
    """Restore the heap below `at`: its root is the worst of the kept candidates."""
    cdef Py_ssize_t child, worst
    cdef int64_t swap_doc
    cdef double swap_value
    while True:
        worst = at
        child = 2 * at + 1
        if child < size and _better(heap_values[worst], heap_docs[worst],
                                    heap_values[child], heap_docs[child]):
            worst = child
        child += 1
        if child < size and _better(heap_values[worst], heap_docs[worst],
                                    heap_values[child], heap_docs[child]):
            worst = child
        if worst == at:
            return
        swap_doc, swap_value = heap_docs[at], heap_values[at]
        heap_docs[at], heap_values[at] = heap_docs[worst], heap_values[worst]
        heap_docs[worst], heap_values[worst] = swap_doc, swap_value
        at = worst


def best(int64_t[::1] docs, double[::1] values, Py_ssize_t count, Py_ssize_t k) -> Py_ssize_t:
    """Move the k best of the first `count` (doc, value) pairs to the front, best first
    (highest value, ties to the lower ordinal); returns how many there are (min(k, count))."""
    cdef Py_ssize_t size = 0, i, j
    cdef int64_t doc
    cdef double value
    if k <= 0:
        return 0
    with nogil:
        # A heap of the k best so far in the front of the arrays, the worst at its root.
        for i in range(count):
            doc, value = docs[i], values[i]
            if size < k:
                j = size
                size += 1
                docs[j], values[j] = doc, value
                while j > 0 and _better(values[(j - 1) // 2], docs[(j - 1) // 2], value, doc):
                    docs[j], values[j] = docs[(j - 1) // 2], values[(j - 1) // 2]
                    j = (j - 1) // 2
                docs[j], values[j] = doc, value
            elif _better(value, doc, values[0], docs[0]):
                docs[0], values[0] = doc, value
                _sift_down(&docs[0], &values[0], size, 0)
        # Heap sort: the worst to the back, one by one, leaves them best first.
        j = size
        while j > 1:
            j -= 1
            doc, value = docs[j], values[j]
            docs[j], values[j] = docs[0], values[0]
            docs[0], values[0] = doc, value
            _sift_down(&docs[0], &values[0], j, 0)
    return size


cdef inline Py_ssize_t _lower_bound(const int32_t[::1] docs, Py_ssize_t lo, int64_t value) noexcept nogil:
    """The first position from `lo` on whose document is >= value (docs ascending)."""
    cdef Py_ssize_t hi = docs.shape[0], middle
    while lo < hi:
        middle = lo + (hi - lo) // 2
        if docs[middle] < value:
            lo = middle + 1
        else:
            hi = middle
    return lo


def place_ranges(int64_t[:, ::1] out, Py_ssize_t row, const int32_t[::1] docs,
                 const int32_t[::1] values, int64_t base, const int64_t[::1] starts,
                 const int64_t[::1] stops, const int64_t[::1] columns) -> None:
    """out[row, columns[r] + d - starts[r]] = values[i] for each posting i of one posting list
    (in a segment starting at ordinal `base`) whose document d lies in the range
    starts[r]:stops[r] (ascending, disjoint)."""
    cdef Py_ssize_t r, i, lo = 0, hi
    cdef int64_t doc
    with nogil:
        for r in range(starts.shape[0]):
            lo = _lower_bound(docs, lo, starts[r] - base)
            hi = _lower_bound(docs, lo, stops[r] - base)
            for i in range(lo, hi):
                doc = base + docs[i]
                out[row, columns[r] + doc - starts[r]] = values[i]
            lo = hi
