"""Inline mode: `@BOT question` in any chat offers up to 10 excerpts to send."""

from __future__ import annotations

import logging

from telegram import InlineQueryResultArticle, InputTextMessageContent, LinkPreviewOptions, Update
from telegram.constants import ParseMode

from kilde.bot.telegram_app import formatting
from kilde.bot.telegram_app.access import Verdict
from kilde.bot.telegram_app.addressing import clip
from kilde.bot.telegram_app.callbacks import short_hash
from kilde.bot.telegram_app.context import KildeContext
from kilde.retrieval.answer import Answer

logger = logging.getLogger(__name__)

MAX_RESULTS = 10
CACHE_SECONDS = 60
DESCRIPTION_CHARS = 200


def inline_results(answer: Answer) -> list[InlineQueryResultArticle]:
    """One result per hit: the citation as title, the excerpt as description."""
    return [
        InlineQueryResultArticle(
            id=short_hash(f"{hit.rank}|{hit.article_id}|{hit.paragraph_number}|{hit.excerpt}", 16),
            title=formatting.shorten(hit.citation, 200),
            description=formatting.shorten(hit.excerpt, DESCRIPTION_CHARS),
            input_message_content=InputTextMessageContent(
                formatting.render_inline_result(hit), parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            ),
        )
        for hit in answer.hits[:MAX_RESULTS]
    ]


def nothing_found(question: str) -> InlineQueryResultArticle:
    """The one result an inline query that finds nothing gets, saying so (not an empty list)."""
    return InlineQueryResultArticle(
        id=short_hash(f"nothing|{question}", 16),
        title=formatting.ABSTENTION,
        description=formatting.shorten(question, DESCRIPTION_CHARS),
        input_message_content=InputTextMessageContent(
            formatting.render_nothing_found(question), parse_mode=ParseMode.HTML),
    )


async def on_inline_query(update: Update, context: KildeContext) -> None:
    """Answer an inline query (the access check has passed); empty queries, and users over
    their limit (inline queries come as they type), get no results; a question nothing answers
    gets one result saying so."""
    query = update.inline_query
    if query is None:
        return
    state = context.bot_data.runtime
    question = clip(query.query)
    results: list[InlineQueryResultArticle] = []
    cache_time = CACHE_SECONDS
    if question and state.inline_flood.check(query.from_user.id) is not Verdict.ALLOW:
        cache_time = 0  # over the limit: nothing now, but don't let Telegram keep "nothing"
    elif question:
        engine = state.engine
        results = inline_results(await state.in_worker(engine.ask, question, MAX_RESULTS))
        if not results:
            results = [nothing_found(question)]
    # is_personal: results depend on who asks (the allow-list), so Telegram must not share them.
    await query.answer(results, cache_time=cache_time, is_personal=True)
