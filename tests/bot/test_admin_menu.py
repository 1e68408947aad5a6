"""The admins' command menu: registered at start-up when Telegram can, else at the admin's first
contact, without a warning (through the fake Bot API, which refuses unknown chats as Telegram
does)."""

from __future__ import annotations

import logging

import pytest

from tests.bot.conftest import ADMIN, USER, BotFactory
from tests.bot.helpers import first_reply
from tests.fake_telegram import FakeTelegram


def _menu(fake: FakeTelegram, chat_id: int) -> set[str]:
    return {command["command"] for command in fake.commands_for_chat(chat_id)}


async def test_menu_waits_for_the_admins_first_message_without_a_warning(
        fake: FakeTelegram, bot: BotFactory, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        async with bot():
            await fake.settle(0.2)
            assert _menu(fake, ADMIN) == set()  # Telegram: "chat not found"
            refused = [c for c in fake.calls_to("setMyCommands", ok_only=False) if c.status == 400]
            assert refused
            fake.send_text(fake.private_chat(ADMIN), "/start")
            await first_reply(fake, ADMIN)
            await fake.wait_for(lambda: _menu(fake, ADMIN))
            fake.send_text(fake.private_chat(USER), "/start")  # not an admin: no menu
            await first_reply(fake, USER)
    assert _menu(fake, ADMIN) >= {"ask", "help", "stats", "reload"}
    assert _menu(fake, USER) == set()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("first write" in r.getMessage() for r in caplog.records)


async def test_an_admin_known_before_start_gets_the_menu_at_start(
        fake: FakeTelegram, bot: BotFactory) -> None:
    fake.new_message(fake.private_chat(ADMIN), "hello")  # an old chat with the bot
    async with bot():
        await fake.wait_for(lambda: _menu(fake, ADMIN))
    assert _menu(fake, ADMIN) >= {"stats", "reload"}
    assert len(fake.calls_to("setMyCommands")) == 2  # everyone's list, and the admin's
