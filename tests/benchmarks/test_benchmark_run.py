"""The benchmark runs end to end at a tiny size and prints every column (timings are not checked)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.corpus import generate, iter_paragraphs, make_queries, tokenize
from benchmarks.run import COLUMNS, main, parse_size


def test_tiny_benchmark_prints_the_whole_table(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--sizes", "2k", "--queries", "30", "--loads", "1", "--data-dir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    header = [cell.strip() for cell in lines[1].strip("|").split("|")]
    row = [cell.strip() for cell in lines[3].strip("|").split("|")]
    assert header == [title for title, _ in COLUMNS]
    assert row[0] == "2,000"
    assert all(row), row  # every column measured
    assert row[header.index("same top-k")] == "30/30"  # ranks exactly as rank-bm25


def test_generated_corpus_is_deterministic_and_in_the_seeds_format(tmp_path: Path) -> None:
    first = generate(300, data_dir=tmp_path / "a")
    second = generate(300, data_dir=tmp_path / "b")
    files = sorted(first.glob("*.txt"))
    assert [f.read_text() for f in files] == [f.read_text() for f in sorted(second.glob("*.txt"))]
    assert all(f.read_text().startswith(" date ") for f in files)
    paragraphs = list(iter_paragraphs(first))
    assert len(paragraphs) == 300
    assert 15 <= len(paragraphs) / len(files) <= 30
    queries = make_queries(first, 300, 20)
    assert all(2 <= len(q) <= 7 for q in queries)
    assert all(set(q[:2]) <= set(tokenize(" ".join(paragraphs))) for q in queries)


@pytest.mark.parametrize(
    ("text", "value"), [("10k", 10_000), ("1M", 1_000_000), ("2500", 2500), ("1.5k", 1500)]
)
def test_sizes_are_parsed(text: str, value: int) -> None:
    assert parse_size(text) == value
