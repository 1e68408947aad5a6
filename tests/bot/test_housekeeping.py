"""The per-user and per-chat tables shrink back once their users go idle (the real bot, its
JobQueue and the fake Bot API)."""

from __future__ import annotations

from dataclasses import replace

from kilde.bot.telegram_app.housekeeping import Housekeeping
from kilde.bot.telegram_app.runtime import BotRuntime
from tests.bot.conftest import FAST, USER, BotFactory
from tests.bot.helpers import QUESTION, first_reply
from tests.bot.test_followups import DEMANDS, FOLLOW_UP, WHAT_THE_DEMANDS_COMPRISE
from tests.fake_telegram import FakeTelegram

WINDOW = 3.0  # seconds: long enough to see the entries under load, short enough to wait out
TIDY = replace(FAST, flood_window=WINDOW, refusal_window=WINDOW,
               housekeeping=Housekeeping(interval=0.2, chat_idle=WINDOW))


def table_sizes(runtime: BotRuntime) -> dict[str, int]:
    return {"questions": len(runtime.flood), "presses": len(runtime.button_flood),
            "inline": len(runtime.inline_flood), "refusals": len(runtime.refusals)}


async def test_idle_users_and_chats_are_forgotten_and_follow_ups_still_work(
        fake: FakeTelegram, bot: BotFactory) -> None:
    async with bot(tuning=TIDY, allowed_chat_ids=(USER,), flood_limit=1000) as app:
        runtime: BotRuntime = app.bot_data.runtime
        fake.send_text(fake.group_chat(-999), f"/ask {QUESTION}", user=fake.user(4242))
        fake.send_text(fake.private_chat(USER), QUESTION)
        [answer] = await first_reply(fake, USER)
        press = fake.press_button(answer, answer["reply_markup"]["inline_keyboard"][0][0][
            "callback_data"])
        inline = fake.inline_query(fake.user(USER), "Nato")
        await fake.wait_for(lambda: fake.callback_answer(press) and fake.inline_answer(inline)
                            and fake.bot_messages(-999))
        in_use = table_sizes(runtime)
        chats_in_use = len(app.chat_data)
        # Nobody writes for a whole window: the housekeeping job empties every table.
        await fake.wait_for(lambda: not any(table_sizes(runtime).values()) and not app.chat_data,
                            timeout=WINDOW + 5)
        # The chat's memory of its answers went with it; the query log still knows them.
        fake.send_text(fake.private_chat(USER), FOLLOW_UP, reply_to=answer)
        *_, continued = await first_reply(fake, USER, len(fake.bot_messages(USER)) + 1)
    assert in_use == {"questions": 1, "presses": 1, "inline": 1, "refusals": 1}
    assert chats_in_use == 1  # the private chat (the stranger's group is refused before)
    # A follow-up (the topic carried over), not a repeat of the answer it replies to.
    assert WHAT_THE_DEMANDS_COMPRISE in continued["text"] and DEMANDS not in continued["text"]
