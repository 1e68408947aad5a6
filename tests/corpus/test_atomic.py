"""Atomic writes: the old content or the new one, never half, and no temporary file left."""

from __future__ import annotations

from pathlib import Path

import pytest

from kilde.corpus.atomic import atomic_folder, write_atomically


def test_write_atomically_replaces_the_file_and_leaves_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "a.json"
    write_atomically(target, "første")
    write_atomically(target, b"second")
    assert target.read_bytes() == b"second"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_an_atomic_folder_replaces_the_old_one_whole(tmp_path: Path) -> None:
    target = tmp_path / "index"
    with atomic_folder(target) as folder:
        (folder / "old.bin").write_bytes(b"1")
    with atomic_folder(target) as folder:
        assert not (target / "new.bin").exists()  # nothing visible before the end
        (folder / "new.bin").write_bytes(b"2")
    assert [p.name for p in target.iterdir()] == ["new.bin"]
    assert [p.name for p in tmp_path.iterdir()] == ["index"]


def test_a_failed_atomic_folder_leaves_the_old_one(tmp_path: Path) -> None:
    target = tmp_path / "index"
    with atomic_folder(target) as folder:
        (folder / "old.bin").write_bytes(b"1")

    def write_half_then_fail() -> None:
        with atomic_folder(target) as folder:
            (folder / "half.bin").write_bytes(b"2")
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_half_then_fail()
    assert [p.name for p in target.iterdir()] == ["old.bin"]
    assert [p.name for p in tmp_path.iterdir()] == ["index"]
