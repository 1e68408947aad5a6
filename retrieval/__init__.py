"""Retrieval: text analysis, cross-language bridging, the BM25 index and the answer engine."""
