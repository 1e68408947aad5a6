"""The growth benchmark runs end to end at a tiny size and fills every column."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.growth import COLUMNS, main


def test_tiny_growth_benchmark_fills_every_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = tmp_path / "raw.json"
    arguments = ["--sizes", "2k", "--queries", "20", "--add-folders", "30",
                 "--data-dir", str(tmp_path), "--json", str(raw)]
    assert main(arguments) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    header = [cell.strip() for cell in lines[1].strip("|").split("|")]
    row = [cell.strip() for cell in lines[3].strip("|").split("|")]
    assert header == [title for title, _, _ in COLUMNS]
    assert row[0] == "2,000" and all(row), row
    [size] = json.loads(raw.read_text())["sizes"]
    # The added article was cited both ways, not merely timed.
    assert size["kilde_ask_cited"] and size["reload_cited"]
    assert lines[-1].startswith("| 30 |")
