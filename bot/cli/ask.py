"""`kilde ask`: answer one question, or a stream of them as JSON Lines."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from kilde.bot.cli.errors import UsageError
from kilde.bot.engine_loading import open_engine
from kilde.config import Settings
from kilde.retrieval.answer import Answer

NO_ANSWER = "Nothing in the articles answers that."


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "ask", parents=[common], help="answer a question with cited excerpts",
        description="Answer a question with verbatim, cited excerpts from the articles.",
    )
    parser.add_argument("question", help='the question, or "-" to read one question per line')
    parser.add_argument("--json", action="store_true", help="print JSON answer objects")
    parser.add_argument("--top-k", type=int, metavar="N", help="excerpts per answer")
    parser.set_defaults(run=run)


def print_answer(answer: Answer, console: Console) -> None:
    """The answer for a person: one quoted block per excerpt, with its citation."""
    if not answer.answered:
        console.print(NO_ANSWER)
        return
    for hit in answer.hits:
        console.print(f"[bold]{hit.rank}.[/bold] «{escape(hit.excerpt)}»")
        console.print(f"   [dim]— {escape(hit.citation)} · {escape(hit.source)}[/dim]")
        if hit.source_url:
            console.print(Text(f"     {hit.source_url}", style="dim"))
        console.print()


def _write_json(answer: Answer, out: TextIO) -> None:
    out.write(json.dumps(answer.to_json(), ensure_ascii=False) + "\n")
    out.flush()


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.top_k is not None and not 1 <= args.top_k <= 50:
        raise UsageError(f"--top-k must be between 1 and 50, got {args.top_k}")
    batch = args.question == "-"
    if not batch and not args.question.strip():
        raise UsageError("the question is empty")
    if batch and not args.json:
        raise UsageError('reading questions from standard input ("-") needs --json')
    engine = open_engine(settings)
    if batch:
        for line in sys.stdin:
            _write_json(engine.ask(line.strip(), top_k=args.top_k), sys.stdout)
        return 0
    answer = engine.ask(args.question, top_k=args.top_k)
    if args.json:
        _write_json(answer, sys.stdout)
    else:
        print_answer(answer, Console(highlight=False, soft_wrap=not sys.stdout.isatty()))
    return 0
