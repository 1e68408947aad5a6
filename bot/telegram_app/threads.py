"""Which question each of the bot's answer messages answered, so that a reply can follow up.

A reply to one of the bot's answers is a follow-up: the engine is given the question that
answer ran (`Engine.ask(..., earlier=...)`), carries its topic over and ranks what that answer
showed last (asking the earlier question again: nothing more is kept here). Each chat remembers its
recent answers (`ChatThreads`, in the chat's `chat_data`); the query log (when there is one)
remembers them across restarts and after a chat's memory was dropped.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from telegram import Message

ANSWERS_PER_CHAT = 500


class ChatThreads:
    """Bot message id → the question that message answered, in one chat; the latest kept."""

    def __init__(self, capacity: int = ANSWERS_PER_CHAT) -> None:
        self.capacity = capacity
        self._questions: OrderedDict[int, str] = OrderedDict()

    def __len__(self) -> int:
        return len(self._questions)

    def remember(self, message_ids: Iterable[int], question: str) -> None:
        for message_id in message_ids:
            self._questions[message_id] = question
            self._questions.move_to_end(message_id)
        while len(self._questions) > self.capacity:
            self._questions.popitem(last=False)

    def question_for(self, message_id: int) -> str | None:
        """The question the bot's message answered, or None if this chat does not recall it."""
        return self._questions.get(message_id)


def replied_bot_message(message: Message, bot_id: int) -> int | None:
    """The id of the bot's message that `message` replies to, if it replies to the bot."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != bot_id:
        return None
    return replied.message_id
