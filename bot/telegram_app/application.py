"""The application factory: one PTB Application wired to the engine, and how to run it.

`build_application(settings, engine)` returns the Application (handlers, error handler, rate
limiter, retrying HTTP layer, command list registered at start-up, the corpus watcher on PTB's
JobQueue); `run(application, settings)`
serves it by long polling, or by webhook when `KILDE_TELEGRAM_WEBHOOK_URL` is set, until SIGINT
or SIGTERM. Pending updates are never dropped: what was sent while the bot was down is answered
when it starts, and every update fetched is journaled before Telegram is told it was received
(`journal.py`), so that even a SIGKILL loses none, and none is answered twice.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
from dataclasses import dataclass, field
from functools import partial
from typing import Any, cast
from urllib.parse import urlparse

from telegram import BotCommand, Update
from telegram.error import InvalidToken
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    JobQueue,
    MessageHandler,
    TypeHandler,
    filters,
)

from kilde.bot.engine_loading import open_engine
from kilde.bot.telegram_app import feedback, handlers, translate_button
from kilde.bot.telegram_app.access import AccessPolicy, FloodGate
from kilde.bot.telegram_app.admin_menu import AdminMenu, on_first_contact
from kilde.bot.telegram_app.context import CONTEXT_TYPES
from kilde.bot.telegram_app.gate import ACCESS_GROUP, access_handler
from kilde.bot.telegram_app.housekeeping import Housekeeping
from kilde.bot.telegram_app.inline import on_inline_query
from kilde.bot.telegram_app.journal import UpdateJournal
from kilde.bot.telegram_app.lanes import LanedUpdateProcessor
from kilde.bot.telegram_app.lifecycle import KildeApplication
from kilde.bot.telegram_app.reload import Reloader
from kilde.bot.telegram_app.runtime import BotRuntime
from kilde.bot.telegram_app.transport import PollingRequest, RetryingRequest, SplitRequest
from kilde.config import Settings, SettingsError
from kilde.retrieval.engine import Engine

logger = logging.getLogger(__name__)

# Opt in to PTB 23's timedelta durations now: otherwise every 429 makes PTB emit a deprecation
# warning from inside RetryAfter (our code reads no duration attributes, so nothing else changes).
os.environ.setdefault("PTB_TIMEDELTA", "1")

COMMANDS = (
    BotCommand("ask", "Ask a question (in groups: /ask your question)"),
    BotCommand("help", "How to use Kilde, with an example"),
    BotCommand("sources", "The articles Kilde answers from"),
)
ADMIN_COMMANDS = (
    BotCommand("stats", "Questions answered, abstentions, median answer time"),
    BotCommand("reload", "Reload the articles now"),
)
# Only what the bot handles; Telegram then doesn't even send edits or channel posts.
ALLOWED_UPDATES = (Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY)


@dataclass(frozen=True)
class BotTuning:
    """Timeouts, retries and rate limits; the defaults suit real Telegram, tests shrink them."""

    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    poll_timeout: float = 10.0  # seconds a getUpdates long poll waits
    retries: int = 3  # for timeouts and 5xx of requests that are safe to repeat
    backoff: float = 0.5  # first retry delay; doubles each time (at most 10 s)
    outage_budget: float = 300.0  # seconds an unsent request keeps trying through an outage
    rejected_budget: float = 60.0  # seconds getUpdates may answer 401 before the bot stops
    rate_limit_retries: int = 20  # for 429 "retry after" (each waits as long as Telegram asks)
    overall_rate: float = 30.0  # messages per second (Telegram's broadcast limit)
    group_rate: float = 20.0  # messages per minute in one group
    concurrency: int = 32  # messages handled at the same time
    interactive: int = 64  # button presses and inline queries, in a lane of their own
    # HTTP connections: few, as the pool checks each idle one on every request; the answers to
    # presses and inline queries have their own, never queued behind messages.
    message_connections: int = 16
    answer_connections: int = 8
    per_chat: int = 2  # updates of one chat (a press or inline query: one user) at once
    flood_window: float = 60.0  # seconds over which KILDE_FLOOD_LIMIT counts
    refusal_window: float = 600.0  # a stranger's chat is refused at most 3 times in it
    # Idle users and chats forgotten every minute.
    housekeeping: Housekeeping = field(default_factory=Housekeeping)


def build_application(settings: Settings, engine: Engine,
                      tuning: BotTuning | None = None) -> KildeApplication:
    """The bot, ready to run: handlers, error handler, rate limiter, retries, command list."""
    tuning = tuning or BotTuning()
    if settings.telegram_token is None:
        raise ValueError("no Telegram token in the settings")
    request = SplitRequest(messages=_connections(tuning, tuning.message_connections),
                           interactive=_connections(tuning, tuning.answer_connections))
    journal = UpdateJournal(settings.state_dir)
    polling = PollingRequest(
        journal=journal, rejected_budget=tuning.rejected_budget, connection_pool_size=1,
        connect_timeout=tuning.connect_timeout, read_timeout=tuning.read_timeout,
    )
    lanes = LanedUpdateProcessor(
        messages=tuning.concurrency, interactive=tuning.interactive, per_chat=tuning.per_chat)
    built = (
        Application.builder()
        .application_class(KildeApplication, kwargs={
            "journal": journal, "lanes": lanes, "commands": COMMANDS})
        .context_types(CONTEXT_TYPES)
        .token(settings.telegram_token.get_secret_value())
        .base_url(settings.telegram_base_url)
        .request(request)
        # Long polling has its own connection; PTB retries it in its polling loop.
        .get_updates_request(polling)
        .rate_limiter(AIORateLimiter(
            overall_max_rate=tuning.overall_rate, group_max_rate=tuning.group_rate,
            max_retries=tuning.rate_limit_retries,
        ))
        .concurrent_updates(lanes)
        .build()
    )
    # The builder is typed for Application; application_class made it a KildeApplication.
    application = cast(KildeApplication, built)
    runtime = BotRuntime(
        engine=engine,
        access=AccessPolicy.from_ids(settings.allowed_chat_ids, settings.admin_user_ids),
        flood=FloodGate(settings.flood_limit, tuning.flood_window),
        # A press or an inline query costs less than a question; inline queries come per word.
        button_flood=FloodGate(2 * settings.flood_limit, tuning.flood_window),
        inline_flood=FloodGate(3 * settings.flood_limit, tuning.flood_window),
        refusals=FloodGate(3, tuning.refusal_window),
        top_k=settings.top_k,
        log=feedback.open_query_log(settings),
        translator=translate_button.translator_for(settings),
    )
    shared = application.bot_data
    shared.runtime = runtime
    shared.admin_menu = AdminMenu(settings.admin_user_ids, COMMANDS + ADMIN_COMMANDS)
    # Reloads open the engine exactly the way `kilde serve` opened the first one.
    shared.reloader = Reloader(
        runtime, settings.corpus_dir, partial(open_engine, settings, serving=True),
        interval=settings.reload_interval,
    )
    shared.reloader.watch(_job_queue(application))
    tuning.housekeeping.schedule(_job_queue(application))
    polling.on_rejected = application.token_refused
    _add_handlers(application)
    return application


def _connections(tuning: BotTuning, size: int) -> RetryingRequest:
    return RetryingRequest(
        retries=tuning.retries, backoff=tuning.backoff, outage_budget=tuning.outage_budget,
        connection_pool_size=size, connect_timeout=tuning.connect_timeout,
        read_timeout=tuning.read_timeout, write_timeout=tuning.read_timeout,
        pool_timeout=tuning.read_timeout,
    )


def _job_queue(application: Application) -> JobQueue[Any]:
    """PTB's JobQueue (present when python-telegram-bot[job-queue], a dependency, is installed)."""
    if application.job_queue is None:
        raise RuntimeError("python-telegram-bot's JobQueue is missing: install "
                           "'python-telegram-bot[job-queue]'")
    job_queue: JobQueue[Any] = application.job_queue
    return job_queue


