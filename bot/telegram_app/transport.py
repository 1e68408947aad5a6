"""The HTTP layer under PTB: retries what is safe to repeat, and only that.

A request that may have reached Telegram is never sent again unless repeating it changes
nothing: a `sendMessage` that timed out after Telegram took it, or whose connection dropped, or
that got a 5xx after it was processed, would be delivered twice. So:

- not sent at all (connection refused, connect timeout, no free connection): retried with
  backoff for up to `outage_budget` seconds (default five minutes), whatever the method: an
  answer waits out an outage of the Bot API and then goes out;
- a timeout, a dropped connection or a 5xx after sending: retried `retries` times only for
  methods that can be repeated safely (`SAFE_TO_REPEAT`: reads, the "typing" action, settings);
- 429 "retry after" is not handled here but by PTB's AIORateLimiter above this layer, which
  waits as long as Telegram asks and holds back the other requests meanwhile (429 means the
  request was refused, so repeating it is safe).

Answers to button presses and inline queries have connections of their own (`SplitRequest`):
Telegram gives up on a press after about 15 s, and a burst of messages (each waiting its turn
under the 30-a-second limit, then for Telegram's reply) can hold every connection of a shared
pool, so that a press's answer would queue behind them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import httpx
from telegram.error import NetworkError
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from kilde.bot.telegram_app.journal import UpdateJournal, updates_in_response

logger = logging.getLogger(__name__)

# Methods whose repetition changes nothing a user can see.
SAFE_TO_REPEAT = frozenset({
    "getMe", "getUpdates", "getWebhookInfo", "setWebhook", "deleteWebhook", "getMyCommands",
    "setMyCommands", "deleteMyCommands", "sendChatAction", "getChat", "getChatMember",
})
# httpx errors raised before a single byte of the request went out.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
MAX_DELAY = 10.0  # seconds between two tries during an outage
# Methods that answer a user waiting on the bot, which Telegram drops when late; Telegram does
# not count them under the per-chat message limits, and neither does PTB's rate limiter.
INTERACTIVE = frozenset({"answerCallbackQuery", "answerInlineQuery"})


def never_sent(error: NetworkError) -> bool:
    """Whether the request certainly did not reach the server (PTB keeps httpx's error as the
    cause)."""
    return isinstance(error.__cause__, _NOT_SENT)


class RetryingRequest(HTTPXRequest):
    """HTTPXRequest that retries unsent requests through an outage, and failed idempotent ones."""

    def __init__(self, *, retries: int = 3, backoff: float = 0.5, outage_budget: float = 300.0,
                 **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.retries, self.backoff, self.outage_budget = retries, backoff, outage_budget

    async def do_request(  # type: ignore[override]
        self, url: str, method: str, request_data: RequestData | None = None,
        **timeouts: object,
    ) -> tuple[int, bytes]:
        # Only the method's name is ever logged: the URL holds the bot token.
        api_method = url.rsplit("/", 1)[-1]
        repeatable = api_method in SAFE_TO_REPEAT
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + self.outage_budget
        attempt = failures = 0
        while True:
            try:
                code, payload = await super().do_request(
                    url, method, request_data, **timeouts)  # type: ignore[arg-type]
            except NetworkError as error:
                if never_sent(error):
                    if loop.time() >= give_up_at:
                        raise
                    problem = f"not sent ({error})"
                elif repeatable and failures < self.retries:
                    failures += 1
                    problem = f"network error ({error})"
                else:
                    if not repeatable:
                        logger.warning("Bot API %s failed after sending; not repeated, as it "
                                       "may have been delivered: %s", api_method, error)
                    raise
            else:
                if code < 500 or not repeatable or failures >= self.retries:
                    return code, payload
                failures += 1
                problem = f"HTTP {code}"
            delay = min(self.backoff * 2**attempt, MAX_DELAY, max(give_up_at - loop.time(), 0))
            logger.warning("Bot API %s: %s; retrying in %.1fs", api_method, problem, delay)
            await asyncio.sleep(delay)
            attempt += 1


class PollingRequest(HTTPXRequest):
    """The long-polling connection: a 401 from getUpdates is retried with backoff for
    `rejected_budget` seconds (one such answer can be a hiccup; PTB would stop polling for good
    while the process lives on); if the token is still refused, `on_rejected` is called.

    The updates of each getUpdates response are saved in `journal` before PTB sees them, so
    before PTB's next getUpdates confirms them to Telegram; if they cannot be saved, the
    response is withheld (a NetworkError: PTB polls again later, Telegram keeps them)."""

    def __init__(self, *, journal: UpdateJournal | None = None, rejected_budget: float = 60.0,
                 **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.journal = journal
        self.rejected_budget = rejected_budget
        self.on_rejected: Callable[[], None] | None = None

    async def do_request(  # type: ignore[override]
        self, url: str, method: str, request_data: RequestData | None = None,
        **timeouts: object,
    ) -> tuple[int, bytes]:
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + self.rejected_budget
        attempt = 0
        while True:
            code, payload = await super().do_request(
                url, method, request_data, **timeouts)  # type: ignore[arg-type]
            if code != HTTPStatus.UNAUTHORIZED:
                if code == HTTPStatus.OK and url.endswith("/getUpdates"):
                    self._save(payload)
                return code, payload
            if loop.time() >= give_up_at:
                logger.error("the Bot API keeps refusing the token (401); stopping")
                if self.on_rejected is not None:
                    self.on_rejected()
                return code, payload
            delay = min(0.5 * 2**attempt, MAX_DELAY)
            logger.warning("Bot API refused the token (401); polling again in %.1fs", delay)
            await asyncio.sleep(delay)
            attempt += 1

    def _save(self, payload: bytes) -> None:
        updates = updates_in_response(payload) if self.journal is not None else None
        if not updates or self.journal is None:
            return
        try:
            self.journal.record(updates)
        except OSError as error:
            logger.error("could not save %d received updates in %s (%s); polling again "
                         "later, Telegram keeps them", len(updates), self.journal.path, error)
            raise NetworkError("could not save the received updates") from error


class SplitRequest(BaseRequest):
    """Two connection pools under one Bot: `interactive` for the answers to presses and inline
    queries (`INTERACTIVE`), `messages` for everything else."""

    def __init__(self, *, messages: BaseRequest, interactive: BaseRequest) -> None:
        self._messages, self._interactive = messages, interactive

    @property
    def read_timeout(self) -> float | None:
        return self._messages.read_timeout

    async def initialize(self) -> None:
        await self._messages.initialize()
        await self._interactive.initialize()

    async def shutdown(self) -> None:
        await self._messages.shutdown()
        await self._interactive.shutdown()

    async def do_request(  # type: ignore[override]
        self, url: str, method: str, request_data: RequestData | None = None,
        **timeouts: Any,
    ) -> tuple[int, bytes]:
        pool = self._interactive if url.rsplit("/", 1)[-1] in INTERACTIVE else self._messages
        return await pool.do_request(url, method, request_data, **timeouts)
