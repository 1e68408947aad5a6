"""Faults from the Bot API, updates the bot must ignore, hostile input, restarts."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from pathlib import Path

import pytest

from kilde.retrieval.engine import Engine
from tests.bot.conftest import FAST, GROUP, USER, BotFactory, copy_corpus
from tests.bot.helpers import NONSENSE, QUESTION, first_reply, methods, refused_calls
from tests.fake_telegram import FakeTelegram, parse_html, utf16_length

LOOK_ALIKES = [
    "What did <b>Russia</b> demand from NATO? </blockquote> <a href='x'>&amp;&nbsp;&#0;",
    "What did *Russia* demand from _NATO_? [link](http://x) `code` ~~s~~ ||spoiler||",
    "Nato <script>alert(1)</script> & Russland < > \" '",
]


async def test_429_retry_after_is_honoured(fake: FakeTelegram, bot: BotFactory) -> None:
    fake.fail_next("sendMessage", 429, retry_after=1)
    async with bot():
        fake.send_text(fake.private_chat(USER), QUESTION)
        [answer] = await first_reply(fake, USER)
    failed, sent = fake.calls_to("sendMessage", ok_only=False)
    assert failed.status == 429 and sent.status == 200
    assert sent.at - failed.at >= 0.9
    assert "<blockquote>" in answer["html"]


@pytest.mark.parametrize("status", [500, 502])
async def test_5xx_is_retried_with_backoff_where_repeating_is_safe(
        fake: FakeTelegram, bot: BotFactory, status: int) -> None:
    fake.fail_next("sendChatAction", status, times=2)  # "typing…": twice changes nothing
    fake.fail_next("sendMessage", status)  # may have been delivered: not repeated
    async with bot():
        fake.send_text(fake.private_chat(USER), QUESTION)
        await fake.wait_for(lambda: fake.calls_to("sendMessage", ok_only=False))
        fake.send_text(fake.private_chat(USER), QUESTION)
        [answer] = await first_reply(fake, USER)
        await fake.settle()
    typing = [c.status for c in fake.calls_to("sendChatAction", ok_only=False)]
    assert typing[:3] == [status, status, 200]
    sends = [c.status for c in fake.calls_to("sendMessage", ok_only=False)]
    assert sends == [status, 200]  # the second question's answer; no apology, no repeat
    assert "<blockquote>" in answer["html"]


async def test_a_hanging_send_is_not_repeated_and_others_are_served(
        fake: FakeTelegram, bot: BotFactory) -> None:
    fake.hang_next("sendMessage", 3)
    async with bot(tuning=replace(FAST, read_timeout=3.0)):
        fake.send_text(fake.private_chat(USER), QUESTION)
        await fake.wait_for(lambda: fake.faults_left("sendMessage") == 0)  # it hangs now
        started = time.monotonic()
        fake.send_text(fake.private_chat(USER + 1), QUESTION)
        await first_reply(fake, USER + 1)
        other_took = time.monotonic() - started
        await fake.wait_for(lambda: len(fake.calls_to("sendMessage", ok_only=False)) >= 2, 10)
        await fake.settle()
    assert other_took < 2.5  # not stuck behind the hanging call (it hangs 3 s)
    assert fake.bot_messages(USER) == []  # it may have been delivered: not sent again


async def test_error_handler_tells_the_user_and_the_bot_keeps_serving(
        fake: FakeTelegram, bot: BotFactory, caplog: pytest.LogCaptureFixture) -> None:
    fake.fail_next("sendMessage", 400, "Bad Request: something unexpected")
    async with bot():
        fake.send_text(fake.private_chat(USER), QUESTION)
        [sorry] = await first_reply(fake, USER)
        fake.send_text(fake.private_chat(USER), QUESTION)
        _, answer = await first_reply(fake, USER, 2)
    assert "something went wrong" in sorry["text"]
    assert "<blockquote>" in answer["html"]
    assert any("something unexpected" in r.getMessage().lower() and r.levelno == logging.ERROR
               for r in caplog.records)


async def test_network_down_then_back(fake: FakeTelegram, bot: BotFactory) -> None:
    """Polling survives getUpdates failing (5xx) and picks up where it left off."""
    async with bot():
        fake.fail_next("getUpdates", 502, times=2)
        fake.send_text(fake.private_chat(USER), QUESTION)
        [answer] = await first_reply(fake, USER)
    assert "<blockquote>" in answer["html"]


async def test_noise_is_ignored_without_a_crash(fake: FakeTelegram, bot: BotFactory) -> None:
    chat = fake.private_chat(USER)
    async with bot():
        asked = fake.send_text(chat, QUESTION)
        await first_reply(fake, USER)
        fake.edit_text(asked, "What did Russia demand from Ukraine?")
        fake.add_update({"message": fake.new_message(
            chat, None, sticker={"file_id": "s", "file_unique_id": "s", "type": "regular",
                                 "width": 512, "height": 512, "is_animated": False,
                                 "is_video": False})})
        fake.add_update({"message": fake.new_message(
            chat, None, photo=[{"file_id": "p", "file_unique_id": "p", "width": 1,
                                "height": 1}], caption="Nato?")})
        fake.send_text(fake.channel(-1005), f"@kilde_test_bot {QUESTION}")
        fake.send_text(fake.group_chat(GROUP), f"/ask {QUESTION}",
                       user=fake.user(77, is_bot=True))
        fake.send_text(chat, f"{QUESTION} (after the noise)")
        await first_reply(fake, USER, 2)
        await fake.settle()
    assert len(fake.bot_messages()) == 2
    assert set(methods(fake)) <= {"getMe", "setMyCommands", "deleteWebhook", "sendChatAction",
                                  "sendMessage"}


@pytest.mark.parametrize("question", LOOK_ALIKES)
async def test_html_and_markdown_look_alikes_are_escaped(
        fake: FakeTelegram, bot: BotFactory, question: str) -> None:
    async with bot():
        fake.send_text(fake.private_chat(USER), question)
        fake.send_text(fake.group_chat(GROUP), f"/ask {question}", user=fake.user(USER))
        [answer] = await first_reply(fake, USER)
        [group_answer] = await first_reply(fake, GROUP)
    assert refused_calls(fake) == []
    for message in (answer, group_answer):
        parse_html(message["html"])
        assert "<script>" not in message["html"]


async def test_long_and_strange_characters(fake: FakeTelegram, bot: BotFactory) -> None:
    chat = fake.private_chat(USER)
    async with bot():
        fake.send_text(chat, "Nato " * 1000)  # 5,000 characters
        fake.send_text(chat, "What\u200b did\u200f Russia \u202edemand\u202c from NATO?\u2066")
        fake.send_text(chat, "\u200b\u200b\u200b")
        fake.send_text(chat, "🇺🇦" * 50 + " Nato")
        replies = await first_reply(fake, USER, 4)
        await fake.settle()
    assert refused_calls(fake) == []
    assert len(replies) == 4
    for reply in replies:
        assert utf16_length(parse_html(reply["html"])) <= 4096


async def test_many_excerpts_split_cleanly_under_4096(fake: FakeTelegram, bot: BotFactory) -> None:
    async with bot(top_k=50):
        fake.send_text(fake.private_chat(USER), "Nato Russland Ukraine USA")
        replies = await first_reply(fake, USER, 2)
        await fake.settle()
    replies = fake.bot_messages(USER)
    assert len(replies) >= 2
    for reply in replies:
        assert utf16_length(parse_html(reply["html"])) <= 4096
        assert reply["html"].count("<blockquote>") == reply["html"].count("</blockquote>")
    assert "reply_markup" in replies[-1] and all("reply_markup" not in r for r in replies[:-1])


async def test_pending_updates_are_answered_once_across_a_restart(
        fake: FakeTelegram, bot: BotFactory) -> None:
    fake.send_text(fake.private_chat(USER), QUESTION)  # sent while the bot was down
    async with bot():
        await first_reply(fake, USER)
    assert fake.pending_updates == 0  # confirmed on shutdown
    fake.send_text(fake.private_chat(USER), NONSENSE)  # while down again
    async with bot():
        await first_reply(fake, USER, 2)
        await fake.settle()
    assert len(fake.bot_messages(USER)) == 2


async def test_buttons_still_work_after_a_restart(fake: FakeTelegram, bot: BotFactory) -> None:
    long_question = QUESTION + " And what did Stoltenberg say about the Russian demands?"
    async with bot():
        short_asked = fake.send_text(fake.private_chat(USER), QUESTION)
        await first_reply(fake, USER, 1)
        fake.send_text(fake.private_chat(USER), long_question)
        replies = await first_reply(fake, USER, 2)
    short_answer, long_answer = sorted(
        replies, key=lambda r: r["reply_to_message"]["message_id"] != short_asked["message_id"])
    more_short = short_answer["reply_markup"]["inline_keyboard"][-1][0]["callback_data"]
    more_long = long_answer["reply_markup"]["inline_keyboard"][-1][0]["callback_data"]
    context = long_answer["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert more_long.startswith("m|3|k|")  # too long to carry the question itself
    async with bot():  # a new process: nothing remembered
        for data, answer in ((more_short, short_answer), (more_long, long_answer),
                             (context, long_answer)):
            fake.press_button(answer, data)
        replies = await first_reply(fake, USER, 5)
    new = replies[2:]
    assert sum("[4]" in r["text"] for r in new) == 2
    assert any("¶" in r["text"] and "[" not in r["text"] for r in new)


async def test_more_for_a_forgotten_question_asks_politely_to_ask_again(
        fake: FakeTelegram, bot: BotFactory) -> None:
    long_question = QUESTION + " And what did Stoltenberg say about the Russian demands?"
    async with bot():
        asked = fake.send_text(fake.private_chat(USER), long_question)
        [answer] = await first_reply(fake, USER)
    fake.delete_message(USER, asked["message_id"])
    answer = {k: v for k, v in answer.items() if k != "reply_to_message"}  # as if deleted
    async with bot():
        query = fake.press_button(answer, answer["reply_markup"]["inline_keyboard"][-1][0][
            "callback_data"])
        reply = await fake.wait_for(lambda: fake.callback_answer(query))
    assert "ask it again" in reply["text"]
    assert len(fake.bot_messages(USER)) == 1


async def test_context_after_a_corpus_change(fake: FakeTelegram, bot: BotFactory,
                                             tmp_path: Path) -> None:
    corpus = copy_corpus(tmp_path / "articles")
    before = Engine.open(corpus, index_dir=tmp_path / "index")
    async with bot(before):
        fake.send_text(fake.private_chat(USER), QUESTION)
        [answer] = await first_reply(fake, USER)
    buttons = answer["reply_markup"]["inline_keyboard"][0]
    hits = before.ask(QUESTION, top_k=3).hits
    # the first hit's article gains a paragraph at the top; the second's is deleted
    first = corpus / hits[0].source
    text = first.read_text(encoding="utf-8")
    prefix = text[: text.index(" ", text.index("date ") + 5) + 1]  # " date YYYY-MM "
    first.write_text(prefix + "Et nytt første avsnitt.\n\n" + text[len(prefix):],
                     encoding="utf-8")
    second_gone = hits[1].article_id != hits[0].article_id
    if second_gone:
        (corpus / hits[1].source).unlink()
    after = Engine.open(corpus, index_dir=tmp_path / "index")
    async with bot(after):
        moved = fake.press_button(answer, buttons[0]["callback_data"])
        _, context = await first_reply(fake, USER, 2)
        assert f"¶{hits[0].paragraph_number + 1} " in context["text"]
        assert hits[0].paragraph in context["text"]
        if second_gone:
            gone = fake.press_button(answer, buttons[1]["callback_data"])
            reply = await fake.wait_for(lambda: fake.callback_answer(gone))
            assert "no longer" in reply["text"]
        await fake.wait_for(lambda: fake.callback_answer(moved))


async def test_a_single_401_from_get_updates_does_not_stop_polling(
        fake: FakeTelegram, bot: BotFactory) -> None:
    # Defect 7: one 401 from getUpdates stopped polling for good while the process lived on.
    async with bot():
        fake.fail_next("getUpdates", 401, "Unauthorized")
        await fake.wait_for(lambda: any(
            c.status == 401 for c in fake.calls_to("getUpdates", ok_only=False)))
        fake.send_text(fake.private_chat(USER), QUESTION)
        [answer] = await first_reply(fake, USER, seconds=10)
    assert "<blockquote>" in answer["html"]


async def test_a_token_refused_for_good_stops_the_bot(
        fake: FakeTelegram, bot: BotFactory) -> None:
    async with bot(tuning=replace(FAST, rejected_budget=1.0)) as app:
        fake.fail_next("getUpdates", 401, "Unauthorized", times=1000)
        await fake.wait_for(lambda: app.refused, timeout=10)
