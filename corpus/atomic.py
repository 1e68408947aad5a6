"""Atomic writes: a reader (or a restart after a crash) sees the old file or the new one, never half.

One recipe for every file Kilde saves (articles and sidecars, the duplicate catalogue, the
passage table, the index): write under a temporary name in the same folder, fsync it, rename it
into place, fsync the folder so that the rename itself survives a power cut.

    write_atomically(path, data)            one file, replaced
    with atomic_folder(target) as tmp: ...  a folder of files, replaced as a whole

It lives in the corpus layer, the lowest one, so that retrieval and the front ends can use it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path


def fsync_directory(path: Path) -> None:
    """Make the entries of a folder (new names, renames) durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it: put it straight back
    os.umask(mask)
    return mask


def write_temporary(directory: Path, name: str, data: bytes) -> Path:
    """Write `data` to a new hidden, fsynced temporary file in `directory`; returns its path."""
    handle, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
    try:
        # mkstemp makes the file private (0600); a saved file gets the mode any new file
        # would get (0644 under the usual umask 022), so that others may read the corpus.
        os.fchmod(handle, 0o666 & ~_umask())
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return Path(temp)


def write_atomically(path: Path, data: bytes | str) -> None:
    """Replace `path` with `data` (str is written as UTF-8), atomically and durably."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    temp = write_temporary(path.parent, path.name, payload)
    try:
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    fsync_directory(path.parent)


def _fsync_files(folder: Path) -> None:
    for entry in os.scandir(folder):
        if entry.is_file():
            fd = os.open(entry.path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    fsync_directory(folder)


@contextlib.contextmanager
def atomic_folder(target: Path) -> Iterator[Path]:
    """Yield an empty temporary folder beside `target`; on success it replaces `target` whole.

    Every file written into it is fsynced before the rename. On an error the temporary folder is
    removed and `target` is left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield temporary
        _fsync_files(temporary)
        _swap_into_place(temporary, target)
        fsync_directory(target.parent)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _swap_into_place(temporary: Path, target: Path) -> None:
    # rename() cannot replace a non-empty folder: move the old one aside first, then drop it.
    # Readers that memory-mapped the old files keep them until they let go (POSIX semantics).
    if not target.exists():
        os.replace(temporary, target)
        return
    retired = target.parent / f".{target.name}.old-{uuid.uuid4().hex}"
    os.replace(target, retired)
    try:
        os.replace(temporary, target)
    except BaseException:
        os.replace(retired, target)
        raise
    shutil.rmtree(retired, ignore_errors=True)
