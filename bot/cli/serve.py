"""`kilde serve`: run the Telegram bot (long polling, or a webhook when one is configured)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import re

from kilde.bot.engine_loading import open_engine
from kilde.config import Settings, SettingsError
from kilde.corpus import KildeError

# python-telegram-bot is imported inside the functions below: every other `kilde` command
# would otherwise pay its import time (~150 ms) at each start.

logger = logging.getLogger(__name__)

# BotFather tokens look like 123456789:AAE...; the check catches pasted quotes, spaces, halves.
_TOKEN = re.compile(r"\d{3,}:[A-Za-z0-9_-]{30,}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "serve", parents=[common], help="run the Telegram bot",
        description="Run the Telegram bot until Ctrl-C or SIGTERM. Needs KILDE_TELEGRAM_TOKEN; "
                    "uses a webhook when KILDE_TELEGRAM_WEBHOOK_URL is set, else long polling.",
    )
    parser.set_defaults(run=run)


def check_bot_settings(settings: Settings) -> str:
    """The token, after checking it and the webhook secret; raises SettingsError in one line."""
    if settings.telegram_token is None or not settings.telegram_token.get_secret_value():
        raise SettingsError(
            "KILDE_TELEGRAM_TOKEN is not set; create a bot with @BotFather and put its token "
            "there")
    token = settings.telegram_token.get_secret_value()
    if not _TOKEN.fullmatch(token):
        raise SettingsError(
            "bad setting KILDE_TELEGRAM_TOKEN: expected the form 123456789:ABC... "
            "as @BotFather gives it")
    secret = settings.telegram_webhook_secret
    if secret is not None and not _SECRET.fullmatch(secret.get_secret_value()):
        raise SettingsError(
            "bad setting KILDE_TELEGRAM_WEBHOOK_SECRET: use 1-256 of A-Z, a-z, 0-9, _ and -")
    return token


class BotApiUnreachableError(KildeError):
    """The Bot API could not be reached at start-up (exit 1)."""


async def _check_token(token: str, base_url: str) -> str:
    """Ask the Bot API who we are: a rejected token or an unreachable server shows up here,
    as one line, before the bot starts."""
    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError

    from kilde.bot.telegram_app.redaction import REDACTED

    try:
        async with Bot(token, base_url=base_url) as bot:
            return bot.username
    except InvalidToken:
        raise SettingsError("KILDE_TELEGRAM_TOKEN was rejected by the Bot API") from None
    except NetworkError as error:
        # The error may quote the server's answer, and a proxy's answer may echo the request
        # path, which holds the token: this line goes to stderr, past the log redaction.
        problem = str(error).replace(token, REDACTED).replace(token.split(":", 1)[-1], REDACTED)
        raise BotApiUnreachableError(f"cannot reach the Bot API: {problem}") from None


def run(args: argparse.Namespace, settings: Settings) -> int:
    from kilde.bot.telegram_app import build_application
    from kilde.bot.telegram_app import run as run_bot
    from kilde.bot.telegram_app.redaction import install_redaction

    token = check_bot_settings(settings)
    secrets = [token]
    if settings.telegram_webhook_secret is not None:
        secrets.append(settings.telegram_webhook_secret.get_secret_value())
    install_redaction(*secrets)
    if not args.debug:
        logging.getLogger("kilde.bot").setLevel(logging.INFO)
    engine = open_engine(settings, serving=True)
    # One event loop for the check and the bot (PTB's run_* picks up the current one).
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        username = loop.run_until_complete(_check_token(token, settings.telegram_base_url))
    except BaseException:
        loop.close()
        raise
    application = build_application(settings, engine)
    mode = "webhook" if settings.telegram_webhook_url else "long polling"
    logger.info("@%s serving %d articles by %s; Ctrl-C to stop", username,
                engine.article_count, mode)
    run_bot(application, settings)
    logger.info("stopped")
    return 0
