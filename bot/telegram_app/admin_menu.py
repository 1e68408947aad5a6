"""The admins' own command menu (/stats, /reload), registered per admin with a chat scope.

Telegram refuses a chat-scoped command list ("chat not found") until that admin has opened a
chat with the bot. So the menu is tried at start-up for every admin, and for an admin still
pending, again when the first update from them arrives (their /start, a question, any command).
No warning for that expected case; other failures are logged once as a warning.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from telegram import Bot, BotCommand, BotCommandScopeChat, Update
from telegram.error import BadRequest, TelegramError

if TYPE_CHECKING:
    from kilde.bot.telegram_app.context import KildeContext

logger = logging.getLogger(__name__)

class AdminMenu:
    """Which admins still lack their menu, and how to give it to them."""

    def __init__(self, admins: Iterable[int], commands: Sequence[BotCommand]) -> None:
        self.pending = set(admins)
        self.commands = tuple(commands)
        self._lock = asyncio.Lock()

    async def register_all(self, bot: Bot) -> None:
        for admin in sorted(self.pending):
            await self.register(bot, admin)

    async def register(self, bot: Bot, admin: int) -> None:
        """Try once to register `admin`'s menu; stays pending if Telegram cannot yet."""
        async with self._lock:
            if admin not in self.pending:
                return
            try:
                await bot.set_my_commands(self.commands, scope=BotCommandScopeChat(admin))
            except BadRequest as error:
                if "chat not found" not in str(error).lower():
                    logger.warning("could not register admin %s's command menu: %s", admin,
                                   error)
                    self.pending.discard(admin)
                    return
                logger.info("admin %s has no chat with the bot yet: their command menu is "
                            "registered when they first write", admin)
                return
            except TelegramError as error:
                logger.warning("could not register admin %s's command menu now: %s", admin, error)
                return
            self.pending.discard(admin)


async def on_first_contact(update: Update, context: KildeContext) -> None:
    """Before any other handler: an admin still without a menu gets it now."""
    menu = context.bot_data.admin_menu
    user = update.effective_user
    if user is not None and user.id in menu.pending:
        await menu.register(context.bot, user.id)
