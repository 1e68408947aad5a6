"""`kilde corpus check`: list the articles and every problem found in the corpus files."""

from __future__ import annotations

import argparse

from kilde.bot.engine_loading import CorpusFolderError
from kilde.config import Settings
from kilde.corpus import CorpusError, load_corpus


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "corpus", parents=[common], help="inspect the corpus folder",
        description="Inspect the corpus folder.",
    )
    actions = parser.add_subparsers(dest="corpus_command", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check", parents=[common], help="list articles and problems in the corpus files"
    )
    check.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        corpus = load_corpus(settings.corpus_dir)
    except CorpusError as error:
        raise CorpusFolderError(str(error)) from None
    print(f"{corpus.directory}: {len(corpus.articles)} articles")
    for article in corpus.articles:
        citable = sum(p.kind.quoted for p in article.paragraphs)
        print(
            f"  {article.source}  {article.date or 'no date':7}  {article.language}  "
            f"{len(article.paragraphs):3} paragraphs ({citable} citable)  {article.label}"
        )
    if corpus.problems:
        print(f"{len(corpus.problems)} problems:")
        for problem in corpus.problems:
            print(f"  {problem}{' (skipped)' if problem.fatal else ''}")
    else:
        print("no problems found")
    return 1 if any(p.fatal for p in corpus.problems) else 0
