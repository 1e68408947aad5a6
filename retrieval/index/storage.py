"""Save index arrays to a folder atomically, and memory-map them back with validation.

Layout of a saved index folder:

    manifest.json   format name and version, BM25 parameters, counts, and each file's size
    vocab.json      the terms, in term-id order (a JSON list: any token round-trips)
    offsets.npy     int64 [n_terms + 1]
    docs.npy        int32 [n_postings]
    scores.npy      float64 [n_postings]
    zero_tf.npy     float64 [n_terms]
    doc_lengths.npy int32 [n_documents]

The folder is written with `kilde.corpus.atomic.atomic_folder` (a temporary folder beside the
target, fsynced, renamed into place), so a reader sees the old index or the new one, never half.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from kilde.corpus.atomic import atomic_folder
from kilde.retrieval.errors import IndexFormatError, IndexVersionError
from kilde.retrieval.index.build import IndexArrays
from kilde.retrieval.index.model import Bm25Params

logger = logging.getLogger(__name__)

FORMAT_NAME = "kilde-bm25"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
VOCABULARY = "vocab.json"
_ARRAYS = {  # file name -> (field, dtype)
    "offsets.npy": ("offsets", np.dtype(np.int64)),
    "docs.npy": ("docs", np.dtype(np.int32)),
    "scores.npy": ("scores", np.dtype(np.float64)),
    "zero_tf.npy": ("zero_tf", np.dtype(np.float64)),
    "doc_lengths.npy": ("doc_lengths", np.dtype(np.int32)),
}


def save_arrays(arrays: IndexArrays, directory: Path) -> None:
    """Write the index into `directory` atomically, replacing whatever index was there."""
    with atomic_folder(Path(directory)) as temporary:
        sizes: dict[str, int] = {}
        vocabulary = json.dumps(arrays.terms, ensure_ascii=False).encode("utf-8")
        (temporary / VOCABULARY).write_bytes(vocabulary)
        sizes[VOCABULARY] = len(vocabulary)
        for name, (field, dtype) in _ARRAYS.items():
            values = np.ascontiguousarray(getattr(arrays, field), dtype=dtype)  # type: ignore[call-overload]
            with open(temporary / name, "wb") as handle:
                np.save(handle, values, allow_pickle=False)
            sizes[name] = (temporary / name).stat().st_size
        params = arrays.params
        manifest = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "variant": params.variant,
            "k1": params.k1,
            "b": params.b,
            "delta": params.delta,
            "epsilon": params.epsilon,
            "n_documents": len(arrays.doc_lengths),
            "n_terms": len(arrays.terms),
            "n_postings": len(arrays.docs),
            "avgdl": arrays.avgdl,
            "average_idf": arrays.average_idf,
            "files": sizes,
        }
        (temporary / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def read_manifest(directory: Path) -> dict:
    """Read and check a saved index's manifest; raises IndexFormatError naming the problem."""
    path = Path(directory) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexFormatError(f"{directory}: not a saved index (no {MANIFEST})") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise IndexFormatError(f"{path}: unreadable manifest ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise IndexFormatError(f"{path}: not a {FORMAT_NAME} index manifest")
    if manifest.get("version") != FORMAT_VERSION:
        raise IndexVersionError(
            f"{directory}: index format version {manifest.get('version')!r}, "
            f"this Kilde reads {FORMAT_VERSION}"
        )
    return manifest


def load_arrays(directory: Path) -> IndexArrays:
    """Memory-map a saved index; raises IndexFormatError if it is incomplete or inconsistent."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    try:
        params = Bm25Params.of(
            manifest["variant"], k1=manifest["k1"], b=manifest["b"], delta=manifest["delta"],
            epsilon=manifest["epsilon"],
        )
        n_documents, n_terms, n_postings = (
            int(manifest[key]) for key in ("n_documents", "n_terms", "n_postings")
        )
        sizes = dict(manifest["files"])
        avgdl, average_idf = float(manifest["avgdl"]), float(manifest["average_idf"])
    except (KeyError, TypeError, ValueError) as error:
        raise IndexFormatError(f"{directory / MANIFEST}: incomplete manifest ({error})") from None

    for name in (VOCABULARY, *_ARRAYS):
        path = directory / name
        try:
            size = path.stat().st_size
        except OSError:
            raise IndexFormatError(f"{path}: missing from the saved index") from None
        if size != sizes.get(name):
            raise IndexFormatError(
                f"{path}: {size} bytes, the manifest says {sizes.get(name)}; truncated or changed")

    expected_lengths = {
        "offsets": n_terms + 1,
        "docs": n_postings,
        "scores": n_postings,
        "zero_tf": n_terms,
        "doc_lengths": n_documents,
    }
    fields: dict[str, np.ndarray] = {}
    for name, (field, dtype) in _ARRAYS.items():
        path = directory / name
        try:
            values = np.load(path, mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as error:
            raise IndexFormatError(f"{path}: unreadable array ({error})") from None
        if values.dtype != dtype or values.shape != (expected_lengths[field],):
            raise IndexFormatError(
                f"{path}: {values.dtype}{list(values.shape)}, expected {dtype}[{expected_lengths[field]}]"
            )
        fields[field] = values

    try:
        terms = json.loads((directory / VOCABULARY).read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise IndexFormatError(f"{directory / VOCABULARY}: unreadable vocabulary ({error})") from None
    if not isinstance(terms, list) or len(terms) != n_terms:
        raise IndexFormatError(f"{directory / VOCABULARY}: expected a list of {n_terms} terms")

    offsets = fields["offsets"]
    if offsets[0] != 0 or offsets[-1] != n_postings or (n_terms and np.any(np.diff(offsets) < 0)):
        raise IndexFormatError(f"{directory / 'offsets.npy'}: posting offsets are inconsistent")
    return IndexArrays(
        params=params, terms=terms, avgdl=avgdl, average_idf=average_idf, **fields
    )
