"""Drive 1,000 questions through the real bot and the fake Bot API: `python -m benchmarks.bot_bench`.

The bot (the real PTB Application from `build_application`) long-polls the in-repo fake Bot API
server (tests/fake_telegram) over loopback HTTP. Questions come from the dev set and a few
off-corpus ones, cycled to `--questions`, from `--users` private chats. Reported:

- the bot's own answer time (engine + formatting + buttons, as /stats measures it): median, p99;
- round trip seen from the server, update queued → answer received (adds polling, the "typing"
  action and HTTP), for one question at a time and for everything sent at once;
- questions per second for the burst.

Telegram's own rate limits (30 messages/s) would make the burst measure the limiter, so the
benchmark raises them; the flood gate is likewise raised.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from kilde.bot.telegram_app import BotTuning, build_application, start_polling, stop
from kilde.bot.telegram_app.runtime import RUNTIME_KEY
from kilde.config import load_settings
from kilde.config.settings import SHIPPED_CORPUS_DIR
from kilde.retrieval.engine import Engine
from tests.fake_telegram import FakeTelegram

DEV = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.json"
EXTRA = ["What did Russia demand from NATO?", "Hva krever Russland av USA?",
         "Hvad sagde Peskov til CNN?", "Who won the 2022 World Cup?", "Nato"]


def _questions(count: int) -> list[str]:
    base = list(EXTRA)
    if DEV.exists():
        base += [item["question"] for item in json.loads(DEV.read_text(encoding="utf-8"))]
    return [base[i % len(base)] for i in range(count)]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _replied(fake: FakeTelegram, count: int) -> Callable[[], bool]:
    """A predicate: the bot has sent at least `count` messages."""
    return lambda: fake.bot_message_count >= count


async def _drive(fake: FakeTelegram, questions: list[str], users: int,
                 one_at_a_time: bool) -> tuple[list[float], float]:
    """Send the questions; returns round-trip times (s) and the wall time for all of them."""
    sent: dict[tuple[int, int], float] = {}
    started = time.perf_counter()
    before = fake.bot_message_count
    for number, question in enumerate(questions):
        user = 10_000 + number % users
        message = fake.send_text(fake.private_chat(user), question)
        sent[(user, message["message_id"])] = time.perf_counter()
        if one_at_a_time:
            await fake.wait_for(_replied(fake, before + number + 1), 30)
    await fake.wait_for(_replied(fake, before + len(questions)), 120)
    wall = time.perf_counter() - started
    trips = []
    for answer in fake.bot_messages():
        key = (answer["chat"]["id"], answer.get("reply_to_message", {}).get("message_id"))
        if key in sent:
            trips.append(answer["received"] - sent[key])
    return trips, wall


async def run(count: int, users: int) -> None:
    with tempfile.TemporaryDirectory() as index_dir, FakeTelegram() as fake:
        engine = Engine.open(SHIPPED_CORPUS_DIR, index_dir=Path(index_dir))
        settings = load_settings(
            telegram_token=fake.token, telegram_base_url=fake.base_url, flood_limit=1_000_000)
        tuning = BotTuning(poll_timeout=1, overall_rate=1_000_000, group_rate=1_000_000,
                           concurrency=32)
        app = build_application(settings, engine, tuning)
        await start_polling(app, tuning)
        try:
            warm, _ = await _drive(fake, _questions(20), users, one_at_a_time=True)
            stats = app.bot_data[RUNTIME_KEY].stats
            stats.durations.clear()
            sequential, _ = await _drive(fake, _questions(200), users, one_at_a_time=True)
            own_sequential = list(stats.durations)
            stats.durations.clear()
            burst, wall = await _drive(fake, _questions(count), users, one_at_a_time=False)
            own_burst = list(stats.durations)
        finally:
            await stop(app)
    del warm
    rows = [
        ("bot's own answer time, one at a time", own_sequential),
        (f"bot's own answer time, {count} at once", own_burst),
        ("round trip via fake API, one at a time", sequential),
        (f"round trip via fake API, {count} at once", burst),
    ]
    print(f"{'measure':<44} {'n':>5} {'median ms':>10} {'p99 ms':>9}")
    for label, values in rows:
        print(f"{label:<44} {len(values):>5} {statistics.median(values) * 1000:>10.2f} "
              f"{_percentile(values, 0.99) * 1000:>9.2f}")
    print(f"{'questions per second, ' + str(count) + ' at once':<44} {count:>5} "
          f"{count / wall:>10.1f}")
    print("target: median own answer time < 20 ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--users", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(run(args.questions, args.users))


if __name__ == "__main__":
    main()
