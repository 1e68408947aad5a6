"""The journal of received updates on its own: damaged lines, done ids, bounded size."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from kilde.bot.telegram_app import journal as journal_module
from kilde.bot.telegram_app.journal import FILE_NAME, UpdateJournal


def update(update_id: int) -> dict[str, object]:
    return {"update_id": update_id, "message": {"message_id": update_id, "text": "Nato"}}


def test_a_damaged_line_gets_one_warning_and_the_rest_is_kept(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    first = UpdateJournal(tmp_path)
    first.record([update(1), update(2), update(3)])
    first.done(2)
    first.close()
    with (tmp_path / FILE_NAME).open("a", encoding="utf-8") as file:
        file.write('{"update": {"update_id": 4, "mess')  # cut short by a crash
    with caplog.at_level(logging.WARNING):
        again = UpdateJournal(tmp_path)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "damaged line" in warnings[0].getMessage()
    assert [u["update_id"] for u in again.pending()] == [1, 3]
    again.record([update(5)])  # appended on a line of its own: the damage was compacted away
    again.close()
    assert [u["update_id"] for u in UpdateJournal(tmp_path).pending()] == [1, 3, 5]


def test_an_update_is_handled_once_even_when_telegram_sends_it_again(tmp_path: Path) -> None:
    journal = UpdateJournal(tmp_path)
    journal.record([update(7), update(8)])
    assert journal.claim(7) and not journal.claim(7)  # the second copy is not answered
    journal.done(7)
    journal.record([update(7)])  # sent again after a restart: already done
    journal.close()
    reopened = UpdateJournal(tmp_path)
    assert [u["update_id"] for u in reopened.pending()] == [8]
    assert not reopened.claim(7) and reopened.claim(8)
    reopened.close()


def test_an_update_that_never_finishes_is_dropped_after_a_few_starts(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    received = UpdateJournal(tmp_path)
    received.record([update(9)])
    received.close()
    for _ in range(journal_module.MAX_STARTS):  # each time the bot died while handling it
        journal = UpdateJournal(tmp_path)
        assert [u["update_id"] for u in journal.pending()] == [9]
        assert journal.claim(9)
        journal.close()
    with caplog.at_level(logging.WARNING):
        assert UpdateJournal(tmp_path).pending() == []
    assert "dropping update 9" in caplog.text


def test_the_file_stays_bounded(tmp_path: Path) -> None:
    journal = UpdateJournal(tmp_path, keep_done=20, compact_every=50)
    for update_id in range(1, 1001):
        journal.record([update(update_id)])
        assert journal.claim(update_id)
        journal.done(update_id)
    journal.close()
    lines = (tmp_path / FILE_NAME).read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 50 + 20
    assert all(isinstance(json.loads(line), dict) for line in lines)


def test_the_backlog_saved_by_an_older_version_is_taken_over(tmp_path: Path) -> None:
    (tmp_path / "pending-updates.json").write_text(json.dumps([update(11), update(12)]),
                                                   encoding="utf-8")
    assert [u["update_id"] for u in UpdateJournal(tmp_path).pending()] == [11, 12]
    assert not (tmp_path / "pending-updates.json").exists()
    assert [u["update_id"] for u in UpdateJournal(tmp_path).pending()] == [11, 12]
