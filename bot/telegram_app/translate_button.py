"""The "Translate" button under an answer, when a translation service is configured.

Callback data `t|<question id>` names the logged answer, whose cited excerpts the query log
keeps, so the button works after a restart too. Pressing it sends the excerpts machine-
translated into the question's language, labelled as such, in reply to the answer; a failing,
slow or misconfigured service costs one line, "translation unavailable: <why>".
"""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardButton, Message, Update
from telegram.constants import ParseMode

from kilde.bot.reading_aids import unavailable_line
from kilde.bot.telegram_app import formatting
from kilde.bot.telegram_app.access import REFUSAL
from kilde.bot.telegram_app.context import KildeContext
from kilde.bot.translation import TranslationError, Translator, translator_from_settings
from kilde.bot.translation.answers import atranslate_excerpts
from kilde.config import Settings

logger = logging.getLogger(__name__)

LABEL = "🌐 Translate"
PATTERN = r"^t\|\d+$"
GONE = "This answer is no longer in the log; please ask again."


def translator_for(settings: Settings) -> Translator | str | None:
    """The configured translator; the reason it can't work (said when the button is pressed);
    or None when translation is off."""
    if not settings.translate_api:
        return None
    try:
        return translator_from_settings(settings)
    except TranslationError as error:
        logger.warning("translation is configured but cannot work: %s", error)
        return str(error)


def translate_button(question_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(LABEL, callback_data=f"t|{question_id}")


async def on_translate(update: Update, context: KildeContext) -> None:
    """Translate: send the answer's excerpts machine-translated, or one line saying why not."""
    query = update.callback_query
    if query is None:
        return
    message = query.message if isinstance(query.message, Message) else None
    state = context.bot_data.runtime
    if message is None:
        await query.answer()
        return
    if not state.access.allows(message.chat_id, query.from_user.id):
        await query.answer(REFUSAL)
        return
    logged = await state.in_log(state.log.answer_for, int((query.data or "t|0").split("|")[1]))
    if logged is None:
        await query.answer(GONE)
        return
    await query.answer()
    language, hits = logged
    if not isinstance(state.translator, Translator):
        reason = state.translator or "no translation service is configured"
        texts = [html.escape(unavailable_line(reason), quote=False)]
    else:
        excerpts = [(str(hit["excerpt"]), str(hit["language"])) for hit in hits]
        result = await atranslate_excerpts(state.translator, excerpts, language)
        if result.unavailable:
            texts = [html.escape(unavailable_line(result.unavailable), quote=False)]
        else:
            numbered = [(number, text) for number, text in enumerate(result.texts, 1) if text]
            texts = formatting.render_translation(numbered, state.translator.name)
    for text in texts:
        await message.get_bot().send_message(
            chat_id=message.chat_id, text=text, parse_mode=ParseMode.HTML,
            reply_to_message_id=message.message_id, allow_sending_without_reply=True,
            message_thread_id=message.message_thread_id if message.is_topic_message else None,
        )
