"""The query log's SQLite store: questions, the bot messages that answered them, and votes.

    log = QueryLog.open(folder, retention_days=90)
    question_id = log.record(chat_id=..., user_id=..., chat_type="private", asked=..., answer=...)
    log.attach_messages(question_id, chat_id, [message_id])
    log.vote(question_id, user_id, +1)

Tables: `meta` (the salt, the schema version), `questions` (one row per question asked: time,
chat type, hashed chat and user, the question as asked and as run, language, answered, the cited
passages as JSON), `messages` (which bot message answered which question: follow-ups and
buttons find their question again after a restart) and `votes` (one per question and user,
replaced when the user changes it). The connection is shared by the event loop and worker
threads, behind a lock; WAL lets `kilde log` read while `kilde serve` writes.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from kilde.bot.querylog.identity import Identities, new_salt
from kilde.bot.querylog.records import LoggedQuestion, LogSummary, VoteOutcome
from kilde.corpus.errors import KildeError
from kilde.retrieval.answer import Answer

logger = logging.getLogger(__name__)

LOG_FILE = "querylog.sqlite3"
SCHEMA_VERSION = "1"
PRUNE_EVERY_SECONDS = 3600.0
DAY_SECONDS = 86_400

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY,
    asked_at REAL NOT NULL,
    chat TEXT NOT NULL,
    user TEXT,
    chat_type TEXT NOT NULL,
    question TEXT NOT NULL,
    question_run TEXT NOT NULL,
    language TEXT NOT NULL,
    answered INTEGER NOT NULL,
    hits TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS questions_by_time ON questions (asked_at);
CREATE TABLE IF NOT EXISTS messages (
    chat TEXT NOT NULL, message_id INTEGER NOT NULL, question_id INTEGER NOT NULL,
    PRIMARY KEY (chat, message_id)
);
CREATE TABLE IF NOT EXISTS votes (
    question_id INTEGER NOT NULL, voter TEXT NOT NULL, vote INTEGER NOT NULL,
    voted_at REAL NOT NULL, PRIMARY KEY (question_id, voter)
);
"""


class QueryLogError(KildeError):
    """The query log cannot be opened or read; the message names the file."""


def _hits_json(answer: Answer) -> str:
    return json.dumps([
        {"article_id": hit.article_id, "paragraph_number": hit.paragraph_number,
         "citation": hit.citation, "language": hit.language, "excerpt": hit.excerpt}
        for hit in answer.hits
    ], ensure_ascii=False)


