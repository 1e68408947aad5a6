"""`kilde log [--unanswered] [--json]`: what the bot's query log shows, from the command line.

The same figures as the bot's /stats: questions today and in total, abstentions, 👍/👎 counts
and the latest questions that got no answer or a 👎. `--unanswered` lists only those questions
(`--limit` of them), `--all` the latest questions whatever became of them; `--json` prints one
JSON object (with `latest`: the latest questions, each as asked and as run).
"""

from __future__ import annotations

import argparse
import json

from kilde.bot.cli.errors import UsageError
from kilde.bot.querylog import LOG_FILE, QueryLog, summary_lines
from kilde.bot.querylog.summary import gap_line
from kilde.config import Settings


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "log", parents=[common], help="what the bot's query log shows (questions, gaps, votes)",
        description="Summarise the bot's query log (KILDE_QUERY_LOG_DIR): questions today and "
        "in total, abstentions, votes, and the latest questions with no answer or a 👎.",
    )
    parser.add_argument("--unanswered", action="store_true",
                        help="list only the questions that got no answer or a 👎")
    parser.add_argument("--all", action="store_true",
                        help="list the latest questions, answered or not (with what was run)")
    parser.add_argument("--limit", type=int, default=20, metavar="N",
                        help="how many questions to list (default 20)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.limit < 1:
        raise UsageError(f"--limit must be at least 1, got {args.limit}")
    log = QueryLog.open_existing(settings.query_log_dir)
    if log is None:
        where = settings.query_log_dir / LOG_FILE
        if args.json:
            print(json.dumps({"log": str(where), "questions_total": 0, "gaps": []}))
        else:
            print(f"No query log yet at {where} (kilde serve writes it).")
        return 0
    try:
        summary = log.summary(gaps=args.limit)
        latest = log.latest(args.limit)
    finally:
        log.close()
    if args.json:
        report = {"log": str(log.path), **summary.to_json(),
                  "latest": [question.to_json() for question in latest]}
        if args.unanswered:
            report = {"log": str(log.path), "gaps": report["gaps"]}
        print(json.dumps(report, ensure_ascii=False))
    elif args.all:
        for question in latest:
            print(gap_line(question))
    elif args.unanswered:
        for question in summary.gaps:
            print(gap_line(question))
        if not summary.gaps:
            print("No unanswered or 👎 questions.")
    else:
        print("\n".join(summary_lines(summary)))
    return 0