def _add_handlers(application: Application) -> None:
    new_messages = filters.UpdateType.MESSAGE  # not edits, not channel posts
    # Before the access gate, blocking nothing: an admin's first contact registers their menu.
    application.add_handler(TypeHandler(Update, on_first_contact), group=ACCESS_GROUP - 1)
    application.add_handler(access_handler(), group=ACCESS_GROUP)
    application.add_handler(CommandHandler(("start", "help"), handlers.on_start, new_messages))
    application.add_handler(CommandHandler("ask", handlers.on_ask, new_messages))
    application.add_handler(CommandHandler("sources", handlers.on_sources, new_messages))
    application.add_handler(CommandHandler("stats", handlers.on_stats, new_messages))
    application.add_handler(CommandHandler("reload", handlers.on_reload, new_messages))
    application.add_handler(
        MessageHandler(new_messages & filters.TEXT & ~filters.COMMAND, handlers.on_text))
    application.add_handler(
        MessageHandler(new_messages & filters.COMMAND, handlers.on_unknown_command))
    application.add_handler(CallbackQueryHandler(feedback.on_vote, pattern=feedback.PATTERN))
    application.add_handler(CallbackQueryHandler(translate_button.on_translate,
                                                 pattern=translate_button.PATTERN))
    application.add_handler(CallbackQueryHandler(handlers.on_button))
    application.add_handler(InlineQueryHandler(on_inline_query))
    application.add_error_handler(handlers.on_error)