class QueryLog:
    """The query log of one bot (or an in-memory one, when there is no folder)."""

    def __init__(self, connection: sqlite3.Connection, *, path: Path | None,
                 raw_ids: bool = False, retention_days: int = 0) -> None:
        self.path = path
        self.retention_days = retention_days
        self._db = connection
        self._lock = threading.Lock()
        self._last_prune = 0.0
        with self._lock:
            self._db.executescript(_SCHEMA)
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('salt', ?)", (new_salt(),))
            salt = self._db.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()[0]
        self._ids = Identities(salt, raw=raw_ids)
        self.prune()

    @classmethod
    def open(cls, folder: Path | None, *, raw_ids: bool = False,
             retention_days: int = 0) -> QueryLog:
        """The log in `folder` (created if needed), or in memory when `folder` is None."""
        if folder is None:
            connection = sqlite3.connect(":memory:", check_same_thread=False,
                                         isolation_level=None)
            return cls(connection, path=None, raw_ids=raw_ids, retention_days=retention_days)
        path = folder / LOG_FILE
        try:
            folder.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None,
                                         timeout=5.0)
            connection.execute("PRAGMA journal_mode=WAL")
            # WAL with NORMAL sync: a commit costs no fsync on the event loop; a power cut may
            # lose the last few questions, never the database.
            connection.execute("PRAGMA synchronous=NORMAL")
            return cls(connection, path=path, raw_ids=raw_ids, retention_days=retention_days)
        except (OSError, sqlite3.Error) as error:
            raise QueryLogError(f"cannot open the query log {path}: {error}") from None

    @classmethod
    def open_existing(cls, folder: Path) -> QueryLog | None:
        """The log in `folder` for reading (`kilde log`), or None when there is none yet."""
        path = folder / LOG_FILE
        if not path.is_file():
            return None
        try:
            connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True,
                                         check_same_thread=False, isolation_level=None)
            connection.execute("SELECT count(*) FROM questions").fetchone()
        except sqlite3.Error as error:
            raise QueryLogError(f"cannot read the query log {path}: {error}") from None
        log = cls.__new__(cls)
        log.path, log.retention_days, log._db = path, 0, connection
        log._lock, log._last_prune = threading.Lock(), time.time()
        salt = connection.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()
        log._ids = Identities(salt[0] if salt else new_salt())
        return log

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # writing ----------------------------------------------------------------------------------

    def record(self, *, chat_id: int, user_id: int | None, chat_type: str, asked: str,
               answer: Answer) -> int:
        """Log one question and its answer; returns the question's id (for buttons)."""
        self._prune_now_and_then()
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO questions (asked_at, chat, user, chat_type, question, question_run,"
                " language, answered, hits) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (time.time(), self._ids.of(chat_id), self._ids.of(user_id), chat_type, asked,
                 answer.question, answer.language, int(answer.answered),
                 _hits_json(answer)),
            )
            return int(cursor.lastrowid or 0)

    def attach_messages(self, question_id: int, chat_id: int, message_ids: list[int]) -> None:
        """Remember which bot messages carried the answer to `question_id`."""
        chat = self._ids.of(chat_id)
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO messages VALUES (?, ?, ?)",
                [(chat, message_id, question_id) for message_id in message_ids],
            )

    def vote(self, question_id: int, user_id: int, vote: int) -> VoteOutcome:
        """Record a user's 👍 (+1) or 👎 (-1) on an answer; a second vote replaces the first."""
        voter = self._ids.of(user_id)
        with self._lock:
            if self._db.execute("SELECT 1 FROM questions WHERE id = ?",
                                (question_id,)).fetchone() is None:
                return VoteOutcome.UNKNOWN_ANSWER
            row = self._db.execute("SELECT vote FROM votes WHERE question_id = ? AND voter = ?",
                                   (question_id, voter)).fetchone()
            if row is not None and row[0] == vote:
                return VoteOutcome.UNCHANGED
            self._db.execute("INSERT OR REPLACE INTO votes VALUES (?, ?, ?, ?)",
                             (question_id, voter, vote, time.time()))
        return VoteOutcome.RECORDED if row is None else VoteOutcome.CHANGED

    def prune(self, now: float | None = None) -> int:
        """Drop questions (with their messages and votes) older than the retention period."""
        now = time.time() if now is None else now
        self._last_prune = now
        if self.retention_days <= 0:
            return 0
        cutoff = now - self.retention_days * DAY_SECONDS
        with self._lock:
            old = "SELECT id FROM questions WHERE asked_at < ?"
            self._db.execute(f"DELETE FROM votes WHERE question_id IN ({old})", (cutoff,))
            self._db.execute(f"DELETE FROM messages WHERE question_id IN ({old})", (cutoff,))
            removed = self._db.execute("DELETE FROM questions WHERE asked_at < ?", (cutoff,))
            count = removed.rowcount
        if count:
            logger.info("query log: pruned %d questions older than %d days", count,
                        self.retention_days)
        return count

    def _prune_now_and_then(self) -> None:
        if time.time() - self._last_prune > PRUNE_EVERY_SECONDS:
            self.prune()

    # reading ----------------------------------------------------------------------------------

    def question_for_message(self, chat_id: int, message_id: int) -> tuple[int, str] | None:
        """(question id, question as run) that a bot message answered, if logged."""
        with self._lock:
            row = self._db.execute(
                "SELECT q.id, q.question_run FROM messages m JOIN questions q"
                " ON q.id = m.question_id WHERE m.chat = ? AND m.message_id = ?",
                (self._ids.of(chat_id), message_id),
            ).fetchone()
        return (int(row[0]), str(row[1])) if row else None

    def answer_for(self, question_id: int) -> tuple[str, list[dict[str, Any]]] | None:
        """(question language, cited passages: article, paragraph, citation, language, excerpt)
        of a logged answer, or None when it is not (or no longer) in the log."""
        with self._lock:
            row = self._db.execute("SELECT language, hits FROM questions WHERE id = ?",
                                   (question_id,)).fetchone()
        return (str(row[0]), list(json.loads(row[1]))) if row else None

    def gaps(self, limit: int = 10) -> list[LoggedQuestion]:
        """The latest questions that got no answer or a 👎, newest first."""
        return self._questions(
            "WHERE q.answered = 0 OR EXISTS (SELECT 1 FROM votes v WHERE v.question_id = q.id"
            " AND v.vote < 0)", limit)

    def latest(self, limit: int = 10) -> list[LoggedQuestion]:
        """The latest questions, newest first."""
        return self._questions("", limit)

    def summary(self, *, gaps: int = 10, now: datetime | None = None) -> LogSummary:
        """Questions today (local time) and in total, answered, votes, and the latest gaps."""
        midnight = (now or datetime.now().astimezone()).replace(
            hour=0, minute=0, second=0, microsecond=0).timestamp()
        with self._lock:
            total, answered, today = self._db.execute(
                "SELECT count(*), coalesce(sum(answered), 0),"
                " coalesce(sum(asked_at >= ?), 0) FROM questions", (midnight,)).fetchone()
            up, down = self._db.execute(
                "SELECT coalesce(sum(vote > 0), 0), coalesce(sum(vote < 0), 0) FROM votes"
            ).fetchone()
        return LogSummary(int(today), int(total), int(answered), int(up), int(down),
                          tuple(self.gaps(gaps)))

    def _questions(self, where: str, limit: int) -> list[LoggedQuestion]:
        with self._lock:
            rows = self._db.execute(
                "SELECT q.id, q.asked_at, q.chat_type, q.question, q.question_run, q.language,"
                " q.answered, q.hits,"
                " (SELECT count(*) FROM votes v WHERE v.question_id = q.id AND v.vote > 0),"
                " (SELECT count(*) FROM votes v WHERE v.question_id = q.id AND v.vote < 0)"
                f" FROM questions q {where} ORDER BY q.asked_at DESC, q.id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [
            LoggedQuestion(
                id=int(row[0]), asked_at=float(row[1]), chat_type=str(row[2]),
                question=str(row[3]), question_run=str(row[4]), language=str(row[5]),
                answered=bool(row[6]),
                citations=tuple(hit["citation"] for hit in json.loads(row[7])),
                up_votes=int(row[8]), down_votes=int(row[9]),
            )
            for row in rows
        ]
