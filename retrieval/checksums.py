"""Checksums of the saved index's files, so that a damaged index is caught before it answers.

Every file of a saved segment (posting arrays, vocabulary, passage texts and numbers, article
records) has its CRC-32 written in its folder's manifest at save time, and every manifest (and
each small JSON record beside them) carries a CRC-32 of its own content ("sealed"). Opening
verifies them all: a byte overwritten anywhere, even with the file's size and times kept, is an
`IndexFormatError` naming the file, and the collection rebuilds what is damaged.

Why CRC-32 of every byte at every open: zlib streams it at 1-2.5 GB/s (four times blake2b's
speed here) and zlib-ng's SIMD code, used here, three times as fast, so the ~540 MB of a
million-paragraph collection (postings and passage texts) cost 0.07 s over a warm page
cache, and pre-fault the pages the first questions need anyway. That is cheap enough not to
trust a stamp (size, times, inode) of an earlier check, which would miss damage on the disk
itself. CRC-32 catches accidental damage (every burst of up to 32 bits, anything else but for 1
in 4 billion); it is no defence against someone who may write the index, and needs none: they
could rewrite the checksum too. Answering never pays for it: nothing is re-checked per question.

A `Verifier` may check in a background thread (the CRC-32 and the reads release the GIL)
while the opening thread does the rest of its work (the corpus folder's stat calls, parsing the
records); whoever uses the files waits for their verdict first (`Verifier.wait`).
"""

from __future__ import annotations

import json
import queue
import threading
import zlib
from collections.abc import Iterable, Mapping
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from zlib_ng.zlib_ng import crc32 as _crc32

from kilde.retrieval.errors import IndexFormatError

SEAL = "crc32"  # the key of a sealed JSON object's own checksum
_CHUNK = 1 << 20


def file_checksum(path: Path) -> str:
    """The CRC-32 of a file's bytes, as 8 hex digits (read in chunks: flat memory)."""
    buffer = bytearray(_CHUNK)
    view = memoryview(buffer)
    crc = 0
    with open(path, "rb") as stream:
        while read := stream.readinto(buffer):
            crc = _crc32(view[:read], crc)
    return f"{crc:08x}"


def file_checksums(directory: Path, names: Iterable[str]) -> dict[str, str]:
    """Each named file's checksum, by name (for a manifest written at save time)."""
    return {name: file_checksum(Path(directory) / name) for name in names}


def verify_files(directory: Path, checksums: Mapping[str, str]) -> None:
    """Raise IndexFormatError naming the first file whose bytes are not those saved."""
    for name, expected in checksums.items():
        path = Path(directory) / name
        try:
            actual = file_checksum(path)
        except OSError as error:
            raise IndexFormatError(f"{path}: unreadable ({error})") from None
        if actual != expected:
            raise IndexFormatError(
                f"{path}: damaged (checksum {actual}, saved as {expected})")


class Verifier:
    """Verifies groups of files: at once (`background=False`), or in one background thread in
    the order submitted, so that the caller reads on meanwhile and `wait`s before trusting them.

    The thread is a daemon: a process that ends (or fails) mid-way does not wait for it, and
    one that cannot start a thread any more (at interpreter shutdown) verifies at once.
    """

    def __init__(self, *, background: bool = True) -> None:
        self._background = background
        self._jobs: queue.SimpleQueue[tuple[Path, dict[str, str], Future[None]] | None] | None = None
        self._pending: list[tuple[Path, Future[None]]] = []

    def submit(self, directory: Path, checksums: Mapping[str, str]) -> None:
        """Verify the named files of `directory` (at once: raises IndexFormatError)."""
        if self._background and self._jobs is None:
            jobs: queue.SimpleQueue[tuple[Path, dict[str, str], Future[None]] | None] = (
                queue.SimpleQueue())
            try:
                threading.Thread(target=_verify_jobs, args=(jobs,), name="kilde-verify",
                                 daemon=True).start()
            except RuntimeError:  # the interpreter is shutting down
                self._background = False
            else:
                self._jobs = jobs
        if self._jobs is None:
            verify_files(directory, checksums)
            return
        future: Future[None] = Future()
        self._jobs.put((Path(directory), dict(checksums), future))
        self._pending.append((Path(directory), future))

    def wait(self, folder: Path) -> None:
        """Wait for the files submitted from `folder` and the folders inside it; raises the
        IndexFormatError of the first damaged one, in the order submitted."""
        folder = Path(folder)
        for directory, future in self._pending:
            if directory == folder or folder in directory.parents:
                future.result()

    def close(self) -> None:
        """Let the thread end once what was submitted is verified (`wait` still works)."""
        if self._jobs is not None:
            self._jobs.put(None)


def _verify_jobs(jobs: queue.SimpleQueue[tuple[Path, dict[str, str], Future[None]] | None]) -> None:
    while (job := jobs.get()) is not None:
        directory, checksums, future = job
        try:
            verify_files(directory, checksums)
        except Exception as error:  # noqa: BLE001 - the waiter raises it (else it waits forever)
            future.set_exception(error)
        else:
            future.set_result(None)


def _content_checksum(data: Mapping[str, Any]) -> str:
    canonical = json.dumps({k: v for k, v in data.items() if k != SEAL}, sort_keys=True,
                           ensure_ascii=False, separators=(",", ":"))
    return f"{zlib.crc32(canonical.encode('utf-8')):08x}"


def sealed(data: Mapping[str, Any]) -> dict[str, Any]:
    """`data` with a checksum of its own content, for a JSON file that must not change unseen."""
    return {**data, SEAL: _content_checksum(data)}


def check_seal(data: object, path: Path) -> dict[str, Any]:
    """The parsed content of a sealed JSON file; raises IndexFormatError if it was changed."""
    if not isinstance(data, dict) or data.get(SEAL) != _content_checksum(data):
        raise IndexFormatError(f"{path}: damaged (its checksum does not match its content)")
    return data
