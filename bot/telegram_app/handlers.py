"""The bot's handlers: parse the update, ask the engine, format, reply. Nothing else lives here."""

from __future__ import annotations

import html
import logging
import time
from functools import partial

from telegram import (
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, NetworkError, TelegramError

from kilde.bot.querylog import summary_lines
from kilde.bot.telegram_app import callbacks, feedback, formatting
from kilde.bot.telegram_app.access import ADMINS_ONLY, SLOW_DOWN, Verdict
from kilde.bot.telegram_app.addressing import (
    clip,
    command_argument,
    original_question,
    question_in,
    without_mentions,
)
from kilde.bot.telegram_app.context import KildeContext, chat_threads
from kilde.bot.telegram_app.threads import replied_bot_message
from kilde.bot.telegram_app.translate_button import translate_button
from kilde.bot.translation.answers import needs_translation

logger = logging.getLogger(__name__)

EXAMPLE_QUESTION = "What did Russia demand from NATO?"
SOMETHING_WENT_WRONG = "Sorry, something went wrong on my side. Please try again in a moment."
UNKNOWN_COMMAND = "I don't know that command. Try /help."
STALE_BUTTON = "This button no longer works; please ask again."


def help_text(username: str) -> str:
    """The /start and /help message."""
    example = html.escape(EXAMPLE_QUESTION)
    return (
        "I answer questions with verbatim, cited excerpts from Danish and Norwegian news "
        "articles. Ask in English, Danish or Norwegian.\n\n"
        f"In this chat just write your question, e.g.\n<i>{example}</i>\n\n"
        f"In groups: <code>/ask {example}</code>, mention me (@{html.escape(username)}), or "
        "reply to one of my answers.\n"
        f"Anywhere: type <code>@{html.escape(username)} your question</code> to pick an "
        "excerpt to send.\n\n/sources lists the articles I know."
    )


def _usable(update: Update) -> Message | None:
    """The message to act on, or None for what the bot ignores (other bots, via-bot posts)."""
    message = update.message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return None
    if message.via_bot is not None:  # an inline result someone sent: not a question
        return None
    return message


async def reply(message: Message, texts: list[str],
                markup: InlineKeyboardMarkup | None = None) -> list[Message]:
    """Send HTML texts as replies to `message` (still sent if it was deleted meanwhile)."""
    sent = []
    for number, text in enumerate(texts, start=1):
        sent.append(await message.get_bot().send_message(
            chat_id=message.chat_id,
            text=text,
            parse_mode=ParseMode.HTML,
            reply_parameters=ReplyParameters(
                message.message_id, allow_sending_without_reply=True),
            reply_markup=markup if number == len(texts) else None,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            message_thread_id=message.message_thread_id if message.is_topic_message else None,
        ))
    return sent


async def _say(message: Message, line: str) -> None:
    await reply(message, [html.escape(line, quote=False)])


async def _not_flooding(message: Message, user_id: int,
                        context: KildeContext) -> bool:
    """Whether this user may ask again now; says "slow down" once per burst if not."""
    verdict = context.bot_data.runtime.flood.check(user_id)
    if verdict is Verdict.WARN:
        await _say(message, SLOW_DOWN)
    return verdict is Verdict.ALLOW


async def _typing(message: Message) -> None:
    """Show "typing…"; a failure here must not cost the answer."""
    try:
        await message.get_bot().send_chat_action(
            message.chat_id, ChatAction.TYPING,
            message_thread_id=message.message_thread_id if message.is_topic_message else None,
        )
    except TelegramError as error:
        logger.debug("chat action failed: %s", error)


async def answer_question(message: Message, question: str, user_id: int,
                          context: KildeContext, *, offset: int = 0,
                          earlier: str | None = None) -> None:
    """Answer `question` in reply to `message`, with More/Context buttons; `earlier` is the
    question (as run) of the answer `message` replies to, for a follow-up (its More pages are
    asked the same way, with an offset, so they page the follow-up's own order)."""
    state = context.bot_data.runtime
    if not await _not_flooding(message, user_id, context):
        return
    await _typing(message)
    started = time.perf_counter()
    engine = state.engine  # read once: a reload may swap it meanwhile
    answer = await state.in_worker(
        lambda: engine.ask(question, top_k=state.top_k, offset=offset, earlier=earlier))
    texts = formatting.render_answer(answer)
    follow_up = (question, earlier) if earlier else None
    markup = callbacks.answer_keyboard(answer, offset, state.top_k, follow_up=follow_up)
    if markup is not None:  # for a More button whose data only holds a hash
        if follow_up is not None:
            state.memory.remember_follow_up(*follow_up)
        else:
            state.memory.remember(answer.question)
    state.stats.record(answered=answer.answered, seconds=time.perf_counter() - started)
    logged = None
    if not offset:  # a new question, not a More
        logged = await state.in_log(partial(
            state.log.record, chat_id=message.chat_id, user_id=user_id,
            chat_type=message.chat.type, asked=question, answer=answer))
        if answer.answered:
            buttons = feedback.vote_buttons(logged)
            if state.translator is not None and needs_translation(
                    [(hit.excerpt, hit.language) for hit in answer.hits], answer.language):
                buttons.append(translate_button(logged))
            markup = feedback.with_buttons(markup, buttons)
    if offset and not answer.answered:
        texts = [callbacks.NO_MORE]
    sent = await reply(message, texts, markup)
    threads = chat_threads(context)
    if threads is not None:
        threads.remember((m.message_id for m in sent), answer.question)
    if logged is not None:
        await state.in_log(state.log.attach_messages, logged, message.chat_id,
                           [m.message_id for m in sent])


async def _earlier(message: Message, context: KildeContext) -> str | None:
    """The question of the bot's answer that `message` replies to (for a follow-up), if any:
    from the chat's memory, else from the query log."""
    replied = replied_bot_message(message, context.bot.id)
    if replied is None:
        return None
    threads = chat_threads(context)
    known = threads.question_for(replied) if threads is not None else None
    if known is None:
        state = context.bot_data.runtime
        known = await state.in_log(state.logged_question, message.chat_id, replied)
    return known


async def on_start(update: Update, context: KildeContext) -> None:
    """/start and /help: what the bot does, with an example question."""
    message = _usable(update)
    if message is None:
        return
    await reply(message, [help_text(context.bot.username)])


async def on_sources(update: Update, context: KildeContext) -> None:
    """/sources: the articles, with date, language and paragraph count."""
    message = _usable(update)
    if message is None:
        return
    state = context.bot_data.runtime
    # The first use reads every article file: in a worker, not on the event loop.
    texts = await state.in_worker(lambda: formatting.render_sources(state.engine.corpus.articles))
    await reply(message, texts)


async def on_stats(update: Update, context: KildeContext) -> None:
    """/stats (admins only): questions, abstentions, median answer time since start."""
    message = _usable(update)
    if message is None:
        return
    state = context.bot_data.runtime
    if not state.access.is_admin(message.from_user.id if message.from_user else None):
        await _say(message, ADMINS_ONLY)
        return
    lines = [state.stats.summary(), *summary_lines(await state.in_log(state.log.summary))]
    # Questions are users' text: escaped, and split between lines if they outgrow a message.
    await reply(message, formatting.pack([formatting.escape(line) for line in lines],
                                         separator="\n"))


async def on_reload(update: Update, context: KildeContext) -> None:
    """/reload (admins only): pick up added, changed or removed articles now."""
    message = _usable(update)
    if message is None:
        return
    user_id = message.from_user.id if message.from_user else None
    if not context.bot_data.runtime.access.is_admin(user_id):
        await _say(message, ADMINS_ONLY)
        return
    await _typing(message)
    outcome = await context.bot_data.reloader.reload(f"/reload by user {user_id}")
    await _say(message, outcome.summary())


async def on_ask(update: Update, context: KildeContext) -> None:
    """/ask QUESTION (and /ask@BOT QUESTION) in any chat."""
    message = _usable(update)
    if message is None or message.from_user is None:
        return
    question = clip(without_mentions(command_argument(message), context.bot.username))
    if not question:
        await reply(message, [
            (f"Ask me something after /ask, e.g. <code>/ask "
             f"{html.escape(EXAMPLE_QUESTION)}</code>")])
        return
    await answer_question(message, question, message.from_user.id, context,
                          earlier=await _earlier(message, context))


async def on_text(update: Update, context: KildeContext) -> None:
    """Plain text: a question in private chats; in groups only when addressed to the bot."""
    message = _usable(update)
    if message is None or message.from_user is None:
        return
    question = question_in(message, username=context.bot.username, bot_id=context.bot.id)
    if question is None:
        return
    question = clip(question)
    if not question:
        await reply(message, [(f"Yes? Ask me a question, e.g. <i>"
                               f"{html.escape(EXAMPLE_QUESTION)}</i>")])
        return
    await answer_question(message, question, message.from_user.id, context,
                          earlier=await _earlier(message, context))


async def on_unknown_command(update: Update, context: KildeContext) -> None:
    """Unknown commands get a hint in private chats and silence in groups."""
    message = _usable(update)
    if message is None or message.chat.type != ChatType.PRIVATE:
        return
    await _say(message, UNKNOWN_COMMAND)


async def on_button(update: Update, context: KildeContext) -> None:
    """The More and Context buttons under an answer (the access check has passed)."""
    query = update.callback_query
    if query is None:
        return
    state = context.bot_data.runtime
    message = query.message if isinstance(query.message, Message) else None
    request = callbacks.parse(query.data or "")
    if message is None or request is None:
        await query.answer(STALE_BUTTON)
        return
    verdict = state.button_flood.check(query.from_user.id)
    if verdict is not Verdict.ALLOW:
        await query.answer(SLOW_DOWN if verdict is Verdict.WARN else None)
        return
    if isinstance(request, callbacks.ContextRequest):
        # A dictionary lookup once the index is built, so the press is answered at once; only
        # the first press (reading every article file) waits for a worker, never for answers.
        index = state.ready_corpus_index()
        if index is None:
            index = await state.in_worker(lambda: state.corpus_index)
        view = callbacks.resolve_context(request, index)
        if isinstance(view, str):
            await query.answer(view)
            return
        await query.answer()
        # Sent outside the press's slot: the message may wait on the rate limits, and the
        # presses behind this one must be answered before Telegram gives up on them.
        context.application.create_task(
            reply(message, [formatting.render_context(view.article, view.center,
                                                      view.neighbours)]), update=update)
        return
    earlier: str | None = None
    if request.follow_up:
        thread = callbacks.resolve_follow_up_more(request, state.memory)
        question, earlier = thread if thread is not None else (None, None)
    else:
        question = callbacks.resolve_more(
            request, state.memory,
            original_question(message.reply_to_message, username=context.bot.username),
        )
    if question is None:
        await query.answer(callbacks.FORGOTTEN_QUESTION)
        return
    await query.answer()
    context.application.create_task(  # outside the press's slot, as for Context
        answer_question(message, question, query.from_user.id, context, offset=request.offset,
                        earlier=earlier),
        update=update)


def _expired(error: object) -> bool:
    """Whether Telegram refused the answer to a press or inline query as too late."""
    return isinstance(error, BadRequest) and "query is too old" in str(error).lower()


async def on_error(update: object, context: KildeContext) -> None:
    """Log the failure and tell the user something went wrong; the bot keeps serving.

    Not after a network failure: the reply may have been delivered before the connection
    failed, and an apology under an answer would be the bot saying a second thing."""
    if _expired(context.error):  # answering again would only expire again
        logger.warning("a button press or inline query expired before its answer: %s",
                       context.error)
        return
    logger.error("error while handling an update: %s", context.error, exc_info=context.error)
    lost = isinstance(context.error, NetworkError) and not isinstance(context.error, BadRequest)
    if not isinstance(update, Update) or lost:
        return
    message = update.effective_message
    if update.callback_query is not None:
        try:
            await update.callback_query.answer(SOMETHING_WENT_WRONG)
            return
        except TelegramError:
            pass
    if not isinstance(message, Message) or update.message is None:
        return
    try:
        await _say(message, SOMETHING_WENT_WRONG)
    except TelegramError as error:
        logger.warning("could not tell the user about the error: %s", error)
