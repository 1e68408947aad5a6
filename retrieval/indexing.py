"""From article files to an index segment and its passage table, in parallel for many files.

Reading, classifying and analysing the articles is most of the work of a cold build (the
postings themselves are a few numpy passes), so a large build splits the files into runs, each
analysed by a worker process into a segment, and merges the segments in file order: the result
is exactly the one a single process would build.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kilde.corpus import Article, CorpusFileError, read_article
from kilde.corpus.model import CorpusProblem
from kilde.retrieval.analysis import Analyzer, TermCoder
from kilde.retrieval.bridging import Bridge, compound_parts, fold_names
from kilde.retrieval.index import Segment, merge_segments
from kilde.retrieval.index.segment import segment_of_counts
from kilde.retrieval.lexicon import load_lexicon
from kilde.retrieval.passages import PassageTable, citable_paragraphs, searched_part

logger = logging.getLogger(__name__)

PARALLEL_FROM = 2000  # files; below this, starting workers costs more than it saves
FILES_PER_TASK = 500


@cache
def default_analysis() -> tuple[Analyzer, Bridge]:
    """The analyzer and cross-language bridge built from the shipped lexicon (read once)."""
    lexicon = load_lexicon()
    analyzer = Analyzer(canonical=fold_names(lexicon), compound_parts=compound_parts(lexicon))
    return analyzer, Bridge(lexicon, analyzer)


def passage_tokens(analyzer: Analyzer, language: str, text: str, heading: str | None) -> list[str]:
    """What a passage is indexed by: its own words (of its searched part), then those of the
    sub-heading above it."""
    own, from_heading = _own_and_heading_tokens(analyzer, language, text, heading)
    return own + from_heading


def _own_and_heading_tokens(
    analyzer: Analyzer, language: str, text: str, heading: str | None
) -> tuple[list[str], list[str]]:
    own = analyzer.tokens(searched_part(text), language)
    return own, analyzer.tokens(heading, language) if heading else []


@cache
def _default_coder() -> TermCoder:
    return TermCoder(default_analysis()[0])


def index_articles(
    articles: Sequence[Article], analyzer: Analyzer, *, progress: bool = False,
    coder: TermCoder | None = None,
) -> tuple[Segment, PassageTable]:
    """The segment and passage table of these articles' citable paragraphs, in order: each
    passage indexed by `passage_tokens` (counted as ids of `coder`, one of `analyzer`'s own
    when not given).

    The table records how many distinct tokens each passage's own words give, so that ranking
    can tell a word the paragraph says from one only its sub-heading carries.
    """
    if coder is None:
        coder = TermCoder(analyzer)
    elif coder.analyzer is not analyzer:
        raise ValueError("the coder must be of the same analyzer")
    ids = coder.ids
    own_terms: list[int] = []

    def documents() -> Iterator[Counter[int]]:
        for _, article, _, text, heading in citable_paragraphs(articles):
            counts = Counter(ids(searched_part(text), article.language))
            own_terms.append(len(counts))
            if heading:
                counts.update(ids(heading, article.language))
            yield counts

    segment = segment_of_counts(documents(), coder.names, progress=progress)
    return segment, PassageTable.from_articles(articles, own_terms)


@dataclass(frozen=True)
class AnalysedFiles:
    """A run of article files as indexed: the article ordinal of each file (-1: unusable)."""

    segment: Segment
    passages: PassageTable
    ordinals: list[int]
    problems: list[CorpusProblem]


def analyse_files(directory: Path, names: Sequence[str]) -> AnalysedFiles:
    """Read, classify and analyse these article files of `directory` (one process)."""
    analyzer, _ = default_analysis()
    articles: list[Article] = []
    ordinals: list[int] = []
    problems: list[CorpusProblem] = []
    for name in names:
        path = directory / name
        try:
            article, notes = read_article(path)
        except CorpusFileError as error:
            problems.append(CorpusProblem(name, str(error).removeprefix(f"{name}: "), fatal=True))
            ordinals.append(-1)
            continue
        ordinals.append(len(articles))
        articles.append(article)
        problems.extend(notes)
    segment, passages = index_articles(articles, analyzer, coder=_default_coder())
    return AnalysedFiles(segment, passages, ordinals, problems)


def _merge(runs: Sequence[AnalysedFiles]) -> AnalysedFiles:
    if len(runs) == 1:
        return runs[0]
    segment = merge_segments([(run.segment, None) for run in runs])
    passages = PassageTable.merge([run.passages for run in runs], [None] * len(runs))
    ordinals: list[int] = []
    problems: list[CorpusProblem] = []
    base = 0
    for run in runs:
        ordinals.extend(o + base if o >= 0 else -1 for o in run.ordinals)
        base += len(run.passages.articles)
        problems.extend(run.problems)
    return AnalysedFiles(segment, passages, ordinals, problems)


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@contextmanager
def _progress(enabled: bool, total: int) -> Iterator:
    if not enabled:
        yield lambda done: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = [TextColumn("indexing articles"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("indexing", total=total)
        yield lambda done: bar.update(task, completed=done)


def analyse_folder(
    directory: Path, names: Sequence[str], *, workers: int | None = None, progress: bool = False
) -> AnalysedFiles:
    """`analyse_files` over many files, in runs on `workers` processes (default: every core),
    with a progress bar of files done when `progress` is set."""
    workers = default_workers() if workers is None else max(1, workers)
    runs = [list(names[i:i + FILES_PER_TASK]) for i in range(0, len(names), FILES_PER_TASK)] or [[]]
    with _progress(progress, len(names)) as show:
        if workers == 1 or len(names) < PARALLEL_FROM:
            results = []
            for run in runs:
                results.append(analyse_files(directory, run))
                show(sum(len(r.ordinals) for r in results))
        else:
            # forkserver: workers start from a clean process, whatever threads this one runs.
            context = multiprocessing.get_context("forkserver")
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                futures = [pool.submit(analyse_files, directory, run) for run in runs]
                results, done = [], 0
                for future in futures:  # in order: the merge must follow the file order
                    results.append(future.result())
                    done += len(results[-1].ordinals)
                    show(done)
    return _merge(results)
