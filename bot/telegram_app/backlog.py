"""Updates taken from Telegram but not yet answered when the bot stopped, kept for the restart.

Telegram forgets an update once the bot has fetched the next batch, so whatever the bot set
aside at shutdown (a group's questions waiting on its rate limit, say) would be lost. They are
written to one JSON file in `KILDE_STATE_DIR` and answered first thing after the next start.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from telegram import Update

logger = logging.getLogger(__name__)

FILE_NAME = "pending-updates.json"


class Backlog:
    """The file of set-aside updates (raw Bot API JSON, oldest first)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / FILE_NAME

    def save(self, updates: Sequence[object]) -> int:
        """Add `updates` to the file (atomically); returns how many are now kept."""
        kept = self._read() + [u.to_dict() for u in updates if isinstance(u, Update)]
        if not kept:
            return 0
        kept.sort(key=lambda data: int(data.get("update_id", 0)))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".pending-")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(kept, file)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return len(kept)

    def take(self) -> list[dict[str, Any]]:
        """The kept updates, removed from the file (they are about to be answered)."""
        updates = self._read()
        self.path.unlink(missing_ok=True)
        return updates

    def _read(self) -> list[dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as error:
            logger.warning("ignoring unreadable %s: %s", self.path, error)
            return []
        if not isinstance(data, list):
            logger.warning("ignoring %s: not a list of updates", self.path)
            return []
        return [item for item in data if isinstance(item, dict)]
