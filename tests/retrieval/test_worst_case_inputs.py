"""Huge inputs cost a bounded amount of work: a paragraph is searched and excerpted by its first
SEARCHED_CHARS characters, and an excerpt is at most two pieces of MAX_SENTENCE_CHARS, verbatim.
(How long they take is measured by `python -m benchmarks.worst_case`, never here.)"""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from kilde.retrieval.engine import Engine
from kilde.retrieval.excerpt import MAX_SENTENCE_CHARS, best_excerpt, sentence_spans
from kilde.retrieval.passages import SEARCHED_CHARS, searched_part

SHIPPED = Path(__file__).resolve().parents[2] / "corpus" / "articles"
SENTENCE = "Forhandlerne mødtes igen torsdag uden at nå til enighed om noget som helst. "
FLAT = "forhandlerne mødtes igen torsdag uden at nå til enighed om noget som helst "
FIVE_MB = 5_000_000


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    directory = tmp_path / "articles"
    shutil.copytree(SHIPPED, directory)
    return directory


@pytest.mark.parametrize("unit", [SENTENCE, FLAT], ids=["sentences", "no sentence end"])
def test_a_5_mb_paragraph_is_cited_whole_with_a_short_verbatim_excerpt(
    corpus: Path, tmp_path: Path, unit: str
) -> None:
    body = (unit * (FIVE_MB // len(unit) + 1))[:FIVE_MB].strip()
    (corpus / "900_huge.txt").write_text(f" date 2022-01 Et langt afsnit\n\nXyzzyalfa {body}\n",
                                         encoding="utf-8")
    engine = Engine.open(corpus, index_dir=tmp_path / "index")
    [hit] = [h for h in engine.ask("xyzzyalfa", top_k=10).hits if h.source == "900_huge.txt"]
    assert hit.paragraph.startswith("Xyzzyalfa") and len(hit.paragraph) > FIVE_MB  # whole
    assert "Xyzzyalfa" in hit.excerpt and hit.excerpt in hit.paragraph
    assert len(hit.excerpt) <= 2 * MAX_SENTENCE_CHARS + 1
    assert all(0 <= start < end <= len(hit.excerpt) for start, end in hit.highlights)


def test_words_past_the_searched_part_are_not_indexed(corpus: Path, tmp_path: Path) -> None:
    body = SENTENCE * (2 * SEARCHED_CHARS // len(SENTENCE))
    (corpus / "900_long.txt").write_text(
        f" date 2022-01 Et langt afsnit\n\nXyzzyalfa {body} Xyzzyomega.\n", encoding="utf-8")
    engine = Engine.open(corpus, index_dir=tmp_path / "index")
    assert any(h.source == "900_long.txt" for h in engine.ask("xyzzyalfa", top_k=10).hits)
    assert not any(h.source == "900_long.txt" for h in engine.ask("xyzzyomega", top_k=10).hits)


def test_the_searched_part_is_a_prefix_cut_at_white_space() -> None:
    text = "ord " * SEARCHED_CHARS
    part = searched_part(text)
    assert text.startswith(part) and len(part) <= SEARCHED_CHARS and part.endswith("ord")
    assert searched_part("kort afsnit") == "kort afsnit"
    word = "x" * (3 * SEARCHED_CHARS)
    assert searched_part(word) == word[:SEARCHED_CHARS]  # no white space: cut anyway


@pytest.mark.parametrize("text", [FLAT * 100, "x" * 3500 + " y", SENTENCE * 30 + FLAT * 40])
def test_sentences_longer_than_a_piece_are_cut_at_white_space(text: str) -> None:
    spans = sentence_spans(text)
    assert all(end - start <= MAX_SENTENCE_CHARS for start, end in spans)
    # In order, and nothing but white space left out between them.
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans))
    rebuilt = "".join(text[start:end] for start, end in spans)
    assert "".join(rebuilt.split()) == "".join(text.split())
    excerpt = best_excerpt(text, lambda sentence: float("y" in sentence.split()))
    assert excerpt in text and len(excerpt) <= 2 * MAX_SENTENCE_CHARS + 1
