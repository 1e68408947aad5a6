"""Small wording helpers shared by the front ends."""

from __future__ import annotations


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """"1 abstention", "2 abstentions"."""
    return f"{count} {noun if count == 1 else plural_form or noun + 's'}"


def shorten_line(text: str, limit: int) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
