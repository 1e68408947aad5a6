"""The bot stays responsive: slow work in one chat, floods and busy groups never hold the others.

Everything real: the engine on a real corpus, the PTB Application, the fake Bot API on loopback.
The slow answer is real work, not a stand-in: /sources reads every article file on first use,
and the corpus folder holds a few thousand paragraphs more than the saved index was built from.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import statistics
import time
from dataclasses import replace
from pathlib import Path

from kilde.bot.querylog import LOG_FILE
from kilde.bot.telegram_app.access import SLOW_DOWN
from kilde.retrieval.engine import Engine
from tests.bot.conftest import FAST, USER, BotFactory, copy_corpus
from tests.bot.helpers import QUESTION, first_reply
from tests.fake_telegram import FakeTelegram

OTHER = 777


def _grow_corpus(folder: Path, paragraphs: int) -> None:
    """Add long articles whose reading takes the engine a couple of seconds."""
    rng = random.Random(11)
    words = [f"ord{i}" for i in range(3000)]
    per_file = 2000
    for number in range(paragraphs // per_file):
        body = "\n\n".join(" ".join(rng.choices(words, k=40)) + "." for _ in range(per_file))
        (folder / f"stort_{number:02}.txt").write_text(
            f" date 2022-01 Stor artikel {number}\n\n{body}\n", encoding="utf-8")


async def _help_round_trip(fake: FakeTelegram, chat_id: int) -> float:
    """Seconds from a /help sent in `chat_id` to the bot's reply arriving at the server."""
    before = len(fake.bot_messages(chat_id))
    sent = time.perf_counter()
    fake.send_text(fake.private_chat(chat_id), "/help")
    messages = await first_reply(fake, chat_id, before + 1)
    return float(messages[-1]["received"]) - sent


async def test_a_slow_answer_in_one_chat_does_not_delay_help_in_another(
        fake: FakeTelegram, bot: BotFactory, tmp_path: Path) -> None:
    corpus = copy_corpus(tmp_path / "corpus")
    Engine.open(corpus, index_dir=tmp_path / "index")  # builds and saves the index
    engine = Engine.open(corpus, index_dir=tmp_path / "index")  # loads it: corpus not read yet
    _grow_corpus(corpus, 72_000)  # (24,000 took under a second once reading got faster)
    async with bot(engine, reload_interval=0):
        alone = statistics.median([await _help_round_trip(fake, OTHER) for _ in range(3)])
        sources_sent = time.perf_counter()
        fake.send_text(fake.private_chat(USER), "/sources")
        await asyncio.sleep(0.3)  # the reading has started
        during = statistics.median([await _help_round_trip(fake, OTHER) for _ in range(3)])
        help_done = time.perf_counter()
        [sources] = await fake.wait_for(lambda: fake.bot_messages(USER), timeout=60)
    slow = float(sources["received"]) - sources_sent
    assert "Stor artikel" in sources["text"]
    assert slow > 1.0 and float(sources["received"]) > help_done  # /help came in the middle
    assert during - alone < 0.1, (
        f"/help took {during:.3f} s during a {slow:.1f} s answer, {alone:.3f} s alone")


