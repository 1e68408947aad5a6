"""Fixtures for the bot tests: the fake Bot API server, the real engine, the real bot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from kilde.bot.telegram_app import BotTuning, build_application, start_polling, stop
from kilde.config import Settings, load_settings
from kilde.config.settings import SHIPPED_CORPUS_DIR
from kilde.retrieval.engine import Engine
from tests.fake_telegram import FakeTelegram

# Short timeouts and backoffs so that fault tests take a second, not a minute.
FAST = BotTuning(
    connect_timeout=1.0, read_timeout=1.0, poll_timeout=1, retries=2, backoff=0.05,
    concurrency=8,
)
USER = 501
ADMIN = 502
GROUP = -100123


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return Engine.open(SHIPPED_CORPUS_DIR, index_dir=tmp_path_factory.mktemp("index"))


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


def bot_settings(fake: FakeTelegram, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_token": fake.token, "telegram_base_url": fake.base_url,
        "admin_user_ids": (ADMIN,),
    }
    values.update(overrides)
    return load_settings(**values)


BotFactory = Callable[..., Any]


@pytest.fixture
def bot(fake: FakeTelegram, engine: Engine) -> BotFactory:
    """`async with bot(**settings) as app:` runs the real bot against the fake server."""

    @asynccontextmanager
    async def running(engine_: Engine | None = None, tuning: BotTuning = FAST,
                      **overrides: Any) -> AsyncIterator[Application]:
        app = build_application(bot_settings(fake, **overrides), engine_ or engine, tuning)
        await start_polling(app, tuning)
        try:
            yield app
        finally:
            await stop(app)

    return running


def copy_corpus(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for path in SHIPPED_CORPUS_DIR.glob("*.txt"):
        (target / path.name).write_bytes(path.read_bytes())
    return target
