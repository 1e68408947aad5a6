"""The gloss line under each quote in the bot, through the fake Bot API."""

from __future__ import annotations

import re

from kilde.retrieval.engine import Engine
from tests.bot.conftest import USER, BotFactory
from tests.bot.helpers import QUESTION, first_reply
from tests.fake_telegram import FakeTelegram

_BLOCK = re.compile(r"<blockquote>(.*?)</blockquote>\n(?:<i>(.*?)</i>\n)?\[(\d+)\]", re.DOTALL)


async def test_english_question_gets_a_gloss_under_each_foreign_quote(
        fake: FakeTelegram, bot: BotFactory, engine: Engine) -> None:
    expected = engine.ask(QUESTION)
    async with bot():
        fake.send_text(fake.private_chat(USER), QUESTION)
        [answer] = await first_reply(fake, USER)
    blocks = _BLOCK.findall(answer["html"])
    assert len(blocks) == len(expected.hits)
    for (_, gloss, rank), hit in zip(blocks, expected.hits, strict=True):
        assert int(rank) == hit.rank
        assert gloss == " · ".join(f"{word} ≈ {meaning}" for word, meaning in hit.gloss)
    assert "Rusland ≈ Russia" in answer["text"] or "Russland ≈ Russia" in answer["text"]


async def test_no_gloss_for_a_quote_in_the_questions_language(
        fake: FakeTelegram, bot: BotFactory, engine: Engine) -> None:
    question = "Hvad siger Peskov om forhandlingerne?"
    expected = engine.ask(question)
    assert expected.language == "da" and {hit.language for hit in expected.hits} == {"da", "no"}
    async with bot():
        fake.send_text(fake.private_chat(USER), question)
        [answer] = await first_reply(fake, USER)
    blocks = _BLOCK.findall(answer["html"])
    assert len(blocks) == len(expected.hits)
    for (_, gloss, _), hit in zip(blocks, expected.hits, strict=True):
        assert (gloss == "") == (hit.language == "da")
