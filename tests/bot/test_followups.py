"""Replies to the bot's answers continue the thread (end to end, through the fake Bot API)."""

from __future__ import annotations

from kilde.retrieval.answer import Answer
from kilde.retrieval.engine import Engine
from tests.bot.conftest import GROUP, USER, BotFactory
from tests.bot.helpers import NONSENSE, QUESTION, first_reply
from tests.fake_telegram import FakeTelegram

FOLLOW_UP = "And what did NATO answer?"
# The first answer opens with Russia's demands; the VG list of them is its second excerpt.
DEMANDS = "svært vidtgående krav"
# Carried over, the earlier topic (Russia's demands) reaches the follow-up's answer: the VG
# paragraph on what the demands comprise, which the first answer did not show.
WHAT_THE_DEMANDS_COMPRISE = "Kravene omfatter et varig nei"


def _quotes(answer: Answer) -> list[str]:
    """The start of each excerpt, as a message's text shows it."""
    return [hit.excerpt[:40] for hit in answer.hits]


def _repeats(message: dict, earlier: Answer) -> list[str]:
    return [quote for quote in _quotes(earlier) if quote in message["text"]]


async def test_reply_in_a_group_carries_the_topic_over(
        fake: FakeTelegram, bot: BotFactory, engine: Engine) -> None:
    group, member = fake.group_chat(GROUP), fake.user(USER)
    async with bot():
        fake.send_text(group, f"/ask {QUESTION}", user=member)
        [answer] = await first_reply(fake, GROUP)
        fake.send_text(group, FOLLOW_UP, user=member)  # not a reply: the bot stays silent
        await fake.settle()
        assert len(fake.bot_messages(GROUP)) == 1
        follow_up = fake.send_text(group, FOLLOW_UP, user=member, reply_to=answer)
        _, continued = await first_reply(fake, GROUP, 2)
    assert continued["reply_to_message"]["message_id"] == follow_up["message_id"]
    assert WHAT_THE_DEMANDS_COMPRISE in continued["text"]
    # What is new, and nothing the answer it replies to already showed.
    earlier = engine.ask(QUESTION)
    assert len(_repeats(answer, earlier)) == 3 and DEMANDS in answer["text"]
    assert _repeats(continued, earlier) == []


async def test_reply_in_a_private_chat_is_a_follow_up_and_threads_go_on(
        fake: FakeTelegram, bot: BotFactory, engine: Engine) -> None:
    chat = fake.private_chat(USER)
    async with bot():
        fake.send_text(chat, QUESTION)
        [answer] = await first_reply(fake, USER)
        fake.send_text(chat, FOLLOW_UP)  # no reply: a question on its own
        _, alone = await first_reply(fake, USER, 2)
        fake.send_text(chat, FOLLOW_UP, reply_to=answer)
        _, _, continued = await first_reply(fake, USER, 3)
        # A reply to the follow-up's answer keeps the thread's topic.
        fake.send_text(chat, "What about the demands themselves?", reply_to=continued)
        *_, third = await first_reply(fake, USER, 4)
    assert WHAT_THE_DEMANDS_COMPRISE not in alone["text"]
    assert WHAT_THE_DEMANDS_COMPRISE in continued["text"]
    first_quote = _quotes(engine.ask(QUESTION))[0]
    assert first_quote in answer["text"] and first_quote not in continued["text"]
    assert "<blockquote>" in third["html"] and "¶" in third["text"]


async def test_more_under_a_follow_up_pages_on_without_repeats(
        fake: FakeTelegram, bot: BotFactory, engine: Engine) -> None:
    chat = fake.private_chat(USER)
    async with bot():
        fake.send_text(chat, QUESTION)
        [answer] = await first_reply(fake, USER)
        fake.send_text(chat, FOLLOW_UP, reply_to=answer)
        _, continued = await first_reply(fake, USER, 2)
        [more_data] = [button["callback_data"]
                       for row in continued["reply_markup"]["inline_keyboard"]
                       for button in row if button["text"] == "More"]
        fake.press_button(continued, more_data)
        *_, more = await first_reply(fake, USER, 3)
        [again_data] = [button["callback_data"]
                        for row in more["reply_markup"]["inline_keyboard"]
                        for button in row if button["text"] == "More"]
        fake.press_button(more, again_data)
        *_, last = await first_reply(fake, USER, 4)
    assert more_data.startswith("m|3|f|") and again_data.startswith("m|6|f|")
    assert "[4]" in more["text"] and "[1]" not in more["text"] and "[7]" in last["text"]
    # The follow-up's own order, page after page: the same pages the engine gives.
    pages = [engine.ask(FOLLOW_UP, offset=offset, earlier=QUESTION) for offset in (0, 3, 6)]
    for message, page in zip((continued, more, last), pages, strict=True):
        assert all(quote in message["text"] for quote in _quotes(page))
    earlier = engine.ask(QUESTION)
    assert all(_repeats(message, earlier) == [] for message in (continued, more, last))
    seen = [quote for page in pages for quote in _quotes(page)]
    assert len(seen) == len(set(seen)) == 9


async def test_reply_naming_a_new_topic_is_answered_on_its_own(
        fake: FakeTelegram, bot: BotFactory) -> None:
    chat = fake.private_chat(USER)
    async with bot():
        fake.send_text(chat, QUESTION)
        [answer] = await first_reply(fake, USER)
        fake.send_text(chat, NONSENSE, reply_to=answer)
        _, reply = await first_reply(fake, USER, 2)
    assert "<blockquote>" not in reply["html"]  # carried over, Russia/NATO would have answered


async def test_reply_to_a_bot_message_that_is_no_answer_is_a_plain_question(
        fake: FakeTelegram, bot: BotFactory) -> None:
    chat = fake.private_chat(USER)
    async with bot():
        fake.send_text(chat, "/help")
        [help_message] = await first_reply(fake, USER)
        fake.send_text(chat, FOLLOW_UP, reply_to=help_message)
        _, reply = await first_reply(fake, USER, 2)
    assert DEMANDS not in reply["text"]
