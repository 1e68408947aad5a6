"""The typed state that PTB hands every handler and job (`ContextTypes`).

`context.bot_data` is one `KildeBotData` (the engine's runtime, the reloader, the admins' menu)
and `context.chat_data` one `ChatData` per chat, so handlers read attributes that mypy checks
instead of string keys that each need an `isinstance` guard:

    async def on_help(update: Update, context: KildeContext) -> None:
        engine = context.bot_data.runtime.engine
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import CallbackContext, ContextTypes, ExtBot

from kilde.bot.telegram_app.admin_menu import AdminMenu
from kilde.bot.telegram_app.reload import Reloader
from kilde.bot.telegram_app.runtime import BotRuntime
from kilde.bot.telegram_app.threads import ChatThreads


@dataclass(repr=False, eq=False)
class KildeBotData:
    """What every handler shares. PTB makes it (empty) with the Application;
    `build_application` fills it in before the bot starts."""

    runtime: BotRuntime = field(init=False)
    reloader: Reloader = field(init=False)
    admin_menu: AdminMenu = field(init=False)


class ChatData:
    """What the bot keeps per chat: its recent answers there (for follow-ups), and when the
    chat last needed them (a housekeeping job drops the data of idle chats)."""

    def __init__(self) -> None:
        self._threads = ChatThreads()
        self.last_seen = time.monotonic()

    @property
    def threads(self) -> ChatThreads:
        self.last_seen = time.monotonic()
        return self._threads


KildeContext = CallbackContext[ExtBot[Any], dict[Any, Any], ChatData, KildeBotData]
CONTEXT_TYPES = ContextTypes(bot_data=KildeBotData, chat_data=ChatData)


def chat_threads(context: KildeContext) -> ChatThreads | None:
    """The answers remembered in this update's chat (None for an update without a chat)."""
    return context.chat_data.threads if context.chat_data is not None else None
