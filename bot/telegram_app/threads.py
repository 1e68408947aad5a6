"""Which question each of the bot's answer messages answered, so that a reply can follow up.

A reply to one of the bot's answers is a follow-up: the engine is given the question that
answer ran (`Engine.ask(..., earlier=...)`), and carries its topic over. Recent answers are
remembered in memory; the query log (when there is one) remembers them across restarts.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from threading import Lock

from telegram import Message

Lookup = Callable[[int, int], "str | None"]


class ThreadMemory:
    """(chat id, bot message id) → the question that message answered, most recent kept."""

    def __init__(self, capacity: int = 20_000, fallback: Lookup | None = None) -> None:
        self.capacity = capacity
        self.fallback = fallback  # e.g. the query log, for answers sent before a restart
        self._questions: OrderedDict[tuple[int, int], str] = OrderedDict()
        self._lock = Lock()  # answers may be sent from worker threads

    def remember(self, chat_id: int, message_ids: Iterable[int], question: str) -> None:
        with self._lock:
            for message_id in message_ids:
                self._questions[(chat_id, message_id)] = question
                self._questions.move_to_end((chat_id, message_id))
            while len(self._questions) > self.capacity:
                self._questions.popitem(last=False)

    def question_for(self, chat_id: int, message_id: int) -> str | None:
        """The question the bot's message answered, or None if it is not known."""
        with self._lock:
            known = self._questions.get((chat_id, message_id))
        if known is None and self.fallback is not None:
            known = self.fallback(chat_id, message_id)
        return known


def earlier_question(message: Message, bot_id: int, memory: ThreadMemory) -> str | None:
    """The question run for the bot's answer that `message` replies to, if it replies to one."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != bot_id:
        return None
    return memory.question_for(message.chat_id, replied.message_id)
