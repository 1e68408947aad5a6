"""Who may use the bot (allow-list, admins) and per-user flood protection."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

REFUSAL = "Sorry, this bot only answers its own team's chats."
SLOW_DOWN = "You're asking faster than I can keep up. Please wait a minute, then ask again."
ADMINS_ONLY = "Only the bot's admins can use that command."


@dataclass(frozen=True)
class AccessPolicy:
    """The allow-list (chat or user ids; empty means everyone) and the admin user ids."""

    allowed: frozenset[int] = frozenset()
    admins: frozenset[int] = frozenset()

    @classmethod
    def from_ids(cls, allowed: Iterable[int], admins: Iterable[int]) -> AccessPolicy:
        return cls(frozenset(allowed), frozenset(admins))

    def allows(self, chat_id: int | None, user_id: int | None) -> bool:
        """Whether a message in `chat_id` from `user_id` may be answered."""
        if not self.allowed:
            return True
        return chat_id in self.allowed or user_id in self.allowed

    def allows_user(self, user_id: int | None) -> bool:
        """Whether `user_id` may use inline mode (an inline query has no chat)."""
        return not self.allowed or user_id in self.allowed

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.admins


class Verdict(Enum):
    """What to do with one more question from a user."""

    ALLOW = "allow"
    WARN = "warn"  # over the limit: say so, once per burst
    DROP = "drop"  # over the limit and already told


class FloodGate:
    """A sliding window of questions per user: `limit` per `window` seconds."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit, self.window = limit, window
        self._asked: dict[int, deque[float]] = {}
        self._warned: set[int] = set()

    def check(self, user_id: int, now: float | None = None) -> Verdict:
        """Record a question from `user_id` if within the limit; say what to do with it."""
        now = time.monotonic() if now is None else now
        asked = self._asked.setdefault(user_id, deque())
        while asked and asked[0] <= now - self.window:
            asked.popleft()
        if len(asked) < self.limit:
            asked.append(now)
            self._warned.discard(user_id)
            return Verdict.ALLOW
        if user_id in self._warned:
            return Verdict.DROP
        self._warned.add(user_id)
        return Verdict.WARN

    def forget_idle(self, now: float | None = None) -> None:
        """Drop users with no question inside the window (keeps memory flat)."""
        now = time.monotonic() if now is None else now
        for user_id in [u for u, q in self._asked.items() if not q or q[-1] <= now - self.window]:
            del self._asked[user_id]
            self._warned.discard(user_id)
