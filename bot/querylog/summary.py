"""The figures /stats and `kilde log` show: questions today and in total, abstentions, votes,
and the latest questions that got no answer or a 👎 (the gaps in the collection)."""

from __future__ import annotations

import time

from kilde.bot.querylog.records import LoggedQuestion, LogSummary
from kilde.bot.wording import plural, shorten_line

QUESTION_CHARS = 200


def gap_line(question: LoggedQuestion) -> str:
    """"2026-12-02 01:10 · no answer · Which pizza toppings …?" """
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(question.asked_at))
    if not question.answered:
        why = "no answer"
    elif question.down_votes or question.up_votes:
        why = f"answered, 👍 {question.up_votes} · 👎 {question.down_votes}"
    else:
        why = "answered"
    text = shorten_line(question.question, QUESTION_CHARS)
    if question.question_run != question.question:
        text += f"  [run as: {shorten_line(question.question_run, QUESTION_CHARS)}]"
    return f"{when} · {why} · {text}"


def summary_lines(summary: LogSummary) -> list[str]:
    """The summary as plain text lines (the caller escapes them for Telegram)."""
    rate = summary.abstention_rate
    rate_text = f"{rate:.0%}" if rate is not None else "n/a"
    figures = (
        f"Query log: {plural(summary.today, 'question')} today, {summary.total} in total; "
        f"{plural(summary.abstained, 'abstention')} (abstention rate {rate_text}); "
        f"👍 {summary.up_votes} · 👎 {summary.down_votes}."
    )
    lines = [figures]
    if summary.gaps:
        lines.append("Latest questions with no answer or a 👎:")
        lines.extend(f"• {gap_line(question)}" for question in summary.gaps)
    else:
        lines.append("No unanswered or 👎 questions.")
    return lines
