"""Checksums of saved files, verified at once or in a background thread."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest

from kilde.retrieval.checksums import Verifier, file_checksum, file_checksums
from kilde.retrieval.errors import IndexFormatError


def _folder(path: Path, files: dict[str, bytes]) -> dict[str, str]:
    path.mkdir()
    for name, data in files.items():
        (path / name).write_bytes(data)
    return file_checksums(path, files)


@pytest.mark.parametrize("background", [True, False])
def test_a_damaged_file_is_named_when_its_folder_is_waited_for(tmp_path: Path, background: bool) -> None:
    segment = tmp_path / "seg"
    segment.mkdir()
    good = _folder(segment / "index", {"a.bin": b"a" * 100_000, "b.bin": b"b" * 10})
    bad = _folder(segment / "passages", {"c.bin": bytes(range(256)) * 1000})
    other = _folder(tmp_path / "other", {"d.bin": b"d" * 1000})
    (segment / "passages" / "c.bin").write_bytes(bytes(reversed(range(256))) * 1000)
    verifier = Verifier(background=background)
    verifier.submit(segment / "index", good)
    verifier.submit(tmp_path / "other", other)
    if background:
        verifier.submit(segment / "passages", bad)  # raises only when waited for
    else:
        with pytest.raises(IndexFormatError, match=r"c\.bin: damaged"):
            verifier.submit(segment / "passages", bad)
    verifier.close()
    verifier.wait(segment / "index")
    verifier.wait(tmp_path / "other")
    if background:
        with pytest.raises(IndexFormatError, match=r"passages/c\.bin: damaged"):
            verifier.wait(segment)  # the folder and every folder inside it


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    checksums = _folder(tmp_path / "index", {"a.bin": b"a"})
    (tmp_path / "index" / "a.bin").unlink()
    verifier = Verifier()
    verifier.submit(tmp_path / "index", checksums)
    verifier.close()
    with pytest.raises(IndexFormatError, match=r"a\.bin: unreadable"):
        verifier.wait(tmp_path)


def test_the_checksum_is_zlibs_crc32_whichever_binding_computes_it(tmp_path: Path) -> None:
    data = bytes(range(256)) * 5000 + b"tail"  # more than one chunk
    (tmp_path / "f.bin").write_bytes(data)
    assert file_checksum(tmp_path / "f.bin") == f"{zlib.crc32(data):08x}"
