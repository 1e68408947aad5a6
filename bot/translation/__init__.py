"""Machine translation of excerpts, optional: LibreTranslate, DeepL or an OpenAI-compatible
chat-completions endpoint, spoken to with httpx.

    translator = translator_from_settings(settings)   # raises TranslationError if misconfigured
    translator.translate(["Kravene ..."], source="no", target="en")          # from the CLI
    await translator.atranslate(["Kravene ..."], source="no", target="en")   # from the bot

A translation is a reading aid under a verbatim quote, never a quote itself. Translations are
cached per text and language pair. Every failure (no service configured, a timeout, an HTTP
error, a malformed reply) is a `TranslationError` whose message is the short "why" of the one
line "translation unavailable: <why>"; the API key is never part of it, nor of any log line.
"""

from kilde.bot.translation.client import Translator, translator_from_settings
from kilde.bot.translation.protocol import Backend, TranslationError

__all__ = ["Backend", "TranslationError", "Translator", "translator_from_settings"]
