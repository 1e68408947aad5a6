"""Counters for /stats: questions answered, abstentions and answer times since start."""

from __future__ import annotations

import statistics
import time
from collections import deque
from dataclasses import dataclass, field

from kilde.bot.wording import plural

# The median answer time is over the latest answers: memory stays flat however long the bot runs.
KEPT_DURATIONS = 10_000


@dataclass
class Stats:
    """What the bot has done since it started (kept in memory only)."""

    started: float = field(default_factory=time.monotonic)
    answered: int = 0
    abstained: int = 0
    durations: deque[float] = field(default_factory=lambda: deque(maxlen=KEPT_DURATIONS))

    def record(self, *, answered: bool, seconds: float) -> None:
        if answered:
            self.answered += 1
        else:
            self.abstained += 1
        self.durations.append(seconds)

    @property
    def questions(self) -> int:
        return self.answered + self.abstained

    @property
    def median_seconds(self) -> float | None:
        return statistics.median(self.durations) if self.durations else None

    def summary(self) -> str:
        """The /stats message (plain text, nothing user-supplied in it)."""
        uptime = time.monotonic() - self.started
        median = self.median_seconds
        median_text = f"{median * 1000:.1f} ms" if median is not None else "n/a"
        return (
            f"Since start ({_duration(uptime)} ago): {plural(self.questions, 'question')}, "
            f"{self.answered} answered, {plural(self.abstained, 'abstention')}; "
            f"median answer time {median_text}."
        )


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {secs}s"
