"""Chat and user ids as the query log keeps them: salted hashes, or the ids themselves.

The salt is made at random when the log is created and kept in it, so the same user is the
same hash across questions (votes count once per user) but the hash means nothing elsewhere.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SALT_BYTES = 32


def new_salt() -> str:
    return secrets.token_hex(SALT_BYTES)


class Identities:
    """Turns Telegram ids into what the log stores."""

    def __init__(self, salt: str, *, raw: bool = False) -> None:
        self._key = bytes.fromhex(salt)
        self.raw = raw

    def of(self, telegram_id: int | None) -> str | None:
        """The stored form of a chat or user id (None stays None)."""
        if telegram_id is None:
            return None
        if self.raw:
            return str(telegram_id)
        digest = hmac.new(self._key, str(telegram_id).encode(), hashlib.sha256)
        return digest.hexdigest()[:32]
