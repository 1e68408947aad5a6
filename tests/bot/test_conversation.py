"""The bot as users see it: private chats, groups, commands, answers and buttons (end to end)."""

from __future__ import annotations

from kilde.retrieval.engine import Engine
from tests.bot.conftest import ADMIN, GROUP, USER, BotFactory
from tests.bot.helpers import NONSENSE, QUESTION, first_reply
from tests.fake_telegram import FakeTelegram, parse_html


async def test_private_text_is_answered_with_quoted_cited_excerpts(
        fake: FakeTelegram, bot: BotFactory) -> None:
    async with bot():
        asked = fake.send_text(fake.private_chat(USER), QUESTION)
        [answer] = await first_reply(fake, USER)
    assert answer["reply_to_message"]["message_id"] == asked["message_id"]
    html = answer["html"]
    assert html.count("<blockquote>") == 3
    assert "<b>Nato</b>" in html  # the question's words in bold
    assert "¶" in answer["text"] and "(2022-01)" in answer["text"]
    send = fake.calls_to("sendMessage")[0]
    assert send.params["parse_mode"] == "HTML"
    assert send.params["reply_parameters"]["allow_sending_without_reply"] is True
    # "typing" first, then the answer
    actions = fake.calls_to("sendChatAction")
    assert actions and actions[0].params["action"] == "typing"
    assert actions[0].at <= send.at
    buttons = [b for row in answer["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == ["Context [1]", "Context [2]", "Context [3]", "More",
                                         "👍", "👎"]
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)


async def test_abstention_is_one_short_line_without_buttons(
        fake: FakeTelegram, bot: BotFactory) -> None:
    async with bot():
        fake.send_text(fake.private_chat(USER), NONSENSE)
        [answer] = await first_reply(fake, USER)
    assert "\n" not in answer["text"] and len(answer["text"]) < 80
    assert "<blockquote>" not in answer["html"]
    assert "reply_markup" not in answer


async def test_start_help_and_command_list(fake: FakeTelegram, bot: BotFactory) -> None:
    async with bot():
        fake.send_text(fake.private_chat(USER), "/start")
        fake.send_text(fake.private_chat(USER), "/help")
        start, help_ = await first_reply(fake, USER, 2)
    assert start["text"] == help_["text"]
    assert "What did Russia demand from NATO?" in start["text"]  # an example question
    assert "/ask" in start["text"] and "@kilde_test_bot" in start["text"]
    assert {c["command"] for c in fake.commands} >= {"ask", "help", "sources"}
    assert not {c["command"] for c in fake.commands} & {"stats", "reload"}
    # Admins get their own menu, in their private chat only (tests/bot/test_admin_menu.py).
    assert fake.commands_for_chat(USER) == []


async def test_sources_lists_every_article(fake: FakeTelegram, bot: BotFactory,
                                           engine: Engine) -> None:
    async with bot():
        fake.send_text(fake.private_chat(USER), "/sources")
        [listing] = await first_reply(fake, USER)
    text = listing["text"]
    assert f"{len(engine.corpus.articles)} articles" in text
    for article in engine.corpus.articles:
        assert f"{len(article.paragraphs)} paragraphs" in text
        assert article.label[:20] in text
        assert f"{article.date}, {article.language}" in text


async def test_stats_only_for_admins(fake: FakeTelegram, bot: BotFactory) -> None:
    async with bot():
        fake.send_text(fake.private_chat(USER), QUESTION)
        fake.send_text(fake.private_chat(USER), NONSENSE)
        await first_reply(fake, USER, 2)
        fake.send_text(fake.private_chat(USER), "/stats")
        refusal = (await first_reply(fake, USER, 3))[-1]
        fake.send_text(fake.private_chat(ADMIN), "/stats")
        [stats] = await first_reply(fake, ADMIN)
    assert "admin" in refusal["text"]
    assert "2 questions, 1 answered, 1 abstention;" in stats["text"]
    assert "median answer time" in stats["text"] and " ms" in stats["text"]


