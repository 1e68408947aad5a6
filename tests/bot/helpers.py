"""Small helpers shared by the bot's end-to-end tests."""

from __future__ import annotations

from tests.fake_telegram import Call, FakeTelegram

QUESTION = "What did Russia demand from NATO?"
NONSENSE = "Who won the 2022 World Cup?"  # names nothing the articles mention


async def first_reply(fake: FakeTelegram, chat_id: int, count: int = 1,
                      seconds: float = 5.0) -> list[dict]:
    return list(await fake.wait_for(
        lambda: (m := fake.bot_messages(chat_id)) and len(m) >= count and m, seconds))


def methods(fake: FakeTelegram) -> list[str]:
    return [c.method for c in fake.calls if c.method != "getUpdates"]


def refused_calls(fake: FakeTelegram) -> list[Call]:
    """Calls Telegram refused, but for the admins' menu before an admin has written to the bot
    (Telegram's "chat not found", which the bot expects: tests/bot/test_admin_menu.py)."""
    return [c for c in fake.calls if c.status != 200 and not (
        c.method == "setMyCommands" and (c.params.get("scope") or {}).get("type") == "chat")]
