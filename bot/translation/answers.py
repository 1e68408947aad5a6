"""Translate the excerpts of an answer into the question's language, for either front end.

Excerpts already in the question's language are left alone (their translation is None); the
others are sent grouped by their language. A failure leaves every translation None and gives
the one-line reason instead: the answer itself is never lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kilde.bot.translation.client import Translator
from kilde.bot.translation.protocol import TranslationError

Excerpt = tuple[str, str]  # (text, its language)


@dataclass(frozen=True)
class Translations:
    """One translation (or None) per excerpt, in order, and why they failed, if they did."""

    texts: tuple[str | None, ...]
    unavailable: str | None = None


def _groups(excerpts: Sequence[Excerpt], target: str) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for i, (_, language) in enumerate(excerpts):
        if language != target:
            groups.setdefault(language, []).append(i)
    return groups


def needs_translation(excerpts: Sequence[Excerpt], target: str) -> bool:
    return bool(_groups(excerpts, target))


def translate_excerpts(translator: Translator, excerpts: Sequence[Excerpt],
                       target: str) -> Translations:
    """Blocking (the CLI)."""
    out: list[str | None] = [None] * len(excerpts)
    try:
        for source, indices in _groups(excerpts, target).items():
            texts = translator.translate([excerpts[i][0] for i in indices], source=source,
                                         target=target)
            for i, text in zip(indices, texts, strict=True):
                out[i] = text
    except TranslationError as error:
        return Translations((None,) * len(excerpts), str(error))
    return Translations(tuple(out))


async def atranslate_excerpts(translator: Translator, excerpts: Sequence[Excerpt],
                              target: str) -> Translations:
    """Without blocking the event loop (the bot)."""
    out: list[str | None] = [None] * len(excerpts)
    try:
        for source, indices in _groups(excerpts, target).items():
            texts = await translator.atranslate([excerpts[i][0] for i in indices],
                                                source=source, target=target)
            for i, text in zip(indices, texts, strict=True):
                out[i] = text
    except TranslationError as error:
        return Translations((None,) * len(excerpts), str(error))
    return Translations(tuple(out))
