"""The BM25 index: rank-bm25's model, materialised as memory-mapped posting arrays.

    model.py    the BM25 formulas and parameters, exactly as rank-bm25 computes them
    build.py    one streaming pass from token lists to posting arrays
    storage.py  atomic save, validated memory-mapped load
    bm25.py     `Bm25Index`: build/load/save and exact top-k
"""

from kilde.retrieval.index.bm25 import Bm25Index
from kilde.retrieval.index.model import VARIANTS, Bm25Params

__all__ = ["VARIANTS", "Bm25Index", "Bm25Params"]
