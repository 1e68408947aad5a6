"""Slices of a saved, memory-mapped array read with `os.pread` instead of through the mapping.

A page of a file mapping that a question touches stays resident in the process until the
mapping goes: on this machine (Linux 6.18, ext4) the kernel maps the whole large folio of the
page cache behind each touch, about 0.5 MB, so after 330 questions at a million paragraphs the
passage texts (236 MB) and the posting arrays (3 x 93 MB) were 460 MB of the answering
process's 667 MB. A slice read with pread is copied out (a few KB to a few MB per question)
and freed with the answer; the page cache keeps the file's pages either way, so the read costs
a copy, not a disk access. The mapping stays for what reads the whole array (merges, checks).
"""

from __future__ import annotations

import mmap
import os
from pathlib import Path

import numpy as np


class FileArray:
    """A one-dimensional array saved in a file, read by slices (`read`)."""

    __slots__ = ("_descriptor", "_dtype", "_offset", "length", "path")

    def __init__(self, path: Path, offset: int, dtype: np.dtype, length: int) -> None:
        self.path = path
        self.length = length
        self._offset = offset
        self._dtype = np.dtype(dtype)
        self._descriptor = -1
        self._descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))

    @classmethod
    def of(cls, array: np.ndarray | bytes) -> FileArray | None:
        """The file behind a whole memory-mapped array (as `np.load(mmap_mode="r")` or
        `np.memmap` give it, or a plain view of one); None for an array in memory."""
        if not isinstance(array, np.ndarray) or array.ndim != 1:
            return None
        mapped = array if isinstance(array, np.memmap) else array.base
        # Only a whole mapping (its own base is the mmap) starts at its `offset` in the file.
        if not (isinstance(mapped, np.memmap) and isinstance(mapped.base, mmap.mmap)
                and mapped.filename and mapped.ndim == 1 and len(mapped) == len(array)
                and mapped.dtype == array.dtype
                and mapped.__array_interface__["data"][0] == array.__array_interface__["data"][0]):
            return None
        try:
            return cls(Path(mapped.filename), int(mapped.offset), array.dtype, len(array))
        except OSError:
            return None  # gone or unreadable since: the mapping still serves

    def read(self, start: int, stop: int) -> np.ndarray:
        """array[start:stop] as a new array in memory."""
        start, stop = max(start, 0), min(stop, self.length)
        out = np.empty(max(stop - start, 0), dtype=self._dtype)
        view = out.data.cast("B")
        position = self._offset + start * self._dtype.itemsize
        done = 0
        while done < len(view):
            got = os.preadv(self._descriptor, [view[done:]], position + done)
            if got <= 0:
                raise OSError(f"{self.path}: ended early ({done} of {len(view)} bytes)")
            done += got
        return out

    def read_bytes(self, start: int, stop: int) -> bytes:
        """Bytes start:stop of the array (of a uint8 array: its items)."""
        size = self._dtype.itemsize
        start, stop = max(start, 0), min(stop, self.length)
        data = os.pread(self._descriptor, (stop - start) * size, self._offset + start * size)
        if len(data) < (stop - start) * size:
            raise OSError(f"{self.path}: ended early")
        return data

    def __del__(self) -> None:
        if self._descriptor >= 0:
            os.close(self._descriptor)