async def test_button_presses_and_inline_queries_are_flood_limited(
        fake: FakeTelegram, bot: BotFactory) -> None:
    async with bot(flood_limit=2):  # questions 2, presses 4, inline queries 6 a minute
        fake.send_text(fake.private_chat(USER), QUESTION)
        [answer] = await first_reply(fake, USER)
        data = answer["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        presses = []
        for _ in range(10):
            presses.append(fake.press_button(answer, data))
            await asyncio.sleep(0.02)
        await fake.wait_for(lambda: all(fake.callback_answer(q) for q in presses))
        queries = [fake.inline_query(fake.user(USER), "Nato") for _ in range(10)]
        await fake.wait_for(lambda: all(fake.inline_answer(q) for q in queries))
        await fake.settle()
    contexts = [m for m in fake.bot_messages(USER)[1:] if "¶" in m["text"]]
    press_texts = [fake.callback_answer(q).get("text") for q in presses]  # type: ignore[union-attr]
    assert len(contexts) == 4
    assert press_texts.count(SLOW_DOWN) == 1  # told once, then quiet
    answered = [q for q in queries if fake.inline_answer(q)["results"]]  # type: ignore[index]
    assert len(answered) == 6
    for query in queries[6:]:  # nothing for now, and Telegram must not cache that nothing
        assert fake.inline_answer(query)["cache_time"] == 0  # type: ignore[index]


async def test_a_strangers_flood_gets_few_refusals_and_delays_no_one(
        fake: FakeTelegram, bot: BotFactory) -> None:
    stranger_group = fake.group_chat(-999)
    async with bot(allowed_chat_ids=(USER,)) as app:
        for number in range(100):
            fake.send_text(stranger_group, f"/ask {QUESTION}", user=fake.user(1000 + number))
        await asyncio.sleep(0.2)
        asked = time.perf_counter()
        fake.send_text(fake.private_chat(USER), QUESTION)
        [answer] = await first_reply(fake, USER)
        waited = float(answer["received"]) - asked
        await fake.settle()
        # nothing is left queued or held once the flood has been dealt with
        assert app.update_processor.waiting_keys == 0
    assert waited < 2.0, f"the allowed user waited {waited:.1f} s behind a stranger's flood"
    refusals = fake.bot_messages(-999)
    assert 1 <= len(refusals) <= 3
    assert all("only answers" in m["text"] for m in refusals)


async def test_a_busy_open_group_does_not_hold_the_other_chats(
        fake: FakeTelegram, bot: BotFactory) -> None:
    busy_group = fake.group_chat(-555)
    async with bot(flood_limit=1000):
        for number in range(60):
            fake.send_text(busy_group, f"/ask {QUESTION}", user=fake.user(2000 + number))
        await asyncio.sleep(0.5)
        asked = time.perf_counter()
        fake.send_text(fake.private_chat(USER), QUESTION)
        [answer] = await first_reply(fake, USER)
        waited = float(answer["received"]) - asked
    # 20 messages a minute in one group: most of its answers are still waiting on the limit
    assert len(fake.bot_messages(-555)) < 60
    assert waited < 2.0, f"a private question waited {waited:.1f} s behind a busy group"


async def test_a_query_log_waiting_on_its_disk_delays_no_other_chat(
        fake: FakeTelegram, bot: BotFactory, tmp_path: Path) -> None:
    # A slow disk, played by another process holding the database's write lock (SQLite then
    # waits up to 5 s): the question waiting to be logged waits, and nobody else does.
    folder = tmp_path / "log"
    async with bot(query_log_dir=folder, reload_interval=0):
        alone = statistics.median([await _help_round_trip(fake, OTHER) for _ in range(3)])
        blocker = sqlite3.connect(folder / LOG_FILE, isolation_level=None)
        try:
            blocker.execute("BEGIN EXCLUSIVE")
            fake.send_text(fake.private_chat(USER), QUESTION)
            await fake.wait_for(lambda: fake.calls_to("sendChatAction"))  # being answered
            # The test shares the bot's event loop: a loop stuck in SQLite oversleeps here.
            slept = time.perf_counter()
            await asyncio.sleep(0.5)
            overslept = time.perf_counter() - slept - 0.5
            during = statistics.median([await _help_round_trip(fake, OTHER) for _ in range(3)])
            unanswered_while_locked = fake.bot_messages(USER) == []
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        [answer] = await first_reply(fake, USER)
    assert unanswered_while_locked
    assert overslept < 0.5, f"the event loop stood still for {overslept:.1f} s"
    assert during - alone < 0.1, f"/help took {during:.3f} s while the log waited, {alone:.3f} s"
    buttons = [b["text"] for row in answer["reply_markup"]["inline_keyboard"] for b in row]
    assert "👍" in buttons  # logged after all, so its vote buttons name it


async def test_a_press_is_answered_while_every_message_connection_hangs(
        fake: FakeTelegram, bot: BotFactory) -> None:
    # Answers to presses have connections of their own: messages that hold every connection
    # of theirs (here one, hanging) never make a press wait.
    async with bot(tuning=replace(FAST, message_connections=1, read_timeout=3.0)):
        fake.send_text(fake.private_chat(USER), QUESTION)
        [answer] = await first_reply(fake, USER)
        fake.hang_next("sendMessage", 3)
        fake.send_text(fake.private_chat(OTHER), QUESTION)
        await fake.wait_for(lambda: fake.faults_left("sendMessage") == 0)  # it hangs now
        pressed = time.perf_counter()
        query = fake.press_button(answer, answer["reply_markup"]["inline_keyboard"][0][0][
            "callback_data"])
        await fake.wait_for(lambda: fake.callback_answer(query), 2.5)
        waited = time.perf_counter() - pressed
    assert waited < 1.0, f"the press waited {waited:.1f} s behind a hanging message"
