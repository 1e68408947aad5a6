"""`kilde ask` for a reader: matched words marked, the gloss under each excerpt, quiet pipes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bot.test_cli import ROOT, kilde

QUESTION = "What did Russia demand from NATO?"


@pytest.fixture(autouse=True)
def _index_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KILDE_INDEX_DIR", str(tmp_path / "index"))


def test_json_hits_carry_a_gloss_of_the_matched_words() -> None:
    english = json.loads(kilde("ask", "--json", QUESTION).stdout)
    assert all("gloss" in hit for hit in english["hits"])
    pairs = [tuple(pair) for hit in english["hits"] for pair in hit["gloss"]]
    assert ("Rusland", "Russia") in pairs or ("Russland", "Russia") in pairs
    for hit in english["hits"]:
        for word, _ in hit["gloss"]:
            assert word in hit["excerpt"]
    danish = json.loads(kilde("ask", "--json", "Hvad krævede Rusland af Nato?").stdout)
    assert all(hit["gloss"] == [] for hit in danish["hits"] if hit["language"] == "da")


def test_text_output_marks_matched_words_and_glosses_them() -> None:
    result = kilde("ask", QUESTION)
    assert result.returncode == 0, result.stderr
    answer = json.loads(kilde("ask", "--json", QUESTION).stdout)
    blocks = result.stdout.strip().split("\n\n")
    assert len(blocks) == len(answer["hits"])
    for block, hit in zip(blocks, answer["hits"], strict=True):
        quote = block.splitlines()[0]
        for start, end in hit["highlights"]:
            assert f"*{hit['excerpt'][start:end]}*" in quote
        gloss = " · ".join(f"{word} ≈ {meaning}" for word, meaning in hit["gloss"])
        if gloss:
            assert block.splitlines()[1].strip() == gloss
    assert "Rusland ≈ Russia" in result.stdout


@pytest.mark.parametrize(("args", "stdin"), [
    (["ask", "--top-k", "50", QUESTION], None),
    (["ask", "--json", "-"], (QUESTION + "\n") * 300),  # megabytes: more than a pipe holds
])
def test_output_cut_short_by_the_reader_ends_quietly(args: list[str], stdin: str | None) -> None:
    # The reader leaves at once (as `head` does once it has its lines): every write hits EPIPE.
    reader = subprocess.Popen(["true"], stdin=subprocess.PIPE)
    reader.wait(10)
    assert reader.stdin is not None
    writer = subprocess.run(
        [sys.executable, "-m", "kilde.bot.cli.main", *args], check=False, stdout=reader.stdin,
        stderr=subprocess.PIPE, input=stdin, text=True, cwd=ROOT, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    reader.stdin.close()
    assert writer.stderr == ""
    assert writer.returncode == 0
