"""The translation client against fakes of each API on loopback: the real httpx client, sync and
async, with errors, slow replies, malformed bodies, and keys kept secret."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from kilde.bot.translation import TranslationError, Translator, translator_from_settings
from kilde.config import load_settings
from tests.fake_translation import FakeTranslation, fake_translation

KEY = "sk-test-SECRET-KEY-0123456789"
EXCERPTS = ["Derfor har Rusland krævet en bindende sikkerhedsgaranti.", "Nato vil ikke."]


@pytest.fixture
def fake() -> Iterator[FakeTranslation]:
    with fake_translation() as server:
        server.key = KEY
        yield server


def _settings(api: str, url: str, **extra: Any) -> Any:
    values: dict[str, Any] = {"translate_api": api, "translate_url": url, "translate_key": KEY,
                              "translate_timeout": 0.5}
    if api == "openai":
        values["translate_model"] = "llama3"
        values["translate_url"] = url + "/v1"
    values.update(extra)
    return load_settings(**values)


APIS = ["libretranslate", "deepl", "openai"]
PATHS = {"libretranslate": "/translate", "deepl": "/v2/translate",
         "openai": "/v1/chat/completions"}


def _translator(api: str, fake: FakeTranslation, **extra: Any) -> Translator:
    return translator_from_settings(_settings(api, fake.url, **extra))


@pytest.mark.parametrize("api", APIS)
def test_each_api_translates_and_is_sent_the_key_as_it_expects(
        api: str, fake: FakeTranslation) -> None:
    translations = _translator(api, fake).translate(EXCERPTS, source="da", target="en")
    assert [t.lower() for t in translations] == [f"[da→en{'-gb' if api == 'deepl' else ''}] {e}".lower()
                                                 for e in EXCERPTS]
    calls = fake.calls(PATHS[api])
    assert len(calls) == (2 if api == "openai" else 1)  # chat completions: one excerpt a call
    if api == "deepl":
        assert calls[0]["source_lang"] == "DA" and calls[0]["target_lang"] == "EN-GB"
    if api == "libretranslate":
        assert calls[0]["source"] == "da" and calls[0]["target"] == "en"
    if api == "openai":
        assert calls[0]["model"] == "llama3"


@pytest.mark.parametrize("api", APIS)
async def test_async_translation_and_norwegian_codes(api: str, fake: FakeTranslation) -> None:
    [translated] = await _translator(api, fake).atranslate(["Kravene omfatter"], source="no",
                                                           target="en")
    assert translated.endswith("Kravene omfatter") and translated.startswith("[")
    body = fake.calls(PATHS[api])[0]
    if api == "libretranslate":
        assert body["source"] == "nb"  # LibreTranslate's Bokmål
    if api == "deepl":
        assert body["source_lang"] == "NB"


@pytest.mark.parametrize("api", APIS)
def test_translations_are_cached_per_text_and_language(api: str, fake: FakeTranslation) -> None:
    translator = _translator(api, fake)
    translator.translate(EXCERPTS, source="da", target="en")
    before = len(fake.requests)
    again = translator.translate(list(reversed(EXCERPTS)), source="da", target="en")
    assert len(fake.requests) == before
    assert again[0].endswith(EXCERPTS[1])
    translator.translate(EXCERPTS[:1], source="da", target="no")  # another target: asked anew
    assert len(fake.requests) == before + 1


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize(("mode", "reason"), [
    ("error", "answered HTTP 500: Internal translation engine error"),
    ("unauthorized", "answered HTTP 40"),
    ("slow", "did not answer within 0.5 s"),
    ("malformed", "malformed reply (not JSON)"),
    ("wrong-shape", "malformed reply"),
])
async def test_failures_are_one_short_reason_without_the_key(
        api: str, mode: str, reason: str, fake: FakeTranslation,
        caplog: pytest.LogCaptureFixture) -> None:
    fake.mode = mode
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(TranslationError) as sync_error:
            _translator(api, fake).translate(EXCERPTS, source="da", target="en")
        with pytest.raises(TranslationError) as async_error:
            await _translator(api, fake).atranslate(EXCERPTS, source="da", target="en")
    for error in (sync_error.value, async_error.value):
        assert reason in str(error)
        assert KEY not in str(error) and "\n" not in str(error) and len(str(error)) < 200
    assert KEY not in caplog.text


@pytest.mark.parametrize("api", APIS)
def test_a_service_that_is_down(api: str) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with pytest.raises(TranslationError, match="cannot reach"):
        translator_from_settings(_settings(api, url)).translate(EXCERPTS, source="da", target="en")


@pytest.mark.parametrize(("values", "culprit"), [
    ({}, "KILDE_TRANSLATE_API"),
    ({"translate_api": "libretranslate"}, "KILDE_TRANSLATE_URL"),
    ({"translate_api": "deepl"}, "KILDE_TRANSLATE_KEY"),
    ({"translate_api": "openai", "translate_url": "http://x/v1"}, "KILDE_TRANSLATE_MODEL"),
    ({"translate_api": "libretranslate", "translate_url": "ftp://x"}, "KILDE_TRANSLATE_URL"),
])
def test_misconfiguration_names_the_setting(values: dict[str, Any], culprit: str) -> None:
    with pytest.raises(TranslationError, match=culprit):
        translator_from_settings(load_settings(**values))


def test_a_bad_api_name_is_a_settings_error_that_does_not_echo_the_key() -> None:
    from kilde.config import SettingsError

    with pytest.raises(SettingsError, match="KILDE_TRANSLATE_API"):
        load_settings(translate_api="babelfish")
    settings = load_settings(translate_api="deepl", translate_key=KEY)
    assert KEY not in repr(settings) and KEY not in str(settings)
