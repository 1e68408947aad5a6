"""Allow-list, flood protection and inline mode, end to end against the fake Bot API."""

from __future__ import annotations

from tests.bot.conftest import GROUP, USER, BotFactory
from tests.bot.helpers import QUESTION, first_reply
from tests.fake_telegram import FakeTelegram, parse_html

STRANGER = 666


async def test_strangers_get_a_one_line_refusal_and_no_corpus_text(
        fake: FakeTelegram, bot: BotFactory) -> None:
    async with bot(allowed_chat_ids=(USER, GROUP)):
        fake.send_text(fake.private_chat(STRANGER), QUESTION)
        fake.send_text(fake.private_chat(STRANGER), "/sources")
        fake.send_text(fake.group_chat(-999), f"/ask {QUESTION}", user=fake.user(STRANGER))
        fake.send_text(fake.group_chat(-999), "just chatting about Nato", user=fake.user(STRANGER))
        refusals = await first_reply(fake, STRANGER, 2)
        [group_refusal] = await first_reply(fake, -999)
        # allowed: the user anywhere, and anyone in the allowed group
        fake.send_text(fake.private_chat(USER), QUESTION)
        fake.send_text(fake.group_chat(GROUP), f"/ask {QUESTION}", user=fake.user(STRANGER))
        [answer] = await first_reply(fake, USER)
        [group_answer] = await first_reply(fake, GROUP)
        await fake.settle()
    for refusal in [*refusals, group_refusal]:
        assert "\n" not in refusal["text"] and "only answers" in refusal["text"]
        assert "Nato" not in refusal["text"] and "reply_markup" not in refusal
    assert len(fake.bot_messages(-999)) == 1  # the chatter got no refusal
    assert "<blockquote>" in answer["html"] and "<blockquote>" in group_answer["html"]


async def test_buttons_refuse_strangers(fake: FakeTelegram, bot: BotFactory) -> None:
    async with bot(allowed_chat_ids=(USER,)):
        fake.send_text(fake.private_chat(USER), QUESTION)
        [answer] = await first_reply(fake, USER)
        data = answer["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        # the answer forwarded into a stranger's chat would carry the same buttons
        foreign = {**answer, "chat": fake.private_chat(STRANGER)}
        query = fake.press_button(foreign, data, user=fake.user(STRANGER))
        reply = await fake.wait_for(lambda: fake.callback_answer(query))
    assert "only answers" in reply["text"]
    assert fake.bot_messages(STRANGER) == []


async def test_flood_protection_slows_one_user_only(fake: FakeTelegram, bot: BotFactory) -> None:
    chat = fake.private_chat(USER)
    async with bot(flood_limit=5):
        for _ in range(12):
            fake.send_text(chat, QUESTION)
        fake.send_text(fake.private_chat(USER + 1), QUESTION)
        await first_reply(fake, USER + 1)
        await fake.settle()
    replies = fake.bot_messages(USER)
    answers = [m for m in replies if "<blockquote>" in m["html"]]
    warnings = [m for m in replies if "faster" in m["text"]]
    assert len(answers) == 5
    assert len(warnings) == 1  # told once, then the rest are dropped quietly
    assert len(replies) == 6


async def test_inline_query_offers_up_to_ten_excerpts(fake: FakeTelegram, bot: BotFactory) -> None:
    async with bot():
        query = fake.inline_query(fake.user(USER), "Nato")
        answer = await fake.wait_for(lambda: fake.inline_answer(query))
    results = answer["results"]
    assert 3 <= len(results) <= 10
    assert answer["is_personal"] is True
    for result in results:
        assert "¶" in result["title"] and result["description"]
        content = result["input_message_content"]
        assert content["parse_mode"] == "HTML"
        text = parse_html(content["message_text"])
        assert result["title"] in text  # the citation travels with the excerpt
        assert content["message_text"].startswith("<blockquote>")


async def test_inline_query_from_stranger_or_empty_gets_nothing(
        fake: FakeTelegram, bot: BotFactory) -> None:
    async with bot(allowed_chat_ids=(USER,)):
        stranger = fake.inline_query(fake.user(STRANGER), "Nato")
        empty = fake.inline_query(fake.user(USER), "   ")
        allowed = fake.inline_query(fake.user(USER), "Nato")
        await fake.wait_for(lambda: all(fake.inline_answer(q) for q in (stranger, empty, allowed)))
    assert fake.inline_answer(stranger)["results"] == []  # type: ignore[index]
    assert fake.inline_answer(empty)["results"] == []  # type: ignore[index]
    assert fake.inline_answer(allowed)["results"]  # type: ignore[index]


async def test_sent_inline_result_is_not_taken_for_a_question(
        fake: FakeTelegram, bot: BotFactory) -> None:
    async with bot():
        message = fake.new_message(fake.private_chat(USER), "«Nato» quote",
                                   via_bot=fake.bot_user())
        fake.add_update({"message": message})
        await fake.settle()
    assert fake.bot_messages(USER) == []
