"""The one access check: a handler in group -1 that sees every update before the others.

Allowed chats and users pass on to the handlers. A stranger's update stops here
(`ApplicationHandlerStop`): a message addressed to the bot gets the one-line refusal, at most a
few times per chat in ten minutes (a refusal is a message too, and a stranger must not be able
to make the bot flood); a button press gets the refusal as its answer; an inline query gets no
results. Admins pass with their own commands wherever they are.
"""

from __future__ import annotations

import html
import logging

from telegram import Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, TypeHandler

from kilde.bot.telegram_app.access import REFUSAL, Verdict
from kilde.bot.telegram_app.addressing import is_reply_to_bot, mentions_bot
from kilde.bot.telegram_app.context import KildeContext
from kilde.bot.telegram_app.handlers import reply

logger = logging.getLogger(__name__)

ACCESS_GROUP = -1  # handler groups run in order; this one first
# Commands that are refused in a stranger's group; anything else said there gets silence.
BOT_COMMANDS = frozenset({"start", "help", "ask", "sources", "stats", "reload"})
ADMIN_COMMANDS = frozenset({"stats", "reload"})
INLINE_CACHE_SECONDS = 60


def command_name(message: Message, username: str) -> str | None:
    """The `/command` a message starts with, if it is meant for this bot (None otherwise)."""
    if not message.text or not message.text.startswith("/"):
        return None
    for entity, text in message.parse_entities([MessageEntity.BOT_COMMAND]).items():
        if entity.offset != 0:
            continue
        name, _, target = text[1:].partition("@")
        if target and target.casefold() != username.casefold():
            return None
        return name.casefold()
    return None


def addressed_to_bot(message: Message, username: str, bot_id: int) -> bool:
    """Whether the bot would answer this message at all (in groups it ignores most talk)."""
    if message.chat.type == ChatType.PRIVATE:
        return True
    if command_name(message, username) in BOT_COMMANDS:
        return True
    return mentions_bot(message, username) or is_reply_to_bot(message, bot_id)


async def check_access(update: Update, context: KildeContext) -> None:
    """Let allowed updates through; answer a stranger's once in a while, then stop it here."""
    state = context.bot_data.runtime
    user_id = update.effective_user.id if update.effective_user else None
    if update.inline_query is not None:
        if state.access.allows_user(user_id):
            return
        logger.info("inline query refused for user %s", user_id)
        await update.inline_query.answer([], cache_time=INLINE_CACHE_SECONDS, is_personal=True)
        raise ApplicationHandlerStop
    if update.callback_query is not None:
        message = update.callback_query.message
        if not isinstance(message, Message) or state.access.allows(message.chat_id, user_id):
            return  # an inaccessible message: the button handler says it no longer works
        await update.callback_query.answer(REFUSAL)
        raise ApplicationHandlerStop
    message = update.message
    if message is None or state.access.allows(message.chat_id, user_id):
        return
    username = context.bot.username
    if command_name(message, username) in ADMIN_COMMANDS and state.access.is_admin(user_id):
        return
    from_person = message.from_user is not None and not message.from_user.is_bot
    if from_person and message.via_bot is None and addressed_to_bot(
            message, username, context.bot.id):
        logger.info("refused chat %s user %s", message.chat_id, user_id)
        if state.refusals.check(message.chat_id) is Verdict.ALLOW:
            await reply(message, [html.escape(REFUSAL, quote=False)])
    raise ApplicationHandlerStop


def access_handler() -> TypeHandler:
    """The handler to add in group `ACCESS_GROUP`."""
    return TypeHandler(Update, check_access)
