"""The bot's query log: every question asked, whether it was answered, what it cited, its votes.

A local SQLite database (stdlib sqlite3) under `KILDE_QUERY_LOG_DIR`, for a team to learn what
the collection is missing (`/stats`, `kilde log`). Chat and user ids are kept as salted hashes
unless `KILDE_QUERY_LOG_RAW_IDS` says otherwise; questions older than
`KILDE_QUERY_LOG_RETENTION_DAYS` are pruned.
"""

from kilde.bot.querylog.records import LoggedQuestion, LogSummary, VoteOutcome
from kilde.bot.querylog.store import LOG_FILE, QueryLog, QueryLogError
from kilde.bot.querylog.summary import summary_lines

__all__ = [
    "LOG_FILE", "LogSummary", "LoggedQuestion", "QueryLog", "QueryLogError", "VoteOutcome",
    "summary_lines",
]
