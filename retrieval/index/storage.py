"""Save a segment's arrays to a folder atomically, and memory-map them back with validation.

Layout of a saved segment folder:

    manifest.json   format name and version, counts, each file's size and CRC-32, and (for an
                    index saved by `Bm25Index.save`) the BM25 parameters; sealed with a CRC-32
                    of its own content (`kilde.retrieval.checksums`)
    vocab.json      the terms, in term-id order (a JSON list: any token round-trips)
    offsets.npy     int64 [n_terms + 1]
    docs.npy        int32 [n_postings]
    tf.npy          int32 [n_postings]
    rank.npy        int32 [n_postings]
    doc_lengths.npy int32 [n_documents]

The folder is written with `kilde.corpus.atomic.atomic_folder` (a temporary folder beside the
target, fsynced, renamed into place), so a reader sees the old index or the new one, never half.
Loading verifies every file's checksum, so bytes damaged on disk are an IndexFormatError, never
a crash or a wrong rank at answer time.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from kilde.corpus.atomic import atomic_folder
from kilde.retrieval.checksums import Verifier, check_seal, file_checksums, sealed
from kilde.retrieval.errors import IndexFormatError, IndexVersionError
from kilde.retrieval.index.model import Bm25Params
from kilde.retrieval.index.segment import Segment

logger = logging.getLogger(__name__)

FORMAT_NAME = "kilde-bm25"
FORMAT_VERSION = 3  # 2: term frequencies instead of scores (segments); 3: checksums
MANIFEST = "manifest.json"
VOCABULARY = "vocab.json"
_ARRAYS = {  # file name -> (field, dtype)
    "offsets.npy": ("offsets", np.dtype(np.int64)),
    "docs.npy": ("docs", np.dtype(np.int32)),
    "tf.npy": ("tf", np.dtype(np.int32)),
    "rank.npy": ("rank", np.dtype(np.int32)),
    "doc_lengths.npy": ("doc_lengths", np.dtype(np.int32)),
}


def save_arrays(arrays: Segment, directory: Path, params: Bm25Params | None = None) -> None:
    """Write the segment into `directory` atomically, replacing whatever was there."""
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
        manifest = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "n_documents": len(arrays.doc_lengths),
            "n_terms": len(arrays.terms),
            "n_postings": len(arrays.docs),
            "files": sizes,
            "checksums": file_checksums(temporary, sizes),
        }
        if params is not None:
            manifest["params"] = {"variant": params.variant, "k1": params.k1, "b": params.b,
                                  "delta": params.delta, "epsilon": params.epsilon}
        (temporary / MANIFEST).write_text(json.dumps(sealed(manifest), indent=2), encoding="utf-8")


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
    return check_seal(manifest, path)


def load_params(directory: Path) -> Bm25Params | None:
    """The BM25 parameters saved with an index by `Bm25Index.save`, if any."""
    manifest = read_manifest(Path(directory))
    saved = manifest.get("params")
    if saved is None:
        return None
    try:
        return Bm25Params.of(saved["variant"], k1=saved["k1"], b=saved["b"],
                             delta=saved["delta"], epsilon=saved["epsilon"])
    except (KeyError, TypeError, ValueError) as error:
        raise IndexFormatError(f"{Path(directory) / MANIFEST}: bad BM25 parameters ({error})") from None


def load_arrays(directory: Path, verifier: Verifier | None = None) -> Segment:
    """Memory-map a saved segment; raises IndexFormatError if it is incomplete or inconsistent.

    The files' checksums are verified before it returns, or by `verifier` (the caller then
    waits for its verdict before using the segment)."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    try:
        n_documents, n_terms, n_postings = (
            int(manifest[key]) for key in ("n_documents", "n_terms", "n_postings")
        )
        sizes = dict(manifest["files"])
        checksums = {name: str(manifest["checksums"][name]) for name in (VOCABULARY, *_ARRAYS)}
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
    (verifier or Verifier(background=False)).submit(directory, checksums)

    expected_lengths = {
        "offsets": n_terms + 1,
        "docs": n_postings,
        "tf": n_postings,
        "rank": n_postings,
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
        # A plain ndarray view of the mapped memory: np.memmap's slicing costs more per call.
        fields[field] = values.view(np.ndarray)

    try:
        terms = json.loads((directory / VOCABULARY).read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise IndexFormatError(f"{directory / VOCABULARY}: unreadable vocabulary ({error})") from None
    if not isinstance(terms, list) or len(terms) != n_terms:
        raise IndexFormatError(f"{directory / VOCABULARY}: expected a list of {n_terms} terms")

    offsets = fields["offsets"]
    if offsets[0] != 0 or offsets[-1] != n_postings or (n_terms and np.any(np.diff(offsets) < 0)):
        raise IndexFormatError(f"{directory / 'offsets.npy'}: posting offsets are inconsistent")
    return Segment(terms=terms, **fields)
