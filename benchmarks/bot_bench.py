"""The bot under load, through the fake Bot API: `python -m benchmarks.bot_bench`.

The real PTB Application from `build_application`, with its production tuning (Telegram's
30 messages/s and 20/min per group, the "typing" action before each answer), long-polls the
in-repo fake Bot API (tests/fake_telegram) over loopback HTTP. Two phases:

1. **Questions**: `--questions` questions (dev-set questions and a few others, cycled) from
   `--chats` private chats, each chat asking its next question once the last one is answered.
   Reported: answers per second, and the answer time as the asker sees it (question queued at
   the server → answer received there), p50 and p99; peak RSS of the process.
2. **Presses during a message load**: the chats ask again while `--presses` Context-button
   presses arrive at once from 50 users. Telegram refuses an answer to a press that waited more
   than 15 s ("query is too old"): the fake does the same, and the expired ones are counted.

The flood gate is raised (20 chats asking 100 questions each would trip it); nothing else is.
Run it against another checkout to compare: `PYTHONPATH=<pkg-of-old>:. python -m benchmarks.bot_bench`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from kilde.bot.telegram_app import BotTuning, build_application, start_polling, stop
from kilde.config import load_settings
from kilde.config.settings import SHIPPED_CORPUS_DIR
from kilde.retrieval.engine import Engine
from tests.fake_telegram import FakeTelegram

DEV = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.json"
EXTRA = ["What did Russia demand from NATO?", "Hva krever Russland av USA?",
         "Hvad sagde Peskov til CNN?", "Who won the 2022 World Cup?", "Nato"]
FIRST_CHAT = 10_000
PRESSERS = 50


def _questions() -> list[str]:
    base = list(EXTRA)
    if DEV.exists():
        base += [item["question"] for item in json.loads(DEV.read_text(encoding="utf-8"))]
    return base


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def _ask(fake: FakeTelegram, chat_id: int, questions: list[str],
               latencies: list[float]) -> None:
    """One chat asking its questions one after another, each once the last is answered."""
    for question in questions:
        before = fake.bot_message_count_in(chat_id)
        sent = time.perf_counter()
        fake.send_text(fake.private_chat(chat_id), question)
        # A counter, not a scan of every message: the waiting runs on the bot's own event loop
        # and must not take its time (scanning thousands of messages every 5 ms per chat did).
        await fake.wait_for(lambda: fake.bot_message_count_in(chat_id) > before, 300)  # noqa: B023
        latencies.append(float(fake.bot_messages(chat_id)[-1]["received"]) - sent)


async def _load(fake: FakeTelegram, chats: int, count: int) -> tuple[list[float], float]:
    """`count` questions from `chats` chats; returns answer times and the wall time."""
    pool = _questions()
    latencies: list[float] = []
    started = time.perf_counter()
    per_chat = count // chats
    await asyncio.gather(*(
        _ask(fake, FIRST_CHAT + n, [pool[(n * per_chat + i) % len(pool)] for i in range(per_chat)],
             latencies)
        for n in range(chats)
    ))
    return latencies, time.perf_counter() - started


async def _presses(fake: FakeTelegram, answer: dict[str, Any], count: int,
                   ) -> tuple[list[float], int, int]:
    """`count` Context presses at once; returns answer times, expired and unanswered counts."""
    data = answer["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    pressed: dict[str, float] = {}
    for number in range(count):
        user = fake.user(20_000 + number % PRESSERS)
        pressed[fake.press_button(answer, data, user=user)] = time.perf_counter()
    deadline = time.perf_counter() + 60
    times: dict[str, float] = {}
    while len(times) + len(fake.expired_queries) < count and time.perf_counter() < deadline:
        for query_id in pressed:
            if query_id not in times and fake.callback_answer(query_id) is not None:
                times[query_id] = time.perf_counter() - pressed[query_id]
        await asyncio.sleep(0.05)
    expired = len(set(fake.expired_queries) & set(pressed))
    return list(times.values()), expired, count - len(times) - expired


async def run(questions: int, chats: int, presses: int) -> None:
    with tempfile.TemporaryDirectory() as folder, FakeTelegram() as fake:
        engine = Engine.open(SHIPPED_CORPUS_DIR, index_dir=Path(folder) / "index")
        settings = load_settings(
            telegram_token=fake.token, telegram_base_url=fake.base_url, flood_limit=1_000_000,
            reload_interval=0, state_dir=Path(folder) / "state",
            query_log_dir=Path(folder) / "querylog")  # never the user's own query log
        tuning = BotTuning(poll_timeout=1)  # production limits; short polls only for a quick stop
        app = build_application(settings, engine, tuning)
        await start_polling(app, tuning)
        try:
            await _load(fake, chats, chats)  # warm-up: one question per chat
            latencies, wall = await _load(fake, chats, questions)
            presser_chat = FIRST_CHAT + chats + 1
            fake.send_text(fake.private_chat(presser_chat), EXTRA[0])
            [answer] = await fake.wait_for(lambda: fake.bot_messages(presser_chat), 60)
            load = asyncio.ensure_future(_load(fake, chats, max(questions // 4, chats)))
            await asyncio.sleep(1.0)  # the message load is under way
            press_times, expired, unanswered = await _presses(fake, answer, presses)
            await load
        finally:
            await stop(app)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"| measure | value |\n|---|---|\n"
          f"| questions answered | {len(latencies)} of {questions} from {chats} chats |\n"
          f"| answers per second | {len(latencies) / wall:.1f} |\n"
          f"| asker's answer time p50 / p99 s | {statistics.median(latencies):.2f} / "
          f"{_percentile(latencies, 0.99):.2f} |\n"
          f"| presses during the load | {presses} |\n"
          f"| presses expired (> 15 s) / unanswered | {expired} / {unanswered} |\n"
          f"| press answer time p50 / p99 s | "
          + (f"{statistics.median(press_times):.2f} / {_percentile(press_times, 0.99):.2f}"
             if press_times else "n/a")
          + f" |\n| peak RSS MB | {rss:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--questions", type=int, default=2000)
    parser.add_argument("--chats", type=int, default=20)
    parser.add_argument("--presses", type=int, default=1000)
    args = parser.parse_args()
    asyncio.run(run(args.questions, args.chats, args.presses))


if __name__ == "__main__":
    main()
