"""A repeating job on PTB's JobQueue that keeps the per-user and per-chat tables small.

The flood gates drop a user as new users arrive, but a bot that goes quiet after a busy day
would keep every user of that day; and PTB keeps a chat's `chat_data` until it is dropped. So
every `interval` seconds: the flood gates forget the users idle for a whole window, and the chats
idle for `chat_idle` seconds lose their data (the query log still knows their answers), the
least recently seen first beyond `max_chats`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from telegram.ext import Application, JobQueue

from kilde.bot.telegram_app.context import KildeContext

HOUSEKEEPING_JOB = "kilde-housekeeping"


@dataclass(frozen=True)
class Housekeeping:
    """How often to tidy up, and how long a chat's data outlives the chat's last use."""

    interval: float = 60.0
    chat_idle: float = 86_400.0
    max_chats: int = 100_000

    def schedule(self, job_queue: JobQueue[Any]) -> None:
        job_queue.run_repeating(self._run, interval=self.interval, name=HOUSEKEEPING_JOB)

    async def _run(self, context: KildeContext) -> None:
        # On the event loop, as the tables are used there: a pass over 100,000 keys is a few
        # milliseconds a minute.
        context.bot_data.runtime.forget_idle()
        self.drop_idle_chats(context.application)

    def drop_idle_chats(self, application: Application[Any, Any, Any, Any, Any, Any],
                        now: float | None = None) -> int:
        """Drop the data of chats idle for `chat_idle` seconds, and of the least recently seen
        beyond `max_chats`; returns how many were dropped."""
        now = time.monotonic() if now is None else now
        chats = application.chat_data
        gone = [chat_id for chat_id, data in chats.items() if now - data.last_seen >= self.chat_idle]
        excess = len(chats) - len(gone) - self.max_chats
        if excess > 0:
            kept = sorted((item for item in chats.items() if item[0] not in set(gone)),
                          key=lambda item: item[1].last_seen)
            gone += [chat_id for chat_id, _ in kept[:excess]]
        for chat_id in gone:
            application.drop_chat_data(chat_id)
        return len(gone)
