"""Which messages are questions to the bot, and what the question is.

Private chats: every text. Groups: `/ask Q` (also `/ask@BOT Q`), `@BOT Q` anywhere in the
message, and replies to the bot's own messages; nothing else, since the bot sits in busy chats.
"""

from __future__ import annotations

import re

from telegram import Message, MessageEntity
from telegram.constants import ChatType

_SPACES = re.compile(r"[ \t]+")
MAX_QUESTION_CHARS = 1000  # longer messages are read up to here (Telegram allows 4096)


def clip(question: str) -> str:
    """The part of a question the engine is given."""
    return question[:MAX_QUESTION_CHARS].strip()


def command_argument(message: Message) -> str:
    """The text after a leading `/command` or `/command@bot`, stripped."""
    text = message.text or ""
    for entity, command in message.parse_entities([MessageEntity.BOT_COMMAND]).items():
        if entity.offset == 0:
            return text[len(command):].strip()
    return text.strip()


def mentions_bot(message: Message, username: str) -> bool:
    """Whether the message @-mentions the bot."""
    wanted = "@" + username.casefold()
    return any(
        mention.casefold() == wanted
        for mention in message.parse_entities([MessageEntity.MENTION]).values()
    )


def without_mentions(text: str, username: str) -> str:
    """The text with every `@BOT` removed, white space tidied."""
    cleaned = re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE)
    lines = (_SPACES.sub(" ", line).strip() for line in cleaned.split("\n"))
    return "\n".join(line for line in lines if line).strip()


def is_reply_to_bot(message: Message, bot_id: int) -> bool:
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == bot_id)


def question_in(message: Message, *, username: str, bot_id: int) -> str | None:
    """The question a plain (non-command) text message asks the bot, or None if it doesn't.

    In private chats every text is a question; in groups only mentions and replies to the bot.
    An empty string means "addressed to the bot, but no question" (e.g. a bare mention).
    """
    text = message.text or ""
    if message.chat.type == ChatType.PRIVATE:
        return without_mentions(text, username)
    if mentions_bot(message, username) or is_reply_to_bot(message, bot_id):
        return without_mentions(text, username)
    return None


def original_question(message: Message | None, *, username: str) -> str | None:
    """The question an earlier message asked (for buttons under the answer that replied to it)."""
    if message is None or not message.text:
        return None
    if message.text.startswith("/"):
        return clip(without_mentions(command_argument(message), username))
    return clip(without_mentions(message.text, username))
