"""Follow-ups: a reply carries the earlier question's topic over, unless it names a new one."""

from __future__ import annotations

from pathlib import Path

import pytest

from kilde.retrieval.answer import Answer
from kilde.retrieval.engine import Engine
from kilde.retrieval.followup import continues_thread, follow_up_question
from tests.retrieval.articles import engine_over

SHIPPED = Path(__file__).resolve().parents[2] / "corpus" / "articles"
CANONICAL = "What did Russia demand from NATO?"
FOLLOW_UP = "And what did NATO answer?"
NATO_RESPONSE = "kravene ikke er mulig å innfri"  # NATO: the demands cannot be met


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.open(SHIPPED)


def test_follow_up_cites_natos_response(engine: Engine) -> None:
    # Carried over, the topic brings NATO's response into the follow-up's ranking; the earlier
    # answer already showed it (its third hit), so the follow-up ranks it after what is new.
    alone = engine.ask("And what did NATO answer?", top_k=5)
    assert not any(NATO_RESPONSE in hit.excerpt for hit in alone.hits)  # the topic is needed
    answer = engine.ask("And what did NATO answer?", earlier=CANONICAL)
    assert answer.question == "And what did NATO answer? (Russia demand)"
    # Among the first five of the question run: the paragraph names Russia only through its
    # sub-heading, so it ranks below the demands and NATO's offer of talks
    # (retrieval/ranking.HEADING_COVERAGE).
    assert any(NATO_RESPONSE in hit.excerpt for hit in engine.ask(answer.question, top_k=5).hits)
    assert NATO_RESPONSE in engine.ask(CANONICAL).hits[2].excerpt
    assert not any(NATO_RESPONSE in hit.excerpt for hit in answer.hits)


def _passages(answer: Answer) -> list[tuple[str, int]]:
    return [(hit.article_id, hit.paragraph_number) for hit in answer.hits]


def test_a_follow_up_brings_what_is_new_first(engine: Engine) -> None:
    shown = _passages(engine.ask(CANONICAL))
    answer = engine.ask(FOLLOW_UP, earlier=CANONICAL)
    assert answer.answered and len(answer.hits) == 3
    assert not set(_passages(answer)) & set(shown)
    # Without the earlier answer to leave out, the demands would open it again.
    plain = engine.ask(answer.question)
    assert _passages(plain)[0] in shown
    assert [hit.rank for hit in answer.hits] == [1, 2, 3]


def test_what_was_shown_comes_last_and_pages_consistently(engine: Engine) -> None:
    shown = set(_passages(engine.ask(CANONICAL)))
    pages, offset = [], 0
    while (page := engine.ask(FOLLOW_UP, top_k=3, offset=offset, earlier=CANONICAL)).hits:
        pages.append(page)
        offset += len(page.hits)
    seen = [passage for page in pages for passage in _passages(page)]
    assert len(seen) == len(set(seen))  # no passage twice
    everything = engine.ask(pages[0].question, top_k=1000)  # the same ranking, unreordered
    assert set(seen) == set(_passages(everything))  # none skipped
    assert set(seen[-len(shown):]) == shown  # the earlier answer's passages last, in order
    assert seen[-len(shown):] == [p for p in _passages(everything) if p in shown]
    assert [hit.rank for page in pages for hit in page.hits] == list(range(1, len(seen) + 1))


def test_abstention_is_the_run_questions(engine: Engine) -> None:
    for reply in (FOLLOW_UP, "What about the demands themselves?", "Why?"):
        answer = engine.ask(reply, earlier=CANONICAL)
        plain = engine.ask(answer.question)
        assert (answer.answered, answer.answerability) == (plain.answered, plain.answerability)


def test_a_reply_on_its_own_topic_is_answered_as_it_stands(engine: Engine) -> None:
    reply = "How many soldiers did Russia gather near the border?"
    assert engine.ask(reply, earlier=CANONICAL) == engine.ask(reply)


def test_an_earlier_abstention_showed_nothing(engine: Engine) -> None:
    earlier = "Who won the 2022 World Cup?"
    assert not engine.ask(earlier).answered
    reply = "And what did they say?"
    answer = engine.ask(reply, earlier=earlier)
    assert answer == engine.ask(answer.question)


def test_a_follow_up_answered_only_by_what_was_shown_still_answers(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    small = engine_over(tmp_path_factory, {
        "001_a.txt": "date 2022-01\n\nRussland krævede garantier af Nato.\n\n"
                     "Nato afviste de russiske krav om garantier.\n",
        "002_b.txt": "date 2022-01\n\nVejret i København var koldt og vådt i januar.\n",
    })
    first = small.ask("What did Russia demand from NATO?", top_k=5)
    assert first.answered and first.hits
    follow = small.ask("And Russia's demand?", top_k=5, earlier=first.question)
    again = small.ask(follow.question, top_k=5)
    assert follow.answered == again.answered
    assert set(_passages(follow)) == set(_passages(again))  # kept, not dropped


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
