"""`kilde ask`: answer one question, or a stream of them as JSON Lines."""

from __future__ import annotations

import argparse
import io
import json
import sys
from typing import TYPE_CHECKING, TextIO

from kilde.bot.cli.errors import UsageError
from kilde.bot.engine_loading import open_engine
from kilde.bot.reading_aids import TRANSLATION_LABEL, gloss_line, unavailable_line
from kilde.config import Settings
from kilde.retrieval.answer import Answer, Hit

if TYPE_CHECKING:  # imported when --translate asks for it: httpx costs every start ~0.1 s
    # (and rich, ~0.05 s, when an answer is printed for a person: `--json` needs none of it)
    from rich.console import Console
    from rich.text import Text

    from kilde.bot.translation import Translator
    from kilde.bot.translation.answers import Translations

NO_ANSWER = "Nothing in the articles answers that."


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "ask", parents=[common], help="answer a question with cited excerpts",
        description="Answer a question with verbatim, cited excerpts from the articles.",
    )
    parser.add_argument("question", help='the question, or "-" to read one question per line')
    parser.add_argument("--json", action="store_true", help="print JSON answer objects")
    parser.add_argument("--top-k", type=int, metavar="N", help="excerpts per answer")
    parser.add_argument(
        "--translate", action="store_true",
        help="also machine-translate each excerpt into the question's language "
        "(needs KILDE_TRANSLATE_API; a failure costs one line, never the answer)")
    parser.set_defaults(run=run)


def _console() -> Console:
    """Rich's console, leaving a closed pipe (`kilde ask ... | head`) to the CLI's edge."""
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError  # rich would exit 1 on its own; `main` ends quietly instead

    return _Console(highlight=False, soft_wrap=not sys.stdout.isatty())


def marked_excerpt(hit: Hit, *, styled: bool) -> Text:
    """The excerpt with the question's words marked: bold on a terminal, *like this* in plain
    text (piped output has no styles, and the marks should survive `| less` and files)."""
    from rich.text import Text

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


def print_answer(answer: Answer, console: Console,
                 translations: Translations | None = None) -> None:
    """The answer for a person: one quoted block per excerpt, its gloss, its citation, and its
    machine translation when one was asked for (labelled, never in quotes)."""
    from rich.markup import escape
    from rich.text import Text

    if not answer.answered:
        console.print(NO_ANSWER)
        return
    for i, hit in enumerate(answer.hits):
        quote = Text.assemble((f"{hit.rank}.", "bold"), " «",
                              marked_excerpt(hit, styled=console.is_terminal), "»")
        console.print(quote)
        gloss = gloss_line(hit.gloss)
        if gloss:
            console.print(Text(f"   {gloss}", style="italic"))
        console.print(f"   [dim]— {escape(hit.citation)} · {escape(hit.source)}[/dim]")
        if hit.source_url:
            console.print(Text(f"     {hit.source_url}", style="dim"))
        translated = translations.texts[i] if translations else None
        if translated:
            console.print(Text(f"   {TRANSLATION_LABEL}: {translated}", style="italic"))
        console.print()


def _write_json(answer: Answer, out: TextIO, translations: Translations | None = None) -> None:
    data = answer.to_json()
    if translations is not None:
        for hit, translated in zip(data["hits"], translations.texts, strict=True):
            hit["translation"] = translated
        if translations.unavailable:
            data["translation_unavailable"] = translations.unavailable
    out.write(json.dumps(data, ensure_ascii=False) + "\n")
    out.flush()


def _utf8_stdout() -> TextIO:
    """Standard output as UTF-8, as the contract's JSON is, whatever the locale says."""
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(encoding="utf-8")
    return sys.stdout


class _AnswerTranslator:
    """`--translate`: the configured service, or the reason there is none (said once)."""

    def __init__(self, settings: Settings) -> None:
        from kilde.bot.translation import TranslationError, translator_from_settings

        self._translator: Translator | None = None
        self._reason: str | None = None
        self._said: set[str] = set()
        try:
            self._translator = translator_from_settings(settings)
        except TranslationError as error:
            self._reason = str(error)

    def __call__(self, answer: Answer) -> Translations:
        from kilde.bot.translation.answers import Translations, translate_excerpts

        excerpts = [(hit.excerpt, hit.language) for hit in answer.hits]
        if self._translator is None:
            result = Translations((None,) * len(excerpts), self._reason)
        else:
            result = translate_excerpts(self._translator, excerpts, answer.language)
        if result.unavailable and result.unavailable not in self._said:
            self._said.add(result.unavailable)
            print(unavailable_line(result.unavailable), file=sys.stderr, flush=True)
        return result


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.top_k is not None and not 1 <= args.top_k <= 50:
        raise UsageError(f"--top-k must be between 1 and 50, got {args.top_k}")
    batch = args.question == "-"
    if not batch and not args.question.strip():
        raise UsageError("the question is empty")
    if batch and not args.json:
        raise UsageError('reading questions from standard input ("-") needs --json')
    engine = open_engine(settings)
    translate = _AnswerTranslator(settings) if args.translate else None
    if batch:
        out = _utf8_stdout()
        # Bytes, decoded here: a line of invalid UTF-8 becomes U+FFFD where it breaks,
        # whatever the locale, instead of ending the run or reaching the JSON.
        for raw in sys.stdin.buffer:
            line = raw.decode("utf-8", errors="replace")
            answer = engine.ask(line.strip(), top_k=args.top_k)
            _write_json(answer, out, translate(answer) if translate else None)
        return 0
    answer = engine.ask(args.question, top_k=args.top_k)
    translations = translate(answer) if translate else None
    if args.json:
        _write_json(answer, sys.stdout, translations)
    else:
        print_answer(answer, _console(), translations)
    return 0
