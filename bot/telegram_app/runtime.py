"""What the handlers share while the bot runs: the engine, access rules, counters, memory.

The engine works in a small pool of worker threads (`BotRuntime.in_worker`), never on the event
loop: a slow answer, or the first /sources or Context press reading the whole corpus, must not
stall the other chats. The query log's SQLite calls run in a thread of their own
(`BotRuntime.in_log`): a slow disk, or another process holding the database's lock, delays only
the answer being logged. The loop only does network I/O.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

from kilde.bot.querylog import QueryLog
from kilde.bot.telegram_app.access import AccessPolicy, FloodGate
from kilde.bot.telegram_app.callbacks import CorpusIndex, QuestionMemory
from kilde.bot.telegram_app.stats import Stats
from kilde.bot.translation import Translator
from kilde.retrieval.engine import Engine

# Answering is CPU work under the GIL: more threads would not answer faster, only queue longer.
ENGINE_THREADS = 2
T = TypeVar("T")


# While a worker holds the GIL, the event loop waits up to this long for it at each step of its
# I/O (Python's default is 5 ms): short, so that a /help is not slowed by someone's answer.
GIL_SWITCH_SECONDS = 0.001


def _log_thread() -> ThreadPoolExecutor:
    # One thread: the log's writes keep their order, and SQLite serialises them anyway.
    return ThreadPoolExecutor(1, thread_name_prefix="kilde-querylog")


def _engine_pool() -> ThreadPoolExecutor:
    sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_SECONDS))
    return ThreadPoolExecutor(ENGINE_THREADS, thread_name_prefix="kilde-engine")


@dataclass
class BotRuntime:
    """The bot's working state (in `context.bot_data.runtime`)."""

    engine: Engine
    access: AccessPolicy
    flood: FloodGate  # questions per user
    top_k: int
    button_flood: FloodGate = field(default_factory=lambda: FloodGate(40))  # presses per user
    inline_flood: FloodGate = field(default_factory=lambda: FloodGate(60))  # inline queries
    # Refusals per chat: a stranger's flood of questions is not answered with a flood.
    refusals: FloodGate = field(default_factory=lambda: FloodGate(3, window=600.0))
    workers: ThreadPoolExecutor = field(default_factory=_engine_pool)
    stats: Stats = field(default_factory=Stats)
    memory: QuestionMemory = field(default_factory=QuestionMemory)
    log: QueryLog = field(default_factory=lambda: QueryLog.open(None))
    log_thread: ThreadPoolExecutor = field(default_factory=_log_thread)
    # The Translate button's service: a translator, why the configured one can't work, or None
    translator: Translator | str | None = None
    _index: tuple[Engine, CorpusIndex] | None = None  # one assignment: read from two threads

    def forget_idle(self) -> None:
        """Let every flood gate drop the users (and chats) idle for a whole window."""
        for gate in (self.flood, self.button_flood, self.inline_flood, self.refusals):
            gate.forget_idle()

    def logged_question(self, chat_id: int, message_id: int) -> str | None:
        """The question a bot message answered, from the query log (it outlives restarts; call
        it through `in_log`)."""
        found = self.log.question_for_message(chat_id, message_id)
        return found[1] if found else None

    @property
    def corpus_index(self) -> CorpusIndex:
        """Articles by id hash for the engine now serving; building it reads every article file
        on first use (and after a reload), so call it in a worker."""
        engine = self.engine
        built = self._index
        if built is None or built[0] is not engine:
            built = self._index = (engine, CorpusIndex(engine.corpus))
        return built[1]

    def ready_corpus_index(self) -> CorpusIndex | None:
        """The article lookup if it is already built for the engine now serving, else None."""
        built = self._index
        return built[1] if built is not None and built[0] is self.engine else None

    async def in_log(self, function: Callable[..., T], *args: object) -> T:
        """`function(*args)` (a query log call) run in the log's own thread."""
        return await asyncio.get_running_loop().run_in_executor(
            self.log_thread, partial(function, *args))

    async def in_worker(self, function: Callable[..., T], *args: object) -> T:
        """`function(*args)` run in the engine's worker threads, awaited from the event loop."""
        return await asyncio.get_running_loop().run_in_executor(
            self.workers, partial(function, *args))

