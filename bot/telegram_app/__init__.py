"""The Telegram bot: a python-telegram-bot Application over the answer engine."""

from kilde.bot.telegram_app.application import (
    BotTuning,
    build_application,
    polling_options,
    run,
    start_polling,
    stop,
)

__all__ = [
    "BotTuning", "build_application", "polling_options", "run", "start_polling", "stop",
]
