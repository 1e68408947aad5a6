"""Who may use the bot (allow-list, admins) and per-user flood protection."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
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
    """A sliding window of events per key (a user, a chat): `limit` per `window` seconds.

    The table stays bounded: keys idle for a whole window are dropped as new ones arrive
    (least recently seen first), and never more than `max_keys` are kept, so memory stays
    flat however many users pass by.
    """

    def __init__(self, limit: int, window: float = 60.0, *, max_keys: int = 100_000) -> None:
        self.limit, self.window, self.max_keys = limit, window, max_keys
        # key -> (times inside the window, whether the key was told to slow down)
        self._seen: OrderedDict[int, tuple[deque[float], bool]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    def check(self, key: int, now: float | None = None) -> Verdict:
        """Record an event from `key` if within the limit; say what to do with it."""
        now = time.monotonic() if now is None else now
        times, warned = self._seen.pop(key, (deque(), False))
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) < self.limit:
            times.append(now)
            verdict, warned = Verdict.ALLOW, False
        else:
            verdict, warned = (Verdict.DROP if warned else Verdict.WARN), True
        self._seen[key] = (times, warned)  # now the most recently seen
        self._forget(now)
        return verdict

    def forget_idle(self, now: float | None = None) -> None:
        """Drop every key with no event inside the window."""
        now = time.monotonic() if now is None else now
        for key in [k for k, (times, _) in self._seen.items() if _idle(times, now - self.window)]:
            del self._seen[key]

    def _forget(self, now: float) -> None:
        # The oldest-seen keys come first: drop them while idle, and beyond the cap.
        while self._seen:
            key, (times, _) = next(iter(self._seen.items()))
            if len(self._seen) <= self.max_keys and not _idle(times, now - self.window):
                return
            del self._seen[key]


def _idle(times: deque[float], since: float) -> bool:
    return not times or times[-1] <= since
