"""Entry point of the `kilde` console script.

Each subcommand lives in its own module of this package and exposes
`register(subparsers)`, which adds its parser and sets `run(args, settings) -> int` as the handler.
Errors from the layers below reach this edge as exceptions and leave as one line on stderr:
every error Kilde raises on purpose is a `KildeError` (hierarchy in `kilde.corpus.errors`), whose
message already names the culprit; bad usage and bad settings exit 2, the rest 1. Anything else is
a bug or an unforeseen failure of the system: one line too, with its type, and a pointer to --debug.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from kilde.bot.cli.errors import UsageError
from kilde.bot.engine_loading import CorpusFolderError
from kilde.config import Settings, SettingsError, load_settings
from kilde.corpus import KildeError

logger = logging.getLogger(__name__)

SUBCOMMANDS = ("ask", "eval", "serve", "add", "index", "corpus_check", "log")

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        """One line and exit 2, instead of argparse's usage dump."""
        self.exit(EXIT_USAGE, f"kilde: {message} (see kilde --help)\n")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS so that `kilde --corpus X ask` and `kilde ask --corpus X` both work.
    common.add_argument(
        "--corpus", type=Path, metavar="DIR", default=argparse.SUPPRESS,
        help="folder of articles to use (default: KILDE_CORPUS_DIR, else ./corpus/articles or "
        "$XDG_DATA_HOME/kilde/articles, seeded with the shipped articles)",
    )
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS,
        help="show tracebacks and debug logs",
    )
    parser = _Parser(
        prog="kilde",
        description="Cited answers from Danish and Norwegian news articles.",
        parents=[common],
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"kilde.bot.cli.{name}")
        module.register(subparsers, common)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, object] = {}
    if getattr(args, "corpus", None) is not None:
        overrides["corpus_dir"] = args.corpus
    return load_settings(**overrides)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    args.debug = getattr(args, "debug", False)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request URL, and Bot API URLs hold the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        settings = _settings(args)
        status = int(args.run(args, settings))
        sys.stdout.flush()  # a closed pipe shows here, not at exit as "Exception ignored"
        return status
    except BrokenPipeError:
        return _reader_went_away()
    except (SettingsError, UsageError, CorpusFolderError) as error:
        if args.debug:
            raise
        print(f"kilde: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except KildeError as error:
        if args.debug:
            raise
        print(f"kilde: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as error:  # the contract: one line, a traceback only with --debug
        if args.debug:
            raise
        print(f"kilde: unexpected error ({type(error).__name__}: {error}); --debug shows where",
              file=sys.stderr)
        return EXIT_FAILURE


def _reader_went_away() -> int:
    """`kilde ask ... | head`: the reader closed the pipe, which is no error; end quietly."""
    # Point stdout at /dev/null so that the interpreter's last flush cannot fail again.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
