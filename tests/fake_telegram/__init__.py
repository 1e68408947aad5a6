"""A fake Telegram Bot API server on loopback, shared by the bot tests and the bot benchmark."""

from tests.fake_telegram.server import DEFAULT_TOKEN, ApiError, Call, FakeTelegram
from tests.fake_telegram.telegram_html import EntityParseError, parse_html, utf16_length

__all__ = [
    "DEFAULT_TOKEN", "ApiError", "Call", "EntityParseError", "FakeTelegram", "parse_html",
    "utf16_length",
]
