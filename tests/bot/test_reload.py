"""Live reload, end to end: the real bot over a corpus folder that changes while it serves.

Articles are added the way `kilde add` adds them (fetched from the loopback news server and
written with their source sidecar); the bot picks them up through its corpus watcher or an
admin's /reload, and its answers then cite them, linked to their source.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from kilde.bot.telegram_app.access import ADMINS_ONLY
from kilde.bot.telegram_app.callbacks import CHANGED_PARAGRAPH, GONE_ARTICLE
from kilde.bot.telegram_app.formatting import ABSTENTION
from kilde.bot.telegram_app.reload import Reloader
from kilde.bot.telegram_app.runtime import BotRuntime
from kilde.corpus.atomic import write_atomically
from kilde.corpus.ingest.add import AddedArticle, add_url, open_corpus
from kilde.corpus.ingest.fetch import FetchLimits
from kilde.retrieval.engine import Engine
from tests.bot.conftest import ADMIN, USER, BotFactory, copy_corpus
from tests.bot.helpers import QUESTION, first_reply
from tests.fake_telegram import FakeTelegram, parse_html

FETCH = FetchLimits(timeout=2.0, total_timeout=4.0, max_bytes=1024 * 1024)
PANDA = "/lokalt/odense-zoo-roede-pandaer"
PANDA_TITLE = "Odense Zoo får to røde pandaer fra Tjekkiet (2023-04)"
PANDA_QUESTION = "How much did the red panda enclosure in Odense Zoo cost?"
SJOFLY = "/nyheter/elektrisk-sjofly-bergen-stavanger"
SJOFLY_TITLE = "Elektrisk sjøfly skal fly mellom Bergen og Stavanger (2024-09)"
SJOFLY_QUESTION = "What will a ticket on the electric seaplane from Bergen to Stavanger cost?"
LOGGER = "kilde.bot.telegram_app.reload"

Live = Callable[..., AbstractAsyncContextManager[Application]]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return copy_corpus(tmp_path / "articles")


@pytest.fixture
def live(bot: BotFactory, corpus: Path, tmp_path: Path) -> Live:
    """`async with live(reload_interval=...) as app:` the bot serving the `corpus` folder."""
    index = tmp_path / "index"

    def running(**overrides: Any) -> AbstractAsyncContextManager[Application]:
        engine = Engine.open(corpus, index_dir=index)
        return bot(engine_=engine, corpus_dir=corpus, index_dir=index, **overrides)

    return running


def state(app: Application) -> BotRuntime:
    runtime: BotRuntime = app.bot_data.runtime
    return runtime


def reloader(app: Application) -> Reloader:
    value: Reloader = app.bot_data.reloader
    return value


async def say(fake: FakeTelegram, user_id: int, text: str) -> dict[str, Any]:
    """`user_id` writes `text` in their private chat; the bot's next message there."""
    count = len(fake.bot_messages(user_id))
    fake.send_text(fake.private_chat(user_id), text)
    return (await first_reply(fake, user_id, count + 1))[-1]


async def add_page(news_server: Any, path: str, corpus: Path) -> AddedArticle:
    """What `kilde add URL` does, in a worker thread so that the bot keeps running."""
    return await asyncio.to_thread(add_url, news_server.url(path), open_corpus(corpus), FETCH)


def linked_citation(url: str, title: str) -> str:
    return f'<a href="{html.escape(url, quote=True)}">{html.escape(title, quote=False)}, ¶'


def reload_warnings(caplog: pytest.LogCaptureFixture, text: str) -> int:
    return sum(1 for r in caplog.records
               if r.name == LOGGER and r.levelno == logging.WARNING and text in r.getMessage())


async def test_the_watcher_picks_up_an_added_page_and_answers_link_to_it(
        fake: FakeTelegram, live: Live, corpus: Path, news_server: Any) -> None:
    async with live(reload_interval=0.2) as app:
        before = await say(fake, USER, PANDA_QUESTION)
        added = await add_page(news_server, PANDA, corpus)
        await fake.wait_for(lambda: added.id in state(app).engine.article_digests)
        after = await say(fake, USER, PANDA_QUESTION)
        query = fake.inline_query(fake.user(USER), PANDA_QUESTION)
        inline = await fake.wait_for(lambda: fake.inline_answer(query))
    assert before["text"] == ABSTENTION
    link = linked_citation(news_server.url(PANDA), PANDA_TITLE)
    assert f"[1] {link}" in after["html"]
    assert PANDA_TITLE in parse_html(after["html"])
    first_result = inline["results"][0]["input_message_content"]["message_text"]
    assert f"— {link}" in first_result


async def test_admins_reload_on_demand_and_everyone_else_is_refused(
        fake: FakeTelegram, live: Live, corpus: Path, news_server: Any) -> None:
    async with live(reload_interval=0) as app:
        original = state(app).engine
        await add_page(news_server, SJOFLY, corpus)
        refused = await say(fake, USER, "/reload")
        unchanged = await say(fake, USER, SJOFLY_QUESTION)
        # Two /reloads at once share one build: both report the same change.
        fake.send_text(fake.private_chat(ADMIN), "/reload")
        fake.send_text(fake.private_chat(ADMIN), "/reload")
        first, second = await first_reply(fake, ADMIN, 2)
        after = await say(fake, USER, SJOFLY_QUESTION)
        again = await say(fake, ADMIN, "/reload")
    assert refused["text"] == ADMINS_ONLY
    assert unchanged["text"] == ABSTENTION  # no watcher, no admin: still the old engine
    assert state(app).engine is not original
    assert re.fullmatch(r"Reloaded: 6 articles \(\+1\), \d+ passages, \d+\.\d s", first["text"])
    assert second["text"] == first["text"]
    assert f"[1] {linked_citation(news_server.url(SJOFLY), SJOFLY_TITLE)}" in after["html"]
    assert re.fullmatch(r"Nothing changed: 6 articles, \d+ passages \(\d+\.\d s\)\.", again["text"])


