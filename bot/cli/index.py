"""`kilde index`: build (or refresh) the saved index ahead of time."""

from __future__ import annotations

import argparse
import sys
import time

from kilde.bot.engine_loading import open_engine
from kilde.config import Settings


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "index", parents=[common], help="build or refresh the saved index",
        description="Build (or refresh) the saved index of the corpus, so that start-up only loads "
        "it, and merge its segments into one.",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    started = time.perf_counter()
    engine = open_engine(settings, progress=sys.stderr.isatty())
    if engine.collection is None:  # the engine fell back to an index in memory (warned above)
        print(f"kilde: could not save the index in {settings.index_dir}", file=sys.stderr)
        return 1
    if engine.collection.merge(everything=True):
        engine = open_engine(settings)  # one segment now: the fastest to answer from
    print(
        f"index of {engine.article_count} articles ({engine.passage_count} passages) ready in "
        f"{settings.index_dir} ({time.perf_counter() - started:.2f} s)"
    )
    return 0
