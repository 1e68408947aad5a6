"""Every answer is delivered exactly once: through lost answers, outages and 429s.

The fake Bot API carries out a `sendMessage` and then loses its answer (a 502, a hang past the
bot's read timeout, a dropped connection), goes down for seconds, or limits a chat to one
message a second, as Telegram does.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from kilde.bot.telegram_app.handlers import SOMETHING_WENT_WRONG
from tests.bot.conftest import USER, BotFactory
from tests.bot.helpers import QUESTION, first_reply
from tests.fake_telegram import FakeTelegram


@pytest.mark.parametrize("loss", ["502", "hang", "drop"])
async def test_a_send_delivered_then_lost_is_not_repeated(
        fake: FakeTelegram, bot: BotFactory, loss: str) -> None:
    fake.deliver_then_fail("sendMessage", status=502, hang=2.0 if loss == "hang" else 0.0,
                           drop=loss == "drop")
    async with bot():  # read timeout 1 s
        fake.send_text(fake.private_chat(USER), QUESTION)
        await first_reply(fake, USER)
        await asyncio.sleep(2.5 if loss == "hang" else 0.5)
        await fake.settle()
    [answer] = fake.bot_messages(USER)  # exactly one message: the answer, no repeat, no apology
    assert "<blockquote>" in answer["html"]
    assert len(fake.calls_to("sendMessage", ok_only=False)) == 1


async def test_answers_wait_out_an_outage_of_the_bot_api(
        fake: FakeTelegram, bot: BotFactory) -> None:
    fake.outage_on("sendChatAction", 3.0)  # down as the bot starts answering
    async with bot():
        started = time.monotonic()
        fake.send_text(fake.private_chat(USER), QUESTION)
        [answer] = await fake.wait_for(lambda: fake.bot_messages(USER), timeout=30)
        took = time.monotonic() - started
        fake.send_text(fake.private_chat(USER + 1), QUESTION)  # and the bot is back to normal
        await fake.wait_for(lambda: fake.bot_messages(USER + 1), timeout=30)
        await fake.settle()
    assert took >= 3.0  # it waited the outage out ...
    assert "<blockquote>" in answer["html"]
    assert len(fake.bot_messages(USER)) == 1  # ... and said it once


async def test_a_burst_at_one_message_a_second_gets_every_answer_late(
        fake: FakeTelegram, bot: BotFactory) -> None:
    fake.rate_limit("sendMessage", 1.0)
    async with bot():
        for _ in range(6):
            fake.send_text(fake.private_chat(USER), QUESTION)
        await fake.wait_for(lambda: len(fake.bot_messages(USER)) >= 6, timeout=60)
        await asyncio.sleep(1.5)  # nothing more comes
        await fake.settle()
    replies = fake.bot_messages(USER)
    assert len(replies) == 6
    assert all("<blockquote>" in m["html"] for m in replies)
    assert not any(SOMETHING_WENT_WRONG in m["text"] for m in replies)
    assert any(c.status == 429 for c in fake.calls_to("sendMessage", ok_only=False))
