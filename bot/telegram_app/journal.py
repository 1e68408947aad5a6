"""The journal of received updates: nothing Telegram has been told is handled can be lost.

Telegram forgets an update as soon as the bot asks for the next batch (getUpdates' offset
confirms everything fetched before), long before a busy group's questions are answered. So each
getUpdates response is appended to `KILDE_STATE_DIR/received-updates.jsonl` and fsynced before
PTB sees it (`PollingRequest`), and each update is marked done once it has been handled
(answered, refused, expired). After a stop of any kind (SIGTERM, a crash, SIGKILL) the updates
not done are answered first thing after the next start, and an update that Telegram sends again
(same `update_id`) is not answered twice.

One JSON object a line: `{"update": {...}}` (raw Bot API JSON), `{"started": id}` (its handling
began), `{"done": id}`. On open the file is rewritten compactly (the updates not done, the ids of
the last `KEEP_DONE` done ones), and again whenever `COMPACT_EVERY` lines were appended, so its
size stays bounded. An update whose handling began `MAX_STARTS` times without finishing (one
that crashes or freezes the bot, say) is dropped with a warning instead of replayed for ever.
"""

from __future__ import annotations

import json
import logging
import os
from collections import OrderedDict
from pathlib import Path
from typing import IO, Any

from kilde.corpus.atomic import write_atomically
from kilde.corpus.jsonfile import read_saved_json

logger = logging.getLogger(__name__)

FILE_NAME = "received-updates.jsonl"
OLD_BACKLOG = "pending-updates.json"  # what SIGTERM saved before the journal, read once
KEEP_DONE = 1000  # done ids remembered: Telegram resends at most the last unconfirmed batch
COMPACT_EVERY = 5000  # appended lines between two rewrites
MAX_STARTS = 3


