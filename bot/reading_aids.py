"""Reading aids shared by the front ends: the gloss line and the machine-translation label.

Both sit under a verbatim quote, never in its place: the gloss names the matched words'
meanings ("krævet ≈ demanded · Rusland ≈ Russia"), a translation is labelled as what it is.
"""

from __future__ import annotations

from collections.abc import Sequence

GLOSS_SEPARATOR = " · "
MAX_GLOSS_PAIRS = 8
TRANSLATION_LABEL = "Machine translation"
TRANSLATION_UNAVAILABLE = "translation unavailable"


def gloss_line(pairs: Sequence[tuple[str, str]]) -> str:
    """"krævet ≈ demanded · Rusland ≈ Russia" (at most MAX_GLOSS_PAIRS pairs); "" for none."""
    shown = [f"{word} ≈ {meaning}" for word, meaning in pairs[:MAX_GLOSS_PAIRS]]
    if len(pairs) > MAX_GLOSS_PAIRS:
        shown.append("…")
    return GLOSS_SEPARATOR.join(shown)


def unavailable_line(reason: str) -> str:
    """The one line a failed translation costs: "translation unavailable: <why>"."""
    return f"{TRANSLATION_UNAVAILABLE}: {reason}"
