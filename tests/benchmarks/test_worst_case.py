"""The worst-case benchmark runs end to end at a tiny size and fills every cell (timings are
not checked here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.worst_case import covering_words, main


def test_tiny_worst_case_benchmark_prints_every_case(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--paragraphs", "1k", "--repeats", "1", "--huge-chars", "30000",
                 "--data-dir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[3:]]
    assert len(rows) == 6 and rows[0][0].endswith("(baseline)")
    assert all(len(row) == 6 and all(row) for row in rows), rows
    huge = rows[3]
    assert huge[4].startswith("30,0")  # the huge paragraph was cited ...
    assert int(huge[4].split("/")[1].replace(",", "")) <= 2001  # ... with a short excerpt


def test_covering_words_pick_the_words_that_reach_the_most_paragraphs() -> None:
    paragraphs = [{"a", "b"}, {"a"}, {"c"}, {"c", "d"}, {"e"}]
    assert covering_words(paragraphs, 2, lambda word: True) == ["a", "c"]
    assert covering_words(paragraphs, 2, lambda word: word != "a") == ["c", "b"]
