"""Machine translation through the real front ends: `kilde ask --translate` (a process) and the
bot's Translate button (the fake Bot API), against a fake LibreTranslate server on loopback."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from kilde.retrieval.engine import Engine
from tests.bot.conftest import USER, BotFactory
from tests.bot.helpers import QUESTION, first_reply
from tests.bot.test_cli import kilde
from tests.fake_telegram import FakeTelegram
from tests.fake_translation import FakeTranslation, fake_translation

KEY = "lt-SECRET-key-9876543210"


@pytest.fixture
def libre() -> Iterator[FakeTranslation]:
    with fake_translation() as server:
        server.key = KEY
        yield server


@pytest.fixture(autouse=True)
def _index_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KILDE_INDEX_DIR", str(tmp_path / "index"))


def _env(url: str, **extra: str) -> dict[str, str]:
    return {"KILDE_TRANSLATE_API": "libretranslate", "KILDE_TRANSLATE_URL": url,
            "KILDE_TRANSLATE_KEY": KEY, "KILDE_TRANSLATE_TIMEOUT": "0.5", **extra}


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def _expected(hit: dict) -> str:
    source = {"da": "da", "no": "nb"}[hit["language"]]
    return f"[{source}→en] {hit['excerpt']}"


def test_cli_json_carries_each_excerpts_translation(libre: FakeTranslation) -> None:
    result = kilde("ask", "--json", "--translate", QUESTION, env=_env(libre.url))
    assert result.returncode == 0 and result.stderr == ""
    answer = json.loads(result.stdout)
    assert answer["hits"] and all(hit["translation"] == _expected(hit) for hit in answer["hits"])
    plain = json.loads(kilde("ask", "--json", QUESTION).stdout)
    assert all("translation" not in hit for hit in plain["hits"])  # only when asked for


def test_cli_text_puts_the_quote_first_and_labels_the_translation(
        libre: FakeTranslation) -> None:
    result = kilde("ask", "--translate", QUESTION, env=_env(libre.url))
    answer = json.loads(kilde("ask", "--json", QUESTION).stdout)
    blocks = result.stdout.strip().split("\n\n")
    for block, hit in zip(blocks, answer["hits"], strict=True):
        lines = block.splitlines()
        assert lines[0].startswith(f"{hit['rank']}. «")  # the verbatim quote comes first
        assert lines[-1].strip() == f"Machine translation: {_expected(hit)}"


def test_a_question_in_the_articles_language_sends_nothing_to_translate(
        libre: FakeTranslation) -> None:
    question = "Hvad siger Peskov om forhandlingerne?"
    answer = json.loads(kilde("ask", "--json", "--translate", question, env=_env(libre.url)).stdout)
    danish = [hit for hit in answer["hits"] if hit["language"] == "da"]
    assert danish and all(hit["translation"] is None for hit in danish)
    sent = [text for body in libre.calls("/translate") for text in body["q"]]
    assert not {hit["excerpt"] for hit in danish} & set(sent)


@pytest.mark.parametrize(("setup", "reason"), [
    ("down", "cannot reach LibreTranslate"),
    ("slow", "did not answer within 0.5 s"),
    ("error", "HTTP 500"),
    ("unconfigured", "KILDE_TRANSLATE_API"),
])
def test_cli_translation_failure_is_one_line_and_the_answer_stays(
        setup: str, reason: str, libre: FakeTranslation) -> None:
    libre.mode = setup if setup in ("slow", "error") else "ok"
    env = {"down": _env(_closed_port_url()), "unconfigured": {}}.get(setup, _env(libre.url))
    result = kilde("ask", "--json", "--translate", QUESTION, env=env)
    assert result.returncode == 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("translation unavailable: ")
    assert reason in result.stderr and KEY not in result.stderr + result.stdout
    answer = json.loads(result.stdout)
    assert answer["answered"] and len(answer["hits"]) == 3
    assert all(hit["translation"] is None for hit in answer["hits"])
    assert reason in answer["translation_unavailable"]


def _translate_button(answer: dict) -> str:
    return next(b["callback_data"] for row in answer["reply_markup"]["inline_keyboard"]
                for b in row if "Translate" in b["text"])


async def test_bot_translate_button_sends_labelled_translations(
        fake: FakeTelegram, bot: BotFactory, libre: FakeTranslation, engine: Engine) -> None:
    expected = engine.ask(QUESTION)
    async with bot(translate_api="libretranslate", translate_url=libre.url, translate_key=KEY):
        fake.send_text(fake.private_chat(USER), QUESTION)
        [answer] = await first_reply(fake, USER)
        fake.press_button(answer, _translate_button(answer))
        _, translated = await first_reply(fake, USER, 2)
        # Pressed again: the cache answers, the service is not asked twice.
        fake.press_button(answer, _translate_button(answer))
        *_, again = await first_reply(fake, USER, 3)
    assert translated["reply_to_message"]["message_id"] == answer["message_id"]
    assert "Machine translation" in translated["text"] and "not a quote" in translated["text"]
    assert "<blockquote>" not in translated["html"]
    for hit in expected.hits:
        source = {"da": "da", "no": "nb"}[hit.language]
        assert f"[{hit.rank}] [{source}→en] {hit.excerpt}" in translated["text"]
    assert again["text"] == translated["text"]
    assert len(libre.calls("/translate")) <= 2  # one per source language, once


async def test_bot_with_the_service_down_says_so_in_one_line(
        fake: FakeTelegram, bot: BotFactory, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with bot(translate_api="libretranslate", translate_url=_closed_port_url(),
                   translate_key=KEY, translate_timeout=0.5):
        fake.send_text(fake.private_chat(USER), QUESTION)
        [answer] = await first_reply(fake, USER)
        fake.press_button(answer, _translate_button(answer))
        _, failed = await first_reply(fake, USER, 2)
        fake.send_text(fake.private_chat(USER), "/help")  # and nothing else broke
        *_, help_message = await first_reply(fake, USER, 3)
    assert failed["text"].startswith("translation unavailable: cannot reach LibreTranslate")
    assert "\n" not in failed["text"] and KEY not in failed["text"]
    assert "<blockquote>" in answer["html"]
    assert "/ask" in help_message["text"]
    assert KEY not in caplog.text


async def test_no_translate_button_when_translation_is_off(
        fake: FakeTelegram, bot: BotFactory) -> None:
    async with bot():
        fake.send_text(fake.private_chat(USER), QUESTION)
        [answer] = await first_reply(fake, USER)
    texts = [b["text"] for row in answer["reply_markup"]["inline_keyboard"] for b in row]
    assert not any("Translate" in text for text in texts)
