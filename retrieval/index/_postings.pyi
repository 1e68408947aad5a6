"""Types of the compiled module built from _postings.pyx."""

import numpy as np

OKAPI: int
PLUS: int
L: int

def add_scores(acc: np.ndarray, docs: np.ndarray, tf: np.ndarray, base: int, lengths: np.ndarray,
               norm_of_length: np.ndarray, variant: int, k1: float, delta: float, idf: float,
               weight: float, zero: float) -> None: ...
def collect(acc: np.ndarray, seen: np.ndarray, docs: np.ndarray, base: int, live: np.ndarray,
            out_docs: np.ndarray, out_values: np.ndarray, count: int) -> int: ...
def release(seen: np.ndarray, docs: np.ndarray, base: int) -> None: ...
def best(docs: np.ndarray, values: np.ndarray, count: int, k: int) -> int: ...
def place_ranges(out: np.ndarray, row: int, docs: np.ndarray, values: np.ndarray, base: int,
                 starts: np.ndarray, stops: np.ndarray, columns: np.ndarray) -> None: ...
