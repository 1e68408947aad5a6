"""Kilde's start-up and shutdown steps, inside PTB's own lifecycle methods.

PTB runs an Application as initialize → start → updater (polling or webhook) ... updater.stop →
stop → shutdown: `run_polling`/`run_webhook` do it for `kilde serve`, and code inside a running
event loop (tests, the benchmark) calls the same methods in the order PTB documents. Kilde's
steps live in overrides of those methods rather than in `post_init`/`post_shutdown` (which only
`run_*` call), so that both ways run exactly the same steps:

- initialize: the command lists registered (not fatal if Telegram refuses) and the updates the
  journal holds but were never handled (the last stop, whatever it was, came first) queued ahead
  of anything new;
- process_update: each update handled at most once (Telegram sends an unconfirmed one again
  after a restart), and marked done in the journal when handled;
- stop: the updates still waiting for a slot are set aside instead of run (SIGTERM must not wait
  minutes on a group's rate limit); they stay in the journal, answered after the restart;
- shutdown: a reload in progress abandoned, the engine's threads let go, the query log closed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import Application, ExtBot, JobQueue

from kilde.bot.telegram_app.context import ChatData, KildeBotData, KildeContext
from kilde.bot.telegram_app.journal import UpdateJournal
from kilde.bot.telegram_app.lanes import LanedUpdateProcessor

logger = logging.getLogger(__name__)


class KildeApplication(Application[ExtBot[Any], KildeContext, dict[Any, Any], ChatData,
                                   KildeBotData, JobQueue[KildeContext]]):
    """PTB's Application with Kilde's start-up and shutdown steps (made by `build_application`
    through `ApplicationBuilder.application_class`)."""

    def __init__(self, *, journal: UpdateJournal, lanes: LanedUpdateProcessor,
                 commands: Sequence[BotCommand], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.journal = journal
        self.lanes = lanes
        self.commands = tuple(commands)
        self.refused = False  # the Bot API kept refusing the token while polling
        self.serving = False  # run by `run` (PTB's run_polling), which `stop_running` ends
        self._set_up = False

    def token_refused(self) -> None:
        """Stop serving: `run` then exits with one line instead of idling without polling."""
        self.refused = True
        if self.serving:
            self.stop_running()

    async def initialize(self) -> None:
        await super().initialize()
        if self._set_up:
            return
        self._set_up = True
        try:
            await self.bot.set_my_commands(self.commands)
        except TelegramError as error:
            logger.warning("could not register the command list: %s", error)
        # Admins see their commands in their own chat's menu; everyone else never does.
        await self.bot_data.admin_menu.register_all(self.bot)
        pending = self.journal.pending()
        for data in pending:  # answered first: they were asked before anything new
            update = Update.de_json(data, self.bot)
            if update is not None:
                await self.update_queue.put(update)
        if pending:
            logger.info("answering %d updates left unanswered at the last stop", len(pending))

    async def process_update(self, update: object) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        if update_id is None:
            await super().process_update(update)
            return
        if not self.journal.claim(update_id):
            logger.debug("update %d was handled already; not again", update_id)
            return
        try:
            await super().process_update(update)
        except asyncio.CancelledError:
            self.journal.release(update_id)  # not handled: answered after the restart
            raise
        except Exception:
            self.journal.done(update_id)  # PTB's error handlers had it; replaying would repeat
            raise
        self.journal.done(update_id)

    async def stop(self) -> None:
        self.lanes.drain()
        await super().stop()
        pending = self.lanes.take_set_aside()
        if pending:
            logger.info("left %d unanswered updates for the restart (%s)", len(pending),
                        self.journal.path)

    async def shutdown(self) -> None:
        await super().shutdown()
        if not self._set_up:
            return
        self._set_up = False
        await self.bot_data.reloader.stop()
        runtime = self.bot_data.runtime
        runtime.workers.shutdown(wait=False, cancel_futures=True)
        runtime.log_thread.shutdown(wait=True)  # the last writes land before the log closes
        runtime.log.close()
        self.journal.close()
