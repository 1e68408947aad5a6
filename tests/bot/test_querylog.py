"""The query log's store: questions, votes, hashed ids, retention (a real SQLite file)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from kilde.bot.querylog import LOG_FILE, QueryLog, QueryLogError, VoteOutcome
from kilde.retrieval.engine import Engine

CHAT, USER, OTHER = -100777, 4242, 4343


def _ask(log: QueryLog, engine: Engine, question: str, *, user: int = USER) -> int:
    return log.record(chat_id=CHAT, user_id=user, chat_type="supergroup", asked=question,
                      answer=engine.ask(question))


def test_questions_answers_and_gaps_are_summed_up(tmp_path: Path, engine: Engine) -> None:
    log = QueryLog.open(tmp_path)
    answered = _ask(log, engine, "What did Russia demand from NATO?")
    unanswered = _ask(log, engine, "Who won the 2022 World Cup?")
    summary = log.summary()
    assert (summary.today, summary.total, summary.answered, summary.abstained) == (2, 2, 1, 1)
    assert summary.abstention_rate == 0.5
    assert [gap.id for gap in summary.gaps] == [unanswered]
    log.vote(answered, USER, -1)
    gaps = log.gaps()
    assert [gap.id for gap in gaps] == [unanswered, answered]  # a 👎 is a gap too; newest first
    assert gaps[1].down_votes == 1 and "¶" in gaps[1].citations[0]
    assert gaps[0].citations == ()


def test_a_vote_counts_once_per_user_and_can_be_changed(tmp_path: Path, engine: Engine) -> None:
    log = QueryLog.open(tmp_path)
    question = _ask(log, engine, "What did Russia demand from NATO?")
    assert log.vote(question, USER, 1) is VoteOutcome.RECORDED
    assert log.vote(question, USER, 1) is VoteOutcome.UNCHANGED
    assert log.vote(question, USER, -1) is VoteOutcome.CHANGED
    assert log.vote(question, OTHER, 1) is VoteOutcome.RECORDED
    assert log.vote(question + 1, USER, 1) is VoteOutcome.UNKNOWN_ANSWER
    summary = log.summary()
    assert (summary.up_votes, summary.down_votes) == (1, 1)


def test_ids_are_salted_hashes_unless_raw_ids_are_asked_for(tmp_path: Path,
                                                            engine: Engine) -> None:
    hashed = QueryLog.open(tmp_path / "hashed")
    _ask(hashed, engine, "Nato?")
    hashed.close()
    raw = QueryLog.open(tmp_path / "raw", raw_ids=True)
    _ask(raw, engine, "Nato?")
    raw.close()

    def stored(folder: Path) -> set[str]:
        with sqlite3.connect(folder / LOG_FILE) as db:
            return {value for row in db.execute("SELECT chat, user FROM questions") for value in row}

    assert stored(tmp_path / "raw") == {str(CHAT), str(USER)}
    hashes = stored(tmp_path / "hashed")
    assert not hashes & {str(CHAT), str(USER)} and all(len(h) == 32 for h in hashes)
    other_log = QueryLog.open(tmp_path / "other")
    _ask(other_log, engine, "Nato?")
    other_log.close()
    assert not stored(tmp_path / "other") & hashes  # each log has its own salt


def test_the_same_user_hashes_the_same_across_restarts(tmp_path: Path, engine: Engine) -> None:
    log = QueryLog.open(tmp_path)
    question = _ask(log, engine, "Nato?")
    log.vote(question, USER, 1)
    log.close()
    reopened = QueryLog.open(tmp_path)
    assert reopened.vote(question, USER, 1) is VoteOutcome.UNCHANGED


def test_retention_prunes_old_questions_with_their_votes_and_messages(
        tmp_path: Path, engine: Engine) -> None:
    log = QueryLog.open(tmp_path, retention_days=30)
    question = _ask(log, engine, "What did Russia demand from NATO?")
    log.attach_messages(question, CHAT, [7, 8])
    log.vote(question, USER, 1)
    assert log.prune(now=time.time() + 29 * 86_400) == 0
    assert log.question_for_message(CHAT, 8) == (question, "What did Russia demand from NATO?")
    assert log.prune(now=time.time() + 31 * 86_400) == 1
    assert log.summary().total == 0 and log.summary().up_votes == 0
    assert log.question_for_message(CHAT, 8) is None
    forever = QueryLog.open(tmp_path / "forever", retention_days=0)
    _ask(forever, engine, "Nato?")
    assert forever.prune(now=time.time() + 10_000 * 86_400) == 0


def test_reading_a_log_that_is_not_there_or_not_a_database(tmp_path: Path) -> None:
    assert QueryLog.open_existing(tmp_path) is None
    (tmp_path / LOG_FILE).write_bytes(b"this is no database" * 100)
    with pytest.raises(QueryLogError, match=LOG_FILE):
        QueryLog.open_existing(tmp_path)
    blocked = tmp_path / "a-file"
    blocked.write_text("x")
    with pytest.raises(QueryLogError, match="a-file"):
        QueryLog.open(blocked / "log")
