"""👍/👎 under answers, the query log, /stats and `kilde log` (through the fake Bot API and the
real CLI)."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import pytest

from kilde.bot.querylog import LOG_FILE
from tests.bot.conftest import ADMIN, GROUP, USER, BotFactory
from tests.bot.helpers import NONSENSE, QUESTION, first_reply
from tests.bot.test_cli import kilde
from tests.fake_telegram import FakeTelegram


def _buttons(message: dict) -> dict[str, str]:
    return {b["text"]: b["callback_data"]
            for row in message["reply_markup"]["inline_keyboard"] for b in row}


async def test_up_then_down_from_one_user_counts_once_as_down(
        fake: FakeTelegram, bot: BotFactory, tmp_path: Path) -> None:
    group = fake.group_chat(GROUP)
    async with bot(query_log_dir=tmp_path):
        fake.send_text(group, f"/ask {QUESTION}", user=fake.user(USER))
        [answer] = await first_reply(fake, GROUP)
        buttons = _buttons(answer)
        presses = []
        for button, user in (("👍", USER), ("👎", USER), ("👎", USER), ("👍", ADMIN)):
            query = fake.press_button(answer, buttons[button], user=fake.user(user))
            presses.append(query)
            await fake.wait_for(lambda: fake.callback_answer(query))  # noqa: B023 (awaited here)
        fake.send_text(fake.private_chat(ADMIN), "/stats")
        [stats] = await first_reply(fake, ADMIN)
    toasts = [fake.callback_answer(q)["text"] for q in presses]  # type: ignore[index]
    assert "recorded" in toasts[0] and "👍" in toasts[0]
    assert "now 👎" in toasts[1]
    assert "already" in toasts[2]
    assert "👍 1 · 👎 1" in stats["text"]  # USER's vote counts once, as 👎; ADMIN's 👍
    with sqlite3.connect(tmp_path / LOG_FILE) as db:
        assert db.execute("SELECT count(*) FROM votes").fetchone() == (2,)


async def test_stats_lists_the_questions_that_got_no_answer(
        fake: FakeTelegram, bot: BotFactory, tmp_path: Path) -> None:
    async with bot(query_log_dir=tmp_path):
        fake.send_text(fake.private_chat(USER), QUESTION)
        fake.send_text(fake.private_chat(USER), NONSENSE)
        answers = await first_reply(fake, USER, 2)
        fake.send_text(fake.private_chat(ADMIN), "/stats")
        [stats] = await first_reply(fake, ADMIN)
    text = stats["text"]
    assert "2 questions today, 2 in total" in text
    assert "1 abstention (abstention rate 50%)" in text
    assert NONSENSE in text and QUESTION not in text
    abstention = next(a for a in answers if "<blockquote>" not in a["html"])
    assert "reply_markup" not in abstention  # nothing to vote on


async def test_the_log_keeps_what_was_asked_and_run_and_kilde_log_shows_it(
        fake: FakeTelegram, bot: BotFactory, tmp_path: Path) -> None:
    chat = fake.private_chat(USER)
    async with bot(query_log_dir=tmp_path):
        fake.send_text(chat, QUESTION)
        [answer] = await first_reply(fake, USER)
        fake.send_text(chat, "And what did NATO answer?", reply_to=answer)
        await first_reply(fake, USER, 2)  # one at a time: the log's order is the asking order
        fake.send_text(chat, NONSENSE)
        await first_reply(fake, USER, 3)
    env = {"KILDE_QUERY_LOG_DIR": str(tmp_path)}
    report = json.loads(kilde("log", "--json", env=env).stdout)
    assert report["questions_total"] == 3 and report["abstentions"] == 1
    assert [gap["question"] for gap in report["gaps"]] == [NONSENSE]
    with sqlite3.connect(tmp_path / LOG_FILE) as db:
        rows = db.execute("SELECT question, question_run, chat_type, language, answered, hits"
                          " FROM questions ORDER BY id").fetchall()
    assert rows[1][:2] == ("And what did NATO answer?", "And what did NATO answer? (Russia demand)")
    assert [row[2:5] for row in rows] == [("private", "en", 1)] * 2 + [("private", "en", 0)]
    assert "¶" in json.loads(rows[0][5])[0]["citation"]
    listing = kilde("log", "--unanswered", env=env)
    assert listing.returncode == 0 and NONSENSE in listing.stdout
    assert QUESTION not in listing.stdout
    latest = report["latest"]
    assert [q["question_run"] for q in latest][1] == "And what did NATO answer? (Russia demand)"
    assert latest[1]["question"] == "And what did NATO answer?"
    every = kilde("log", "--all", env=env).stdout.splitlines()
    assert len(every) == 3 and "run as: And what did NATO answer? (Russia demand)" in every[1]
    text = kilde("log", env=env).stdout
    assert "3 questions today, 3 in total" in text and "👍 0 · 👎 0" in text


def test_kilde_log_without_a_log_says_so(tmp_path: Path) -> None:
    result = kilde("log", env={"KILDE_QUERY_LOG_DIR": str(tmp_path / "none")})
    assert result.returncode == 0 and "No query log yet" in result.stdout
    assert not (tmp_path / "none").exists()  # reading never creates it


async def test_an_unusable_log_folder_costs_one_warning_and_no_answer(
        fake: FakeTelegram, bot: BotFactory, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with caplog.at_level(logging.WARNING):
        async with bot(query_log_dir=blocker / "log"):
            fake.send_text(fake.private_chat(USER), QUESTION)
            [answer] = await first_reply(fake, USER)
            query = fake.press_button(answer, _buttons(answer)["👍"])
            await fake.wait_for(lambda: fake.callback_answer(query))
    assert "<blockquote>" in answer["html"]
    assert "recorded" in fake.callback_answer(query)["text"]  # type: ignore[index]
    warnings = [r for r in caplog.records if "query log" in r.getMessage()]
    assert len(warnings) == 1 and "a-file" in warnings[0].getMessage()


async def test_stats_with_long_unanswered_questions_fits_telegrams_limit(
        fake: FakeTelegram, bot: BotFactory, tmp_path: Path) -> None:
    long_question = "Who won the 2022 World Cup " + "football " * 90  # nothing the articles say
    async with bot(query_log_dir=tmp_path):
        for _ in range(12):
            fake.send_text(fake.private_chat(USER), long_question)
        await first_reply(fake, USER, 12)
        fake.send_text(fake.private_chat(ADMIN), "/stats")
        await first_reply(fake, ADMIN)
        await fake.settle(0.2)
    replies = fake.bot_messages(ADMIN)
    assert replies and all(len(reply["text"]) <= 4096 for reply in replies)
    assert "12 abstentions" in replies[0]["text"]
    assert sum(reply["text"].count("• ") for reply in replies) == 10  # the latest ten gaps
