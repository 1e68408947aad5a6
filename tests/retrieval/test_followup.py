"""Follow-ups: a reply carries the earlier question's topic over, unless it names a new one."""

from __future__ import annotations

from pathlib import Path

import pytest

from kilde.retrieval.engine import Engine
from kilde.retrieval.followup import continues_thread, follow_up_question

SHIPPED = Path(__file__).resolve().parents[2] / "corpus" / "articles"
CANONICAL = "What did Russia demand from NATO?"
NATO_RESPONSE = "kravene ikke er mulig å innfri"  # NATO: the demands cannot be met


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.open(SHIPPED)


def test_follow_up_cites_natos_response(engine: Engine) -> None:
    # Among the first five: the paragraph names Russia only through its sub-heading, so it
    # ranks below the demands and NATO's offer of talks (retrieval/ranking.HEADING_COVERAGE).
    alone = engine.ask("And what did NATO answer?", top_k=5)
    assert not any(NATO_RESPONSE in hit.excerpt for hit in alone.hits)  # the topic is needed
    answer = engine.ask("And what did NATO answer?", top_k=5, earlier=CANONICAL)
    assert answer.question == "And what did NATO answer? (Russia demand)"
    assert any(NATO_RESPONSE in hit.excerpt for hit in answer.hits)


def test_a_reply_on_a_new_topic_is_answered_on_its_own(engine: Engine) -> None:
    reply = "Who won the 2022 World Cup?"  # nothing the articles mention
    answer = engine.ask(reply, earlier=CANONICAL)
    assert answer.question == reply
    assert not answer.answered


def test_a_thread_keeps_its_topic(engine: Engine) -> None:
    first = engine.ask("And what did NATO answer?", earlier=CANONICAL)
    second = follow_up_question("And what did they offer instead?", first.question)
    assert {"Russia", "demand", "NATO"} <= set(second.replace("(", " ").replace(")", " ").split())


@pytest.mark.parametrize(("reply", "continues"), [
    ("And what did NATO answer?", True),
    ("Og hvad svarede Nato?", True),
    ("hva med Sverige?", True),
    ("What did they say?", True),
    ("Why?", True),
    ("Which pizza toppings are best with pineapple?", False),
    ("How many soldiers did Russia gather near the border?", False),
    ("Hvem er Dmytro Kuleba?", False),  # names someone new
    ("What did Stoltenberg say?", False),
])
def test_continues_thread(reply: str, continues: bool) -> None:
    assert continues_thread(reply, CANONICAL) is continues


def test_nothing_to_carry_leaves_the_reply_as_it_is() -> None:
    assert follow_up_question("And Russia? NATO's demand?", CANONICAL) == "And Russia? NATO's demand?"
