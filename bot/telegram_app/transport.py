"""The HTTP layer under PTB: retries network errors and 5xx answers from the Bot API with backoff.

429 "retry after" is not handled here but by PTB's AIORateLimiter above this layer, which
knows how long Telegram asked it to wait.
"""

from __future__ import annotations

import asyncio
import logging

from telegram.error import NetworkError
from telegram.request import HTTPXRequest, RequestData

logger = logging.getLogger(__name__)


class RetryingRequest(HTTPXRequest):
    """HTTPXRequest that retries failed connections, timeouts and 5xx up to `retries` times."""

    def __init__(self, *, retries: int = 3, backoff: float = 0.5, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.retries, self.backoff = retries, backoff

    async def do_request(  # type: ignore[override]
        self, url: str, method: str, request_data: RequestData | None = None,
        **timeouts: object,
    ) -> tuple[int, bytes]:
        # Only the method's name is ever logged: the URL holds the bot token.
        api_method = url.rsplit("/", 1)[-1]
        attempt = 0
        while True:
            try:
                code, payload = await super().do_request(
                    url, method, request_data, **timeouts)  # type: ignore[arg-type]
            except NetworkError as error:
                if attempt >= self.retries:
                    raise
                problem = f"network error ({error})"
            else:
                if code < 500 or attempt >= self.retries:
                    return code, payload
                problem = f"HTTP {code}"
            delay = self.backoff * 2**attempt
            logger.warning("Bot API %s: %s; retrying in %.1fs", api_method, problem, delay)
            await asyncio.sleep(delay)
            attempt += 1
