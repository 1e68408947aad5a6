"""Live reload: pick up added, changed or removed articles while the bot keeps answering.

A new engine is opened aside, in a worker thread so that the event loop keeps answering, and
swapped in whole: one assignment to `BotRuntime.engine`, which handlers read at the start of
each update, so no update ever sees a half-built engine. Two triggers: an admin's /reload, and a
repeating job on PTB's JobQueue that compares the corpus folder's fingerprint (file names, sizes
and times: cheap) every `KILDE_RELOAD_INTERVAL` seconds. Only one reload runs at a time: a trigger
that arrives during one waits for it and shares its outcome instead of building a second engine
(the job itself never waits for a reload, so its runs stay short and never overlap). Engine
opening goes through the saved index, so reloading an unchanged corpus costs a load, not a
rebuild. A reload that fails logs one warning, and the old engine keeps serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram.ext import CallbackContext, JobQueue

from kilde.bot.telegram_app.runtime import BotRuntime
from kilde.retrieval.engine import Engine
from kilde.retrieval.fingerprint import corpus_fingerprint

logger = logging.getLogger(__name__)

WATCH_JOB = "kilde-corpus-watcher"

@dataclass(frozen=True)
class CorpusChange:
    """How many articles a reload added, changed and removed (compared by id and content)."""

    added: int = 0
    changed: int = 0
    removed: int = 0

    @classmethod
    def between(cls, before: Mapping[str, str], after: Mapping[str, str]) -> CorpusChange:
        """Compare two engines' `article_digests` (article id → content digest)."""
        return cls(
            added=len(after.keys() - before.keys()),
            changed=sum(1 for id_, digest in after.items()
                        if id_ in before and before[id_] != digest),
            removed=len(before.keys() - after.keys()),
        )

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def __str__(self) -> str:
        parts = [f"+{self.added}" if self.added else "",
                 f"{self.changed} changed" if self.changed else "",
                 f"−{self.removed}" if self.removed else ""]
        return ", ".join(part for part in parts if part) or "no change"


@dataclass(frozen=True)
class ReloadOutcome:
    """What one reload did: the engine now serving, what changed, or why it failed."""

    articles: int
    passages: int
    seconds: float
    change: CorpusChange
    error: str | None = None

    def summary(self) -> str:
        """One line for the admin who asked (plain text; the caller escapes it)."""
        if self.error is not None:
            return (f"Reload failed, still serving the previous {self.articles} articles: "
                    f"{self.error}")
        if not self.change:
            return (f"Nothing changed: {self.articles} articles, {self.passages} passages "
                    f"({self.seconds:.1f} s).")
        return (f"Reloaded: {self.articles} articles ({self.change}), "
                f"{self.passages} passages, {self.seconds:.1f} s")


class Reloader:
    """Rebuilds the engine on demand or when the corpus folder changes, and swaps it in."""

    def __init__(self, runtime: BotRuntime, corpus_dir: Path,
                 open_engine: Callable[[], Engine], *, interval: float = 0.0) -> None:
        self._runtime = runtime
        self._corpus_dir = corpus_dir
        self._open_engine = open_engine
        self.interval = interval
        self._running: asyncio.Task[ReloadOutcome] | None = None
        # The fingerprint of the folder as last loaded or tried: a failed reload is not
        # retried (and warned about) every few seconds, only once the folder changes again.
        self._seen: str | None = None
        self._unreadable = False

    @property
    def busy(self) -> bool:
        """Whether a reload is being built right now."""
        return self._running is not None and not self._running.done()

    def fingerprint(self) -> str:
        """The corpus folder's current fingerprint (stat calls only; raises if unreadable)."""
        return corpus_fingerprint(self._corpus_dir)

    async def reload(self, reason: str) -> ReloadOutcome:
        """Open a new engine aside and swap it in (or join the reload already running)."""
        running = self._start(reason)
        # Shielded: a caller that goes away (a handler cancelled at shutdown) leaves the
        # reload to finish for the others.
        return await asyncio.shield(running)

    def _start(self, reason: str) -> asyncio.Task[ReloadOutcome]:
        running = self._running
        if running is None or running.done():
            running = self._running = asyncio.create_task(self._reload(reason), name="kilde-reload")
        return running

    async def _reload(self, reason: str) -> ReloadOutcome:
        started = time.perf_counter()
        old = self._runtime.engine
        try:
            # Taken before reading the folder, so that a change made during the build is
            # seen by the next check and picked up then.
            fingerprint = await asyncio.to_thread(self.fingerprint)
            self._seen = fingerprint
            engine = await asyncio.to_thread(self._open_engine)
        except Exception as error:  # noqa: BLE001 (whatever breaks, the bot keeps serving)
            line = (str(error).strip().splitlines() or [type(error).__name__])[0]
            logger.warning("reload (%s) failed; still serving the previous %d articles: %s",
                           reason, old.article_count, line)
            return ReloadOutcome(old.article_count, old.passage_count,
                                 time.perf_counter() - started, CorpusChange(), line)
        self._runtime.engine = engine  # the swap: one reference, the engine complete
        # Off the event loop: digesting a large corpus takes a moment.
        change = await asyncio.to_thread(
            lambda: CorpusChange.between(old.article_digests, engine.article_digests)
        )
        outcome = ReloadOutcome(
            engine.article_count, engine.passage_count, time.perf_counter() - started, change,
        )
        logger.info("reload (%s): %s", reason, outcome.summary())
        return outcome

    async def check(self) -> None:
        """Start a reload if the corpus folder changed since the last load (without waiting
        for it: the reload logs its outcome)."""
        try:
            current = await asyncio.to_thread(self.fingerprint)
        except Exception as error:  # noqa: BLE001 (a vanished or unreadable folder: warn once)
            if not self._unreadable:
                logger.warning("cannot check the corpus folder; still serving: %s", error)
            self._unreadable = True
            return
        self._unreadable = False
        if current != self._seen and not self.busy:
            self._start("corpus folder changed")

    def watch(self, job_queue: JobQueue[Any]) -> None:
        """Note the folder as it is now (the engine was just opened from it) and check it every
        `interval` seconds on PTB's JobQueue, from when the application starts (never if the
        interval is 0)."""
        try:
            self._seen = self.fingerprint()
        except Exception as error:  # noqa: BLE001 (the first check will warn again, or reload)
            logger.warning("cannot fingerprint the corpus folder: %s", error)
        if self.interval > 0:
            job_queue.run_repeating(self._on_schedule, interval=self.interval, name=WATCH_JOB)
            logger.info("watching %s for changes every %g s", self._corpus_dir, self.interval)

    async def _on_schedule(self, context: CallbackContext[Any, Any, Any, Any]) -> None:
        await self.check()

    async def stop(self) -> None:
        """Abandon a reload in progress (its thread finishes on its own)."""
        running, self._running = self._running, None
        if running is not None and not running.done():
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
