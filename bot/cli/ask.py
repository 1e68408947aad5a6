"""`kilde ask`: answer one question, or a stream of them as JSON Lines."""

from __future__ import annotations

import argparse
import io
import json
import sys
from typing import TextIO

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from kilde.bot.cli.errors import UsageError
from kilde.bot.engine_loading import open_engine
from kilde.bot.reading_aids import gloss_line
from kilde.config import Settings
from kilde.retrieval.answer import Answer, Hit

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


class _Console(Console):
    """Rich's console, leaving a closed pipe (`kilde ask ... | head`) to the CLI's edge."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError  # rich would exit 1 on its own; `main` ends quietly instead


def marked_excerpt(hit: Hit, *, styled: bool) -> Text:
    """The excerpt with the question's words marked: bold on a terminal, *like this* in plain
    text (piped output has no styles, and the marks should survive `| less` and files)."""
    text = Text()
    position = 0
    for start, end in sorted(hit.highlights):
        if start < position or end > len(hit.excerpt):
            continue
        text.append(hit.excerpt[position:start])
        word = hit.excerpt[start:end]
        if styled:
            text.append(word, style="bold underline")
        else:
            text.append(f"*{word}*")
        position = end
    text.append(hit.excerpt[position:])
    return text


def print_answer(answer: Answer, console: Console) -> None:
    """The answer for a person: one quoted block per excerpt, its gloss, its citation."""
    if not answer.answered:
        console.print(NO_ANSWER)
        return
    for hit in answer.hits:
        quote = Text.assemble((f"{hit.rank}.", "bold"), " «",
                              marked_excerpt(hit, styled=console.is_terminal), "»")
        console.print(quote)
        gloss = gloss_line(hit.gloss)
        if gloss:
            console.print(Text(f"   {gloss}", style="italic"))
        console.print(f"   [dim]— {escape(hit.citation)} · {escape(hit.source)}[/dim]")
        if hit.source_url:
            console.print(Text(f"     {hit.source_url}", style="dim"))
        console.print()


def _write_json(answer: Answer, out: TextIO) -> None:
    out.write(json.dumps(answer.to_json(), ensure_ascii=False) + "\n")
    out.flush()


def _utf8_stdout() -> TextIO:
    """Standard output as UTF-8, as the contract's JSON is, whatever the locale says."""
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(encoding="utf-8")
    return sys.stdout


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
        out = _utf8_stdout()
        # Bytes, decoded here: a line of invalid UTF-8 becomes U+FFFD where it breaks,
        # whatever the locale, instead of ending the run or reaching the JSON.
        for raw in sys.stdin.buffer:
            line = raw.decode("utf-8", errors="replace")
            _write_json(engine.ask(line.strip(), top_k=args.top_k), out)
        return 0
    answer = engine.ask(args.question, top_k=args.top_k)
    if args.json:
        _write_json(answer, sys.stdout)
    else:
        print_answer(answer, _Console(highlight=False, soft_wrap=not sys.stdout.isatty()))
    return 0
