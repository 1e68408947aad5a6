"""An inline query that finds nothing shows one result saying so (through the fake Bot API)."""

from __future__ import annotations

from tests.bot.conftest import USER, BotFactory
from tests.bot.helpers import NONSENSE
from tests.fake_telegram import FakeTelegram


async def test_inline_query_finding_nothing_offers_one_result_that_says_so(
        fake: FakeTelegram, bot: BotFactory) -> None:
    async with bot():
        query = fake.inline_query(fake.user(USER), NONSENSE)
        answer = await fake.wait_for(lambda: fake.inline_answer(query))
    [result] = answer["results"]
    assert "nothing" in result["title"].lower()
    assert result["description"] == NONSENSE
    message = result["input_message_content"]["message_text"]
    assert NONSENSE in message and "<blockquote>" not in message