async def test_a_failed_reload_warns_once_and_the_old_engine_keeps_answering(
        fake: FakeTelegram, live: Live, corpus: Path, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    aside = tmp_path / "aside"
    aside.mkdir()
    async with live(reload_interval=0.05) as app:
        original = state(app).engine
        with caplog.at_level(logging.WARNING, logger=LOGGER):
            for path in corpus.iterdir():  # the folder emptied: nothing left to serve
                path.rename(aside / path.name)
            await fake.wait_for(lambda: reload_warnings(caplog, "failed"))
            await asyncio.sleep(0.3)  # several more checks of the same empty folder
            assert reload_warnings(caplog, "failed") == 1
            answer = await say(fake, USER, QUESTION)
            refused = await say(fake, ADMIN, "/reload")
            corpus.rmdir()  # the folder itself gone
            await fake.wait_for(lambda: reload_warnings(caplog, "cannot check"))
            await asyncio.sleep(0.3)
            assert reload_warnings(caplog, "cannot check") == 1
            still = await say(fake, USER, QUESTION)
        corpus.mkdir()
        for path in aside.iterdir():
            path.rename(corpus / path.name)
        await fake.wait_for(lambda: state(app).engine is not original)  # recovered by itself
        recovered = await say(fake, USER, QUESTION)
    assert answer["html"].count("<blockquote>") == 3
    assert refused["text"].startswith("Reload failed, still serving the previous 5 articles: ")
    assert "\n" not in refused["text"]
    assert still["text"] == answer["text"]
    assert recovered["text"] == answer["text"]


async def test_questions_are_answered_while_a_reload_is_being_built(
        fake: FakeTelegram, live: Live, corpus: Path) -> None:
    seeds = sorted(corpus.glob("*.txt"))
    async with live(reload_interval=0) as app:
        # Enough new articles that building their index takes a while (about a second here).
        for number in range(400):
            text = seeds[number % len(seeds)].read_text(encoding="utf-8")
            (corpus / f"{100 + number:04d}_bulk.txt").write_text(
                f"{text.rstrip()}\n\nTillæg nummer {number}.\n", encoding="utf-8")
        fake.send_text(fake.private_chat(ADMIN), "/reload")
        await fake.wait_for(lambda: reloader(app).busy)
        answer = await say(fake, USER, QUESTION)
        building = reloader(app).busy
        [report] = await first_reply(fake, ADMIN)
    assert building, "the reload finished before the question was answered; make it bigger"
    assert answer["html"].count("<blockquote>") == 3
    assert answer["received"] < report["received"]
    assert report["text"].startswith("Reloaded: 405 articles (+400), ")


async def test_old_context_buttons_follow_the_article_or_say_what_changed(
        fake: FakeTelegram, live: Live, corpus: Path, news_server: Any) -> None:
    async with live(reload_interval=0.05) as app:
        added = await add_page(news_server, PANDA, corpus)
        await fake.wait_for(lambda: added.id in state(app).engine.article_digests)
        answer = await say(fake, USER, PANDA_QUESTION)
        buttons = [b["callback_data"] for row in answer["reply_markup"]["inline_keyboard"]
                   for b in row if b["text"].startswith("Context")]
        _, _, cited, _ = buttons[0].split("|")
        article = state(app).engine.corpus.article(added.id)
        paragraph = article.paragraph(int(cited)) if article else None
        assert paragraph is not None
        cited_text = paragraph.text

        async def rewrite(change: Callable[[list[str]], list[str]]) -> None:
            before = state(app).engine.corpus.article(added.id)
            paragraphs = added.path.read_text(encoding="utf-8").split("\n\n")
            write_atomically(added.path, "\n\n".join(change(paragraphs)))
            await fake.wait_for(lambda: state(app).engine.corpus.article(added.id) != before)

        async def press(data: str) -> tuple[str | None, dict[str, Any] | None]:
            """The button's pop-up text, and the message it sent (if any)."""
            count = len(fake.bot_messages(USER))
            query = fake.press_button(answer, data)
            popup = await fake.wait_for(lambda: fake.callback_answer(query))
            await fake.settle(0.1)
            messages = fake.bot_messages(USER)
            return popup.get("text"), messages[-1] if len(messages) > count else None

        # An update inserts a paragraph at the top: the cited one moves down, and is found.
        await rewrite(lambda p: [p[0], "Opdateret: zoo har rettet datoen for åbningen.", *p[1:]])
        moved_popup, moved = await press(buttons[0])
        # The cited paragraph itself is rewritten: the button says so.
        await rewrite(lambda p: [("Ændret afsnit." if part.strip() == cited_text else part)
                                 for part in p])
        changed_popup, changed = await press(buttons[0])
        # The article is deleted: the button says so.
        added.path.unlink()
        await fake.wait_for(lambda: state(app).engine.corpus.article(added.id) is None)
        gone_popup, gone = await press(buttons[1])
    assert moved_popup is None and moved is not None
    assert f"¶{int(cited) + 1} {cited_text[:40]}" in moved["text"]
    assert (changed_popup, changed) == (CHANGED_PARAGRAPH, None)
    assert (gone_popup, gone) == (GONE_ARTICLE, None)
