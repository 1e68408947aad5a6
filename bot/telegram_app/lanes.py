"""Which updates run when: presses and inline queries never wait behind messages, and one busy
chat never holds the slots that the other chats need.

PTB's own processor runs up to N updates at once, first come first served. A group that asks
faster than Telegram lets the bot post there (20 messages a minute) then fills every slot with
replies waiting on the rate limiter, and everyone else waits too; button presses queued behind
a message load expire ("query is too old"). Here an update first takes one of its chat's few
slots (`per_chat`; a press or an inline query: its user's), then a slot in its lane:
`interactive` for callback and inline queries, `messages` for everything else. Waiting for
either holds nothing that another chat needs.

Presses and inline queries also go first: while any are in hand or waiting, a message waits
(up to `PRIORITY_SECONDS`) before it starts, so that a burst of presses has the event loop and
the connections to itself for its few seconds, and is answered before Telegram gives up on it
(about 15 s); messages have no such deadline. The bound keeps a steady trickle of inline queries
from holding messages back for good.

At shutdown (`drain`) the updates still waiting are set aside instead of run, so that stopping
takes seconds even with a group's backlog waiting on its rate limit; they stay in the journal
of received updates (`journal.py`) and are answered after the restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import AsyncIterator, Awaitable, Hashable
from contextlib import asynccontextmanager
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Updates admitted to the lanes' queues at once (PTB's own bound; the lanes do the limiting).
ADMITTED = 4096
PRIORITY_SECONDS = 2.0  # the longest a message waits for the presses in hand


class KeyedSlots:
    """`size` slots per key; a key's entry lives only while someone holds or waits for it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._slots: dict[Hashable, tuple[asyncio.Semaphore, int]] = {}

    def __len__(self) -> int:
        return len(self._slots)

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        semaphore, users = self._slots.get(key) or (asyncio.Semaphore(self.size), 0)
        self._slots[key] = (semaphore, users + 1)
        try:
            async with semaphore:
                yield
        finally:
            semaphore, users = self._slots[key]
            if users == 1:
                del self._slots[key]
            else:
                self._slots[key] = (semaphore, users - 1)


class LanedUpdateProcessor(BaseUpdateProcessor):
    """Per-chat slots, then a lane: `messages` or `interactive` (callback and inline queries)."""

    def __init__(self, *, messages: int, interactive: int, per_chat: int) -> None:
        super().__init__(max_concurrent_updates=ADMITTED)
        self._messages = asyncio.BoundedSemaphore(messages)
        self._interactive = asyncio.BoundedSemaphore(interactive)
        self._per_key = KeyedSlots(per_chat)
        self._queued: dict[asyncio.Task[Any], object] = {}
        self._interactive_pending = 0
        self._no_interactive = asyncio.Event()
        self._no_interactive.set()
        self._draining = False
        self.set_aside: list[object] = []

    @property
    def waiting_keys(self) -> int:
        """Chats and users with an update in hand or queued (for tests: it must drop to 0)."""
        return len(self._per_key)

    def take_set_aside(self) -> list[object]:
        """The updates set aside since `drain`, handed over once."""
        taken, self.set_aside = self.set_aside, []
        return taken

    def drain(self) -> None:
        """Run nothing more: the updates still waiting, and any that arrive, are set aside."""
        self._draining = True
        for task, update in list(self._queued.items()):
            self.set_aside.append(update)
            task.cancel()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        lane, key = self._lane(update)
        task = asyncio.current_task()
        started = False
        try:
            if self._draining:
                self.set_aside.append(update)
                return
            if task is not None:
                self._queued[task] = update
            async with self._priority(lane), self._per_key.hold(key), lane:
                self._queued.pop(task, None)  # type: ignore[arg-type]
                started = True
                await coroutine
        except asyncio.CancelledError:
            if started or not self._draining or task is None:
                raise
            task.uncancel()  # our own drain cancelled the wait: the update is set aside
        finally:
            self._queued.pop(task, None)  # type: ignore[arg-type]
            if not started and inspect.iscoroutine(coroutine):
                coroutine.close()  # never ran

    @asynccontextmanager
    async def _priority(self, lane: asyncio.BoundedSemaphore) -> AsyncIterator[None]:
        """Count an interactive update as pending while it lives; hold a message back while
        any is pending (for at most PRIORITY_SECONDS)."""
        if lane is not self._interactive:
            if not self._no_interactive.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._no_interactive.wait(), PRIORITY_SECONDS)
            yield
            return
        self._interactive_pending += 1
        self._no_interactive.clear()
        try:
            yield
        finally:
            self._interactive_pending -= 1
            if not self._interactive_pending:
                self._no_interactive.set()

    def _lane(self, update: object) -> tuple[asyncio.BoundedSemaphore, Hashable]:
        if isinstance(update, Update):
            if update.callback_query is not None or update.inline_query is not None:
                user = update.effective_user
                return self._interactive, ("user", user.id if user else None)
            chat = update.effective_chat
            return self._messages, ("chat", chat.id if chat else None)
        return self._messages, ("other", None)

    async def initialize(self) -> None:
        """Nothing to set up: the semaphores are made in __init__."""

    async def shutdown(self) -> None:
        """Nothing to free."""
