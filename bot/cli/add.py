"""`kilde add URL_OR_FILE ...`: add articles to the corpus folder, one line of report per argument.

Every argument is tried whatever happened to the ones before. Added articles and duplicates are
reported on stdout, failures on stderr (one line naming the argument); the exit status is 1 when
any argument failed. A duplicate is not a failure: the article is in the corpus, as asked.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kilde.bot.cli.errors import UsageError
from kilde.config import Settings
from kilde.corpus.ingest.errors import DuplicateError, IngestError

if TYPE_CHECKING:
    from kilde.corpus.ingest.add import AddedArticle
    from kilde.corpus.ingest.fetch import FetchLimits

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "add", parents=[common], help="add articles from web pages or text files",
        description="Add news articles to the corpus folder: a URL is fetched and its article "
        "text extracted; a file in the corpus format is checked and copied in.",
    )
    parser.add_argument("sources", nargs="+", metavar="URL_OR_FILE",
                        help="http(s) address of a news article, or an article text file")
    parser.add_argument("--date", metavar="YYYY-MM",
                        help="publication month for an article whose page or file has none")
    parser.add_argument("--timeout", type=float, default=20.0, metavar="SECONDS",
                        help="network timeout per step (default 20); the whole fetch, from connecting "
                        "to the last byte, gets 3x")
    parser.add_argument("--max-size", type=float, default=5.0, metavar="MB",
                        help="largest page (as received and once decompressed) or file accepted, "
                        "in megabytes (default 5)")
    parser.add_argument("--json", action="store_true", help="report one JSON object per argument")
    parser.set_defaults(run=run)


def _describe(added: AddedArticle) -> str:
    title = f"«{added.title}»" if added.title else "(no title)"
    date = added.date or "no date"
    count = f"{added.paragraphs} paragraph{'s' if added.paragraphs != 1 else ''}"
    return f"added {added.id} {title} ({date}, {count}) from {added.source}"


def _limits(args: argparse.Namespace) -> FetchLimits:
    from kilde.corpus.ingest.fetch import FetchLimits

    if not args.timeout > 0:
        raise UsageError(f"--timeout must be positive, got {args.timeout:g}")
    if not args.max_size > 0:
        raise UsageError(f"--max-size must be positive, got {args.max_size:g}")
    return FetchLimits(
        timeout=args.timeout,
        total_timeout=3 * args.timeout,
        max_bytes=int(args.max_size * 1024 * 1024),
    )


def _emit(
    args: argparse.Namespace, argument: str, status: str, line: str, **fields: object
) -> None:
    """One report line: JSON on stdout with --json, else text (failures on stderr)."""
    if args.json:
        record = {"argument": argument, "status": status, **fields}
        print(json.dumps(record, ensure_ascii=False), flush=True)
    else:
        print(line, file=sys.stderr if status == "failed" else sys.stdout, flush=True)


def run(args: argparse.Namespace, settings: Settings) -> int:
    # Imported here: the fetching and URL libraries cost every other command ~0.15 s at start.
    from kilde.corpus.ingest.add import add_file, add_url, open_corpus
    from kilde.corpus.ingest.urls import is_url
    from kilde.corpus.ingest.writer import is_month

    if args.date is not None and not is_month(args.date):
        raise UsageError(f"--date must be YYYY-MM, got {args.date!r}")
    limits = _limits(args)
    # An unwritable folder stops everything here, before anything is fetched: one line, exit 1.
    catalog = open_corpus(settings.corpus_dir)
    failed = False
    for argument in args.sources:
        try:
            if is_url(argument):
                added = add_url(argument, catalog, limits, date=args.date)
            else:
                added = add_file(
                    Path(argument), catalog, date=args.date, max_bytes=limits.max_bytes
                )
        except DuplicateError as duplicate:
            _emit(args, argument, "duplicate", f"skipped {argument}: {duplicate}",
                  id=duplicate.existing_id, message=str(duplicate))
            continue
        except IngestError as error:
            failed = True
            _emit(args, argument, "failed", f"skipped {argument}: {error}", message=str(error))
            continue
        except Exception as error:
            if args.debug:
                raise
            logger.debug("unexpected error adding %s", argument, exc_info=True)
            failed = True
            _emit(args, argument, "failed",
                  f"skipped {argument}: unexpected error ({type(error).__name__}: {error})",
                  message=str(error))
            continue
        for warning in added.warnings:
            if not args.json:
                print(f"warning: {argument}: {warning}", file=sys.stderr, flush=True)
        _emit(args, argument, "added", _describe(added), id=added.id, file=added.path.name,
              title=added.title, date=added.date, language=added.language,
              paragraphs=added.paragraphs, source=added.source, warnings=list(added.warnings))
    return 1 if failed else 0
