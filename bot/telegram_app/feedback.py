"""👍/👎 under each answer, and the query log they are recorded in.

Callback data `v|u|<question id>` (👍) and `v|d|<question id>` (👎) name the logged question,
so a vote still lands after a restart. A vote counts once per user and answer; pressing the
other button changes it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from kilde.bot.querylog import QueryLog, QueryLogError, VoteOutcome
from kilde.bot.telegram_app.access import SLOW_DOWN, Verdict
from kilde.bot.telegram_app.context import KildeContext
from kilde.config import Settings

logger = logging.getLogger(__name__)

UP, DOWN = "👍", "👎"
PATTERN = r"^v\|[ud]\|\d+$"
THANKS = {
    VoteOutcome.RECORDED: "Thanks, your {vote} is recorded.",
    VoteOutcome.CHANGED: "Changed: your vote is now {vote}.",
    VoteOutcome.UNCHANGED: "You already voted {vote} on this answer.",
    VoteOutcome.UNKNOWN_ANSWER: "This answer is no longer in the log; thanks anyway.",
}


def open_query_log(settings: Settings) -> QueryLog:
    """The bot's query log as configured; in memory (with one warning) if the folder fails."""
    if not settings.query_log:
        return QueryLog.open(None, raw_ids=settings.query_log_raw_ids)
    try:
        return QueryLog.open(settings.query_log_dir, raw_ids=settings.query_log_raw_ids,
                             retention_days=settings.query_log_retention_days)
    except QueryLogError as error:
        logger.warning("%s; keeping the query log in memory until the bot stops", error)
        return QueryLog.open(None, raw_ids=settings.query_log_raw_ids)


@dataclass(frozen=True)
class VoteRequest:
    question_id: int
    vote: int  # +1 or -1


def vote_data(question_id: int, vote: int) -> str:
    return f"v|{'u' if vote > 0 else 'd'}|{question_id}"


def parse_vote(data: str) -> VoteRequest | None:
    parts = data.split("|")
    if len(parts) != 3 or parts[0] != "v" or parts[1] not in ("u", "d") or not parts[2].isdigit():
        return None
    return VoteRequest(int(parts[2]), 1 if parts[1] == "u" else -1)


def vote_buttons(question_id: int) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(UP, callback_data=vote_data(question_id, 1)),
        InlineKeyboardButton(DOWN, callback_data=vote_data(question_id, -1)),
    ]


def with_buttons(markup: InlineKeyboardMarkup | None,
                 buttons: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    """`markup` with `buttons` added: beside a lone button in the last row (More), else in a
    row of their own at the bottom."""
    rows = [list(row) for row in markup.inline_keyboard] if markup is not None else []
    if rows and len(rows[-1]) == 1:
        rows[-1].extend(buttons)
    else:
        rows.append(list(buttons))
    return InlineKeyboardMarkup(rows)


async def on_vote(update: Update, context: KildeContext) -> None:
    """👍 or 👎 under an answer: record (or change) the user's vote, say so in a toast."""
    query = update.callback_query
    if query is None:
        return
    request = parse_vote(query.data or "")
    message = query.message if isinstance(query.message, Message) else None
    state = context.bot_data.runtime
    if request is None or message is None:
        await query.answer()
        return
    verdict = state.button_flood.check(query.from_user.id)  # (the access check has passed)
    if verdict is not Verdict.ALLOW:
        await query.answer(SLOW_DOWN if verdict is Verdict.WARN else None)
        return
    outcome = await state.in_log(state.log.vote, request.question_id, query.from_user.id,
                                 request.vote)
    await query.answer(THANKS[outcome].format(vote=UP if request.vote > 0 else DOWN))