def polling_options(tuning: BotTuning | None = None) -> dict[str, Any]:
    """How the bot polls (shared by `run` and the tests, so both run the same way)."""
    tuning = tuning or BotTuning()
    return {
        "poll_interval": 0.0,
        "timeout": int(tuning.poll_timeout),
        "drop_pending_updates": False,  # answer what was asked while the bot was down
        "allowed_updates": list(ALLOWED_UPDATES),
    }


def webhook_options(settings: Settings) -> dict[str, Any]:
    """How the bot listens for a webhook: the URL's path, the listen address, a secret token."""
    url = settings.telegram_webhook_url or ""
    secret = (settings.telegram_webhook_secret.get_secret_value()
              if settings.telegram_webhook_secret else secrets.token_urlsafe(32))
    return {
        "listen": settings.telegram_webhook_listen,
        "port": settings.telegram_webhook_port,
        "url_path": urlparse(url).path.lstrip("/"),
        "webhook_url": url,
        "secret_token": secret,  # Telegram sends it back; other callers get 403
        "drop_pending_updates": False,
        "allowed_updates": list(ALLOWED_UPDATES),
    }


async def start_polling(application: KildeApplication,
                        tuning: BotTuning | None = None) -> None:
    """Serve by long polling inside a running event loop, in the order PTB documents for that
    (tests and the benchmark; `run` lets PTB's run_polling do it and wait for a signal)."""
    await application.initialize()
    await application.start()
    await application.updater.start_polling(**polling_options(tuning))  # type: ignore[union-attr]


async def stop(application: KildeApplication) -> None:
    """Undo `start_polling` (or a webhook's start) in PTB's order: stop fetching, answer or set
    aside what is in hand and confirm it to Telegram, shut down."""
    if application.updater is not None and application.updater.running:
        try:
            await application.updater.stop()
        except InvalidToken:  # polling ended on a refused token: stop the rest all the same
            if not application.refused:
                raise
    if application.running:
        await application.stop()
    await application.shutdown()


def run(application: KildeApplication, settings: Settings,
        tuning: BotTuning | None = None) -> None:
    """Serve until SIGINT or SIGTERM, by webhook if one is configured, else by long polling
    (PTB's run_webhook and run_polling)."""
    stop_signals = (signal.SIGINT, signal.SIGTERM)
    if settings.telegram_webhook_url:
        application.run_webhook(**webhook_options(settings), stop_signals=stop_signals)
    else:
        application.serving = True
        try:
            application.run_polling(**polling_options(tuning), stop_signals=stop_signals)
        except InvalidToken:
            if not application.refused:
                raise
    if application.refused:
        raise SettingsError("KILDE_TELEGRAM_TOKEN was refused by the Bot API while polling "
                            "(revoked?); stopped")
