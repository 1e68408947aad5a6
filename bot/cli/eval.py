"""`kilde eval FILE`: score the engine on a gold file of graded questions."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kilde.bot.cli.errors import UsageError
from kilde.bot.engine_loading import open_engine
from kilde.config import Settings
from kilde.retrieval.errors import GoldFileError

if TYPE_CHECKING:  # imported when `kilde eval` runs: every other command's start is spared them
    from rich.console import Console

    from kilde.retrieval.evaluation import Report


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "eval", parents=[common], help="score the engine on a gold file",
        description="Print success@3, MRR and nDCG@5 per language, and the abstentions.",
    )
    parser.add_argument("file", type=Path, help="gold file (the format of shared/eval/dev.json)")
    parser.add_argument("--json", action="store_true", help="print a JSON report")
    parser.set_defaults(run=run)


def print_report(report: Report, console: Console) -> None:
    from rich.table import Table

    table = Table(title="Kilde evaluation")
    for column in ("language", "questions", "success@3", "MRR", "nDCG@5",
                   "abstained (unanswerable)", "abstained (answerable)"):
        table.add_column(column, justify="right" if column != "language" else "left")
    for s in report.by_language:
        table.add_row(
            s.language, str(s.answerable + s.unanswerable), f"{s.success_at_3:.3f}",
            f"{s.mrr:.3f}", f"{s.ndcg_at_5:.3f}",
            f"{s.abstained_correctly}/{s.unanswerable}", f"{s.abstained_wrongly}/{s.answerable}",
        )
    console.print(table)
    misses = [r for r in report.results if r.question.answerable and not r.success_at_3]
    for result in misses:
        console.print(f"miss {result.question.id}: {result.question.question} grades={list(result.grades)}")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console

    from kilde.retrieval.evaluation import evaluate, load_gold

    try:
        questions = load_gold(args.file)
    except GoldFileError as error:
        raise UsageError(str(error)) from None
    report = evaluate(open_engine(settings), questions)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print_report(report, Console(highlight=False, width=120 if not sys.stdout.isatty() else None))
    return 0
