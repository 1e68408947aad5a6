"""What the handlers share while the bot runs: the engine, access rules, counters, memory."""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram.ext import ContextTypes

from kilde.bot.querylog import QueryLog
from kilde.bot.telegram_app.access import AccessPolicy, FloodGate
from kilde.bot.telegram_app.callbacks import CorpusIndex, QuestionMemory
from kilde.bot.telegram_app.stats import Stats
from kilde.bot.telegram_app.threads import ThreadMemory
from kilde.retrieval.engine import Engine

RUNTIME_KEY = "kilde"


@dataclass
class BotRuntime:
    """The bot's working state, kept in `application.bot_data`."""

    engine: Engine
    access: AccessPolicy
    flood: FloodGate
    top_k: int
    stats: Stats = field(default_factory=Stats)
    memory: QuestionMemory = field(default_factory=QuestionMemory)
    threads: ThreadMemory = field(default_factory=ThreadMemory)
    log: QueryLog = field(default_factory=lambda: QueryLog.open(None))
    _index: CorpusIndex | None = None

    def __post_init__(self) -> None:
        # Answers sent before a restart are found again in the query log.
        self.threads.fallback = self._logged_question

    def _logged_question(self, chat_id: int, message_id: int) -> str | None:
        found = self.log.question_for_message(chat_id, message_id)
        return found[1] if found else None

    @property
    def corpus_index(self) -> CorpusIndex:
        """Articles by id hash, rebuilt if the engine's corpus object changed."""
        corpus = self.engine.corpus
        if self._index is None or self._index.corpus is not corpus:
            self._index = CorpusIndex(corpus)
        return self._index


def runtime(context: ContextTypes.DEFAULT_TYPE) -> BotRuntime:
    """The runtime stored by `build_application`."""
    value = context.bot_data[RUNTIME_KEY]
    if not isinstance(value, BotRuntime):
        raise TypeError("bot_data holds no BotRuntime; build the bot with build_application")
    return value
