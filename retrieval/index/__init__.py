"""The BM25 index: rank-bm25's model, materialised as memory-mapped posting arrays.

    model.py    the BM25 formulas and parameters, exactly as rank-bm25 computes them
    segment.py  postings of a run of documents (term frequencies, no scores); build and merge
    storage.py  atomic save, validated memory-mapped load of a segment
    bm25.py     `Bm25Index`: collection statistics over segments, masks, exact top-k
    _postings.pyx  the loops over a question's postings, compiled (Cython)
"""

from kilde.retrieval.index.bm25 import Bm25Index
from kilde.retrieval.index.model import VARIANTS, Bm25Params
from kilde.retrieval.index.segment import Segment, build_segment, merge_segments

__all__ = ["VARIANTS", "Bm25Index", "Bm25Params", "Segment", "build_segment", "merge_segments"]