async def test_group_answers_only_when_addressed(fake: FakeTelegram, bot: BotFactory) -> None:
    group = fake.group_chat(GROUP)
    member = fake.user(USER)
    async with bot():
        chatter = [
            fake.send_text(group, "Did anyone see the news about Nato?", user=member),
            fake.send_text(group, "/ask@some_other_bot what about Nato", user=member),
            fake.send_text(group, "mail me at kilde_test_botx@example.com", user=member),
        ]
        await fake.settle()
        assert fake.bot_messages(GROUP) == []
        asked = [
            fake.send_text(group, f"/ask {QUESTION}", user=member),
            fake.send_text(group, f"/ask@kilde_test_bot {QUESTION}", user=member),
            fake.send_text(group, f"@kilde_test_bot {QUESTION}", user=member),
            fake.send_text(group, f"{QUESTION} @KILDE_TEST_BOT", user=member),
        ]
        answers = await first_reply(fake, GROUP, 4)
        # a reply to the bot's own message continues the thread
        thread = fake.send_text(group, "And what did Stoltenberg say?", user=member,
                                reply_to=answers[0])
        answers = await first_reply(fake, GROUP, 5)
        await fake.settle()
    replied_to = sorted(a["reply_to_message"]["message_id"] for a in answers)
    assert replied_to == sorted(m["message_id"] for m in [*asked, thread])
    unquoted = [a["text"][:30] for a in answers if "<blockquote>" not in a["html"]]
    assert unquoted == []
    assert len(fake.bot_messages(GROUP)) == 5
    assert not set(replied_to) & {m["message_id"] for m in chatter}


async def test_empty_ask_and_bare_mention_get_a_hint(fake: FakeTelegram, bot: BotFactory) -> None:
    group = fake.group_chat(GROUP)
    async with bot():
        fake.send_text(group, "/ask", user=fake.user(USER))
        fake.send_text(group, "/ask@kilde_test_bot   ", user=fake.user(USER))
        fake.send_text(group, "@kilde_test_bot", user=fake.user(USER))
        hints = await first_reply(fake, GROUP, 3)
    assert all("e.g." in hint["text"] and "<blockquote>" not in hint["html"] for hint in hints)


async def test_answer_still_sent_when_question_was_deleted(
        fake: FakeTelegram, bot: BotFactory) -> None:
    chat = fake.private_chat(USER)
    async with bot():
        asked = fake.new_message(chat, QUESTION)
        fake.delete_message(USER, asked["message_id"])
        fake.add_update({"message": asked})
        [answer] = await first_reply(fake, USER)
    assert "reply_to_message" not in answer
    assert "<blockquote>" in answer["html"]


async def test_more_gives_the_next_excerpts(fake: FakeTelegram, bot: BotFactory) -> None:
    async with bot():
        fake.send_text(fake.private_chat(USER), QUESTION)
        [answer] = await first_reply(fake, USER)
        query = fake.press_button(answer, "m|3|q|" + QUESTION)
        first, more = await first_reply(fake, USER, 2)
        await fake.wait_for(lambda: fake.callback_answer(query))
    assert more["reply_to_message"]["message_id"] == answer["message_id"]
    assert "[4]" in more["text"] and "[1]" not in more["text"]
    assert first["text"] != more["text"]
    buttons = [b["text"] for row in more["reply_markup"]["inline_keyboard"] for b in row]
    assert "Context [4]" in buttons


async def test_context_shows_the_paragraph_and_its_neighbours(
        fake: FakeTelegram, bot: BotFactory, engine: Engine) -> None:
    async with bot():
        fake.send_text(fake.private_chat(USER), QUESTION)
        [answer] = await first_reply(fake, USER)
        data = answer["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        fake.press_button(answer, data)
        _, context = await first_reply(fake, USER, 2)
    _, _, number, _ = data.split("|")
    n = int(number)
    assert f"¶{n} " in context["text"]
    article = next(a for a in engine.corpus.articles if a.label[:15] in context["text"])
    shown = article.paragraph(n)
    assert shown is not None and shown.text in context["text"]
    for neighbour in (article.paragraph(n - 1), article.paragraph(n + 1)):
        if neighbour is not None and neighbour.kind.citable:
            assert neighbour.text[:40] in context["text"]
    parse_html(context["html"])


async def test_unknown_command_hint_in_private_and_silence_in_groups(
        fake: FakeTelegram, bot: BotFactory) -> None:
    async with bot():
        fake.send_text(fake.group_chat(GROUP), "/frobnicate", user=fake.user(USER))
        fake.send_text(fake.private_chat(USER), "/frobnicate")
        [hint] = await first_reply(fake, USER)
        await fake.settle()
    assert "/help" in hint["text"]
    assert fake.bot_messages(GROUP) == []
