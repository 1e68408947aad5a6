"""The gloss: matched words of an excerpt with the question words they stand for."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kilde.retrieval.analysis import normalize_keep_case
from kilde.retrieval.engine import Engine
from kilde.retrieval.gloss import written_form

SHIPPED = Path(__file__).resolve().parents[2] / "corpus" / "articles"


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.open(SHIPPED)


def test_english_question_glosses_danish_and_norwegian_words(engine: Engine) -> None:
    answer = engine.ask("What did Russia demand from NATO?")
    pairs = {tuple(pair) for hit in answer.hits for pair in hit.gloss}
    assert ("Rusland", "Russia") in pairs
    assert ("Russland", "Russia") in pairs
    assert any(word.lower().startswith(("krav", "kræv")) and meaning == "demand"
               for word, meaning in pairs)


def test_every_glossed_word_is_a_highlighted_word_of_its_excerpt(engine: Engine) -> None:
    for question in ("What did Russia demand from NATO?", "Did Russia demand security guarantees?",
                     "Hvad sagde Stoltenberg om Rusland?"):
        for hit in engine.ask(question).hits:
            marked = [hit.excerpt[start:end] for start, end in hit.highlights]
            for word, meaning in hit.gloss:
                assert word in marked, (question, word, marked)
                assert meaning.casefold() in question.casefold()
                assert meaning.casefold() != word.casefold()


def test_no_gloss_when_question_and_article_share_a_language(engine: Engine) -> None:
    answer = engine.ask("Hvad krævede Rusland af Nato?")
    assert answer.language == "da"
    danish = [hit for hit in answer.hits if hit.language == "da"]
    norwegian = [hit for hit in answer.hits if hit.language == "no"]
    assert danish and norwegian
    assert all(hit.gloss == () for hit in danish)
    # Across Danish and Norwegian the meaning is the Danish question's own word.
    assert any(pair == ("Russland", "Rusland") for hit in norwegian for pair in hit.gloss)


def test_a_word_that_reads_the_same_is_not_glossed(engine: Engine) -> None:
    answer = engine.ask("What did Russia demand from NATO?")
    assert all(meaning.casefold() != "nato" for hit in answer.hits for _, meaning in hit.gloss)


def test_gloss_is_in_the_json_hit(engine: Engine) -> None:
    hit = engine.ask("What did Russia demand from NATO?").hits[0].to_json()
    assert isinstance(hit["gloss"], list)
    assert all(isinstance(pair, list) and len(pair) == 2 for pair in hit["gloss"])


@pytest.mark.parametrize(("word", "question", "written"), [
    ("russia", "What did Russia demand?", "Russia"),
    ("security guarantee", "a Security  Guarantee?", "Security  Guarantee"),
    ("nato", "Hvad med natolandene?", "nato"),  # only whole words count
])
def test_written_form(word: str, question: str, written: str) -> None:
    assert written_form(word, question) == written


def test_a_question_word_is_found_as_written_as_a_case_blind_pattern_finds_it() -> None:
    questions = [
        "What did Russia demand from NATO?", "Hvad sagde Lavrov om Nato-landene i Østeuropa?",
        "Hvorfor møtte STOLTENBERG Støre i Oslo 2022?", "Who is İsmail Kılıç from İstanbul?",
        "Was the ſtate involved? (Russia_s) russia's Rusland", "ÆRØ og Ærø: ærø, ÅRHUS i årene",
        "Ｒｕｓｓｉａ and ﬁnance in Kyiv and KYIV", "",
    ]
    words = ["russia", "nato", "lavrov", "østeuropa", "stoltenberg", "oslo", "2022", "istanbul",
             "ismail", "state", "russia_s", "ærø", "århus", "finance", "kyiv", "nato-landene",
             "møtte støre", "absent", "i", "s"]
    for question in questions:
        text = normalize_keep_case(question)
        for word in words:
            pattern = r"(?<!\w)" + r"\s+".join(re.escape(part) for part in word.split()) + r"(?!\w)"
            match = re.search(pattern, text, re.IGNORECASE)
            assert written_form(word, question) == (match.group() if match else word), (word, question)
