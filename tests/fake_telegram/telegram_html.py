"""Telegram's HTML parse mode, as strictly as the real Bot API applies it.

`parse_html(text)` returns the visible text (what Telegram counts against its 4096 limit) or
raises `EntityParseError` with a message in Telegram's words ("can't parse entities: ...").
"""

from __future__ import annotations

import re

ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
    "a", "code", "pre", "blockquote", "tg-emoji",
}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:=(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*>")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML."""


def utf16_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(text: str) -> str:
    """The visible text of `text` in HTML parse mode; raises `EntityParseError` when invalid."""
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "<":
            match = _TAG.match(text, i)
            if match is None:
                raise EntityParseError(
                    f"can't parse entities: Unsupported start tag at byte offset {_offset(text, i)}"
                )
            closing, name = match.group(1) == "/", match.group(2).lower()
            if name not in ALLOWED_TAGS:
                raise EntityParseError(
                    f'can\'t parse entities: Unsupported start tag "{name}" '
                    f"at byte offset {_offset(text, i)}"
                )
            if closing:
                if not stack or stack[-1] != name:
                    raise EntityParseError(
                        f'can\'t parse entities: Unmatched end tag at byte offset '
                        f'{_offset(text, i)}, expected "</{stack[-1] if stack else ""}>", '
                        f'found "</{name}>"'
                    )
                stack.pop()
            else:
                if name == "a" and "href" not in match.group(3):
                    pass  # Telegram accepts <a> without href (it just isn't a link)
                stack.append(name)
            i = match.end()
        elif char == "&":
            match = _ENTITY.match(text, i)
            if match is None:
                raise EntityParseError(
                    "can't parse entities: Character entity expected at byte offset "
                    f"{_offset(text, i)}"
                )
            out.append(_decode_entity(match.group(1)))
            i = match.end()
        else:
            out.append(char)
            i += 1
    if stack:
        raise EntityParseError(
            f'can\'t parse entities: Can\'t find end tag corresponding to start tag "{stack[-1]}"'
        )
    return "".join(out)


def _decode_entity(name: str) -> str:
    if name in _NAMED:
        return _NAMED[name]
    code = int(name[2:], 16) if name.startswith("#x") else int(name[1:])  # noqa: FURB166 ("#x")
    return chr(code) if 0 < code <= 0x10FFFF else "\ufffd"


def _offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))
