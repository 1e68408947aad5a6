"""The bot's pure parts: formatting, callback data, flood gate, token redaction."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable

import pytest

from kilde.bot.telegram_app import callbacks, formatting
from kilde.bot.telegram_app.access import FloodGate, Verdict
from kilde.bot.telegram_app.redaction import TokenRedactor
from kilde.bot.telegram_app.stats import KEPT_DURATIONS, Stats
from kilde.corpus.model import Article, Corpus, Paragraph, ParagraphKind
from kilde.retrieval.answer import Answer, Hit
from tests.fake_telegram import parse_html, utf16_length

HOSTILE = 'Nato <b>&amp; "Rusland" </blockquote> <a href="x"> & < > \u202e\u200b 🇺🇦'


def hit(rank: int = 1, paragraph: str = HOSTILE, url: str | None = None,
        title: str = "Titel <i>«x»</i> & co") -> Hit:
    # Bold what the engine would have matched for a question about Nato and Rusland.
    spans = tuple((m.start(), m.end()) for m in re.finditer(r"Nato|Rusland", paragraph))
    return Hit(rank=rank, score=1.0, article_id=f"a{rank}", source=f"a{rank}.txt", title=title,
               date="2022-01", language="da", paragraph_number=rank + 2, paragraph=paragraph,
               excerpt=paragraph, citation=f"{title} (2022-01), ¶{rank + 2}", source_url=url,
               highlights=spans)


def test_everything_is_escaped_and_parses_as_telegram_html() -> None:
    answer = Answer("Nato and <b>Rusland</b>?", "en",
                    (hit(1), hit(2, url='https://example.org/a?b=1&c="2"')))
    [message] = formatting.render_answer(answer)
    visible = parse_html(message)
    assert HOSTILE in visible and "Titel <i>«x»</i> & co (2022-01), ¶3" in visible
    assert "<b>Nato</b>" in message and "<b>Rusland</b>" in message
    assert '<a href="https://example.org/a?b=1&amp;c=&quot;2&quot;">' in message


def test_highlights_are_bolded_and_spans_past_a_cut_are_dropped() -> None:
    text = "Russland og Nato krever at Ukraina ikke blir medlem"
    assert formatting.highlight(text, [(0, 8), (12, 16)]) == (
        "<b>Russland</b> og <b>Nato</b> krever at Ukraina ikke blir medlem"
    )
    assert formatting.highlight("Nato <&>", [(0, 4), (6, 40)]) == "<b>Nato</b> &lt;&amp;&gt;"


def test_long_answers_split_between_blocks_under_4096() -> None:
    hits = tuple(hit(i, paragraph=f"Nato {i} " + "ord " * 400) for i in range(1, 12))
    messages = formatting.render_answer(Answer("Nato", "da", hits))
    assert len(messages) > 1
    for message in messages:
        assert utf16_length(parse_html(message)) <= 4096
        assert message.count("<blockquote>") == message.count("</blockquote>")
    assert sum(m.count("<blockquote>") for m in messages) == 11


def test_a_huge_excerpt_is_shortened_not_cut_mid_tag() -> None:
    huge = ("Nato 🇺🇦 & <x> " * 1000).strip()
    [message] = formatting.render_answer(Answer("Nato", "da", (hit(1, paragraph=huge),)))
    visible = parse_html(message)
    assert utf16_length(visible) <= 4096 and visible.count("…") == 1
    assert "(2022-01), ¶3" in visible  # the citation survives


def test_context_fits_even_for_huge_paragraphs() -> None:
    paragraphs = tuple(Paragraph(n, f"P{n} " + "<ord> & " * 900, ParagraphKind.BODY)
                       for n in range(1, 4))
    article = Article("a", "a.txt", "T & <T>", "2022-01", "da", paragraphs)
    message = formatting.render_context(article, paragraphs[1], paragraphs)
    visible = parse_html(message)
    assert utf16_length(visible) <= 4096
    assert "¶1" in visible and "¶2" in visible and "¶3" in visible


def test_abstention_and_empty_sources() -> None:
    assert formatting.render_answer(Answer("x", "en", ())) == [formatting.ABSTENTION]
    assert len(formatting.render_sources([])) == 1


def test_callback_data_fits_64_bytes_and_round_trips() -> None:
    question = "Hvad krævede Rusland af Nato i januar 2022, og hvad svarede Stoltenberg? 🇺🇦"
    more = callbacks.more_data(question, 3)
    short = callbacks.more_data("Nato?", 6)
    context = callbacks.context_data("x" * 300, 12345, "text")
    for data in (more, short, context):
        assert len(data.encode()) <= 64
    assert callbacks.parse(short) == callbacks.MoreRequest(6, "Nato?", None)
    parsed = callbacks.parse(more)
    assert isinstance(parsed, callbacks.MoreRequest) and parsed.question is None
    memory = callbacks.QuestionMemory()
    assert callbacks.resolve_more(parsed, memory, None) is None
    assert callbacks.resolve_more(parsed, memory, question) == question  # the asker's message
    assert callbacks.resolve_more(parsed, memory, "another question") is None
    memory.remember(question)
    assert callbacks.resolve_more(parsed, memory, None) == question
    assert callbacks.parse("garbage") is None and callbacks.parse("c|x|notanumber|y") is None


def test_a_follow_ups_more_stands_for_the_reply_and_the_earlier_question() -> None:
    reply, earlier = "And NATO?", "What did Russia demand from NATO?"
    data = callbacks.more_data(reply, 3, earlier)
    assert len(data.encode()) <= 64 and data.startswith("m|3|f|")
    parsed = callbacks.parse(data)
    assert isinstance(parsed, callbacks.MoreRequest) and parsed.follow_up
    memory = callbacks.QuestionMemory()
    assert callbacks.resolve_follow_up_more(parsed, memory) is None  # e.g. after a restart
    assert callbacks.resolve_more(parsed, memory, reply) is None  # never the plain question
    memory.remember_follow_up(reply, earlier)
    assert callbacks.resolve_follow_up_more(parsed, memory) == (reply, earlier)
    assert memory.recall(parsed.question_hash or "") is None


def test_context_finds_moved_paragraphs_and_skips_non_citable_neighbours() -> None:
    paragraphs = (Paragraph(1, "Foto: Scanpix", ParagraphKind.CAPTION),
                  Paragraph(2, "Body two", ParagraphKind.BODY),
                  Paragraph(3, "Body three", ParagraphKind.BODY))
    article = Article("art", "art.txt", None, None, "no", paragraphs)
    index = callbacks.CorpusIndex(Corpus(directory=None, articles=(article,)))  # type: ignore[arg-type]
    view = callbacks.resolve_context(callbacks.ContextRequest(
        callbacks.short_hash("art"), 2, callbacks.short_hash("Body two", 6)), index)
    assert isinstance(view, callbacks.ContextView)
    assert [p.number for p in view.neighbours] == [2, 3]  # the caption is left out
    moved = callbacks.resolve_context(callbacks.ContextRequest(
        callbacks.short_hash("art"), 1, callbacks.short_hash("Body three", 6)), index)
    assert isinstance(moved, callbacks.ContextView) and moved.center.number == 3
    assert callbacks.resolve_context(callbacks.ContextRequest(
        callbacks.short_hash("art"), 2, "ffffff"), index) == callbacks.CHANGED_PARAGRAPH
    assert callbacks.resolve_context(callbacks.ContextRequest(
        "00000000", 2, "ffffff"), index) == callbacks.GONE_ARTICLE


def test_flood_gate_is_per_user_and_slides() -> None:
    gate = FloodGate(limit=3, window=60)
    verdicts = [gate.check(1, now=t) for t in (0, 1, 2, 3, 4)]
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.WARN, Verdict.DROP]
    assert gate.check(2, now=4) is Verdict.ALLOW
    assert gate.check(1, now=60.5) is Verdict.ALLOW  # the first question left the window
    gate.forget_idle(now=500)
    assert gate.check(1, now=500) is Verdict.ALLOW


def test_token_redactor_cleans_messages_arguments_and_tracebacks(
        caplog: pytest.LogCaptureFixture) -> None:
    token = "123456789:AAFakeTokenForTestsOnly_abcdefghijklm"
    caplog.handler.addFilter(TokenRedactor(token))
    log = logging.getLogger("tests.redaction")
    try:
        log.warning("POST https://api.telegram.org/bot%s/getMe", token)
        try:
            raise RuntimeError(f"boom at /bot{token}/x")
        except RuntimeError:
            log.exception("failed")
    finally:
        caplog.handler.removeFilter(caplog.handler.filters[-1])
    assert token not in caplog.text and "<token>" in caplog.text
    assert "Traceback" in caplog.text


def _finishes(function: Callable[[], object], seconds: float = 10.0) -> object:
    """`function()`'s value, or a failure if it has not returned after `seconds` (it may loop
    forever: it runs in a daemon thread that the test then leaves behind)."""
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(function()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert result, f"did not return within {seconds} s"
    return result[0]


def test_a_title_longer_than_a_message_still_renders_within_the_limit() -> None:
    # Defect 1: "Nato" plus 4,200 CJK characters made the room for the excerpt negative, and
    # shortening to a negative length never returned (the bot froze for everyone).
    title = "Nato " + "北约" * 2100
    long_hit = hit(1, paragraph="Nato og Rusland mødes.", title=title)
    messages = _finishes(lambda: formatting.render_answer(Answer("Nato?", "en", (long_hit,))))
    assert isinstance(messages, list) and messages
    for message in messages:
        assert utf16_length(parse_html(message)) <= formatting.MAX_MESSAGE_LENGTH
        assert "Nato og Rusland mødes." in parse_html(message)  # the excerpt survives
        assert "(2022-01), ¶3" in parse_html(message)  # and so do the date and paragraph
    article = Article("a1", "a1.txt", title, "2022-01", "da",
                      (Paragraph(1, "Nato og Rusland mødes.", ParagraphKind.BODY),))
    context = _finishes(lambda: formatting.render_context(article, article.paragraphs[0], ()))
    assert isinstance(context, str)
    assert utf16_length(parse_html(context)) <= formatting.MAX_MESSAGE_LENGTH
    assert formatting.shorten("abc", 0) == formatting.ELLIPSIS
    assert formatting.shorten("abc", -5) == formatting.ELLIPSIS


def test_flood_gate_table_stays_bounded_however_many_users_pass() -> None:
    gate = FloodGate(limit=3, window=60)
    # 200,000 users, one question each, 100 a second: only the last minute's stay.
    for user in range(200_000):
        gate.check(user, now=user / 100)
    assert len(gate) <= 6_001
    capped = FloodGate(limit=3, window=60, max_keys=1_000)
    for user in range(50_000):
        capped.check(user, now=0.0)  # all inside the window at once: the cap holds
    assert len(capped) == 1_000
    assert capped.check(49_999, now=0.0) is Verdict.ALLOW  # the latest users are kept


def test_stats_keep_a_bounded_window_of_answer_times() -> None:
    stats = Stats()
    for number in range(KEPT_DURATIONS * 3):
        stats.record(answered=True, seconds=float(number))
    assert len(stats.durations) == KEPT_DURATIONS
    assert stats.questions == KEPT_DURATIONS * 3  # the counts are all kept
    assert stats.median_seconds is not None and stats.median_seconds > KEPT_DURATIONS * 2


def test_sources_of_a_large_library_fit_in_a_few_messages() -> None:
    # Defect 11: /sources sent 88 messages for 4,446 articles.
    articles = [Article(f"a{n}", f"a{n}.txt", f"Artikel nummer {n} om Nato", "2022-01", "da",
                        (Paragraph(1, "Tekst.", ParagraphKind.BODY),)) for n in range(4446)]
    messages = formatting.render_sources(articles)
    assert len(messages) == formatting.MAX_SOURCE_MESSAGES
    listed = sum(message.count("• ") for message in messages)
    assert messages[-1].endswith(f"<i>… and {4446 - listed} more</i>")
    for message in messages:
        assert utf16_length(parse_html(message)) <= formatting.MAX_MESSAGE_LENGTH
    few = formatting.render_sources(articles[:5])
    assert len(few) == 1 and few[0].count("• ") == 5 and "more" not in few[0]
