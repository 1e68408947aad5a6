"""Reading a small JSON file Kilde saved itself (a catalogue, a manifest, a backlog)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


def read_saved_json(path: Path, what: str, otherwise: str) -> Any:
    """The file's JSON, or None when it does not exist or cannot be read; the latter with one
    warning ("<what> <path> unreadable, <otherwise>: <why>"), since the caller can do without."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        logger.warning("%s %s unreadable, %s: %s", what, path, otherwise, error)
        return None
