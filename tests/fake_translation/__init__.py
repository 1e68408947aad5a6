"""Fakes of LibreTranslate's, DeepL's and the OpenAI chat-completions APIs on loopback."""

from tests.fake_translation.server import FakeTranslation, fake_translation

__all__ = ["FakeTranslation", "fake_translation"]