class UpdateJournal:
    """Received updates (raw Bot API JSON) and which of them are done, kept on disk."""

    def __init__(self, folder: Path, *, keep_done: int = KEEP_DONE,
                 compact_every: int = COMPACT_EVERY) -> None:
        self.path = folder / FILE_NAME
        self.keep_done, self.compact_every = keep_done, compact_every
        self._pending: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self._starts: dict[int, int] = {}
        self._done: OrderedDict[int, None] = OrderedDict()
        self._claimed: set[int] = set()
        self._file: IO[str] | None = None
        self._appended = 0
        self._load()

    # -- what the bot does with it --------------------------------------------------------------

    def pending(self) -> list[dict[str, Any]]:
        """The updates received but not done, oldest first (to be answered at start-up)."""
        return sorted(self._pending.values(), key=lambda data: int(data["update_id"]))

    def record(self, updates: list[object]) -> None:
        """Append the updates not seen before and fsync, before anyone may confirm them.
        Raises OSError if they could not be saved (they must then not be confirmed)."""
        fresh = [u for u in updates if isinstance(u, dict) and _update_id(u) is not None
                 and _update_id(u) not in self._pending and _update_id(u) not in self._done]
        if not fresh:
            return
        self._write([{"update": u} for u in fresh], sync=True)
        for data in fresh:
            self._pending[int(data["update_id"])] = data

    def claim(self, update_id: int) -> bool:
        """Whether to handle this update now: False if it is done or already in hand (Telegram
        sent it again after a restart, or it was replayed from the journal)."""
        if update_id in self._done or update_id in self._claimed:
            return False
        self._claimed.add(update_id)
        if update_id in self._pending:
            self._starts[update_id] = self._starts.get(update_id, 0) + 1
            self._safely([{"started": update_id}])
        return True

    def release(self, update_id: int) -> None:
        """The update's handling was abandoned: it is still to be answered."""
        self._claimed.discard(update_id)

    def done(self, update_id: int) -> None:
        """The update was handled: never answer it again."""
        self._claimed.discard(update_id)
        self._pending.pop(update_id, None)
        self._starts.pop(update_id, None)
        self._remember_done(update_id)
        self._safely([{"done": update_id}])
        if self._appended >= self.compact_every:
            try:
                self._compact()
            except OSError as error:
                logger.warning("could not compact %s: %s", self.path, error)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    # -- the file --------------------------------------------------------------------------------

    def _load(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            text = ""
        except OSError as error:
            logger.warning("ignoring unreadable %s: %s", self.path, error)
            text = ""
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip() and not self._apply(line):
                logger.warning("skipping damaged line %d of %s", number, self.path)
        old_backlog = self._import_old_backlog()
        for update_id, starts in list(self._starts.items()):
            if starts >= MAX_STARTS and update_id in self._pending:
                logger.warning("dropping update %d: its handling began %d times and never "
                               "finished", update_id, starts)
                del self._pending[update_id]
                self._remember_done(update_id)
        try:
            self._compact()  # also ends a line cut short by a crash before anything is appended
        except OSError as error:
            logger.error("cannot write %s: %s", self.path, error)
            return
        if old_backlog is not None:
            old_backlog.unlink(missing_ok=True)

    def _apply(self, line: str) -> bool:
        try:
            entry = json.loads(line)
        except ValueError:
            return False
        if not isinstance(entry, dict):
            return False
        if isinstance(entry.get("update"), dict) and _update_id(entry["update"]) is not None:
            update = entry["update"]
            update_id = int(update["update_id"])
            if update_id not in self._done:
                self._pending[update_id] = update
            return True
        for kind in ("started", "done"):
            value = entry.get(kind)
            if isinstance(value, int) and not isinstance(value, bool):
                if kind == "done":
                    self._pending.pop(value, None)
                    self._remember_done(value)
                else:
                    self._starts[value] = self._starts.get(value, 0) + 1
                return True
        return False

    def _import_old_backlog(self) -> Path | None:
        """Take over what an older version saved at SIGTERM; returns its file, to be removed
        once the journal holds its updates."""
        old = self.path.parent / OLD_BACKLOG
        data = read_saved_json(old, "saved backlog", "ignoring it")
        if data is None:
            return None
        for update in data if isinstance(data, list) else []:
            if isinstance(update, dict) and _update_id(update) is not None:
                self._pending.setdefault(int(update["update_id"]), update)
        return old

    def _remember_done(self, update_id: int) -> None:
        self._done[update_id] = None
        self._done.move_to_end(update_id)
        while len(self._done) > self.keep_done:
            self._done.popitem(last=False)

    def _compact(self) -> None:
        """Rewrite the file atomically with only what is still needed."""
        lines: list[dict[str, Any]] = [{"done": update_id} for update_id in self._done]
        for update_id, update in self._pending.items():
            lines.append({"update": update})
            lines.extend({"started": update_id} for _ in range(self._starts.get(update_id, 0)))
        self.close()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(self.path, "".join(_line(entry) for entry in lines))
        self._appended = 0

    def _write(self, entries: list[dict[str, Any]], *, sync: bool) -> None:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 (kept open)
        self._file.write("".join(_line(entry) for entry in entries))
        self._file.flush()  # in the OS's hands: survives a SIGKILL of this process
        if sync:
            os.fsync(self._file.fileno())  # and a power cut
        self._appended += len(entries)

    def _safely(self, entries: list[dict[str, Any]]) -> None:
        """Bookkeeping that may fail without losing anything (at worst an update is answered
        again after a restart)."""
        try:
            self._write(entries, sync=False)
        except OSError as error:
            logger.warning("could not write %s: %s", self.path, error)


def _line(entry: dict[str, Any]) -> str:
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"


def _update_id(update: dict[str, Any]) -> int | None:
    value = update.get("update_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def updates_in_response(payload: bytes) -> list[object] | None:
    """The updates of a successful getUpdates response body, or None if it is not one."""
    try:
        body = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(body, dict) or body.get("ok") is not True:
        return None
    result = body.get("result")
    return result if isinstance(result, list) else None
