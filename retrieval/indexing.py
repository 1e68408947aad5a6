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
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from kilde.corpus import Article, CorpusFileError, read_article
from kilde.corpus.model import CorpusProblem
from kilde.retrieval.analysis import Analyzer, TermCoder
from kilde.retrieval.bridging import Bridge, compound_parts, fold_names
from kilde.retrieval.index import Segment
from kilde.retrieval.index.segment import segment_of_counts
from kilde.retrieval.lexicon import load_lexicon
from kilde.retrieval.passages import (
    ArticleInfo,
    PassageTable,
    citable_paragraphs,
    searched_part,
    write_blob,
)

logger = logging.getLogger(__name__)

# A build's temporary folder (the runs' postings and texts before the merge); a commit of the
# collection removes one left by a killed build (`Collection._prune`: hidden folders).
SPILL_PREFIX = ".build-"
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


class _RunMerger:
    """Runs merged in file order as they arrive, so that the process never holds them all:
    each run's vocabulary is merged at once and its postings and passage texts go to files in
    `spill` (a folder of the collection's, removed after the build or, if killed, by a later
    commit), leaving in memory only the small per-document arrays. `finish` then places each
    run's postings, read back from its file, into the merged arrays: the same segment and
    passage table as `merge_segments` and `PassageTable.merge` of the runs.
    """

    def __init__(self, spill: Path) -> None:
        self.spill = spill
        self.vocabulary: dict[str, int] = {}
        self.plans: list[tuple[np.ndarray, np.ndarray]] = []  # per run: merged id, df per term
        self.doc_lengths: list[np.ndarray] = []
        self.text = open(spill / "text.bin", "wb")  # noqa: SIM115 (closed by finish)
        self.text_lengths: list[np.ndarray] = []
        self.article_of: list[np.ndarray] = []
        self.number_of: list[np.ndarray] = []
        self.own_terms: list[np.ndarray] = []
        self.articles: list[ArticleInfo] = []
        self.ordinals: list[int] = []
        self.problems: list[CorpusProblem] = []

    def add(self, run: AnalysedFiles) -> None:
        segment, vocabulary = run.segment, self.vocabulary
        setdefault = vocabulary.setdefault
        # A run's terms are in order of first appearance: new ones get the next ids in turn.
        new_id = np.array([setdefault(term, len(vocabulary)) for term in segment.terms],
                          dtype=np.int64)
        self.plans.append((new_id, np.diff(segment.offsets)))
        np.save(self.spill / f"{len(self.plans)}.npy",
                np.stack([segment.docs, segment.tf, segment.rank]), allow_pickle=False)
        self.doc_lengths.append(np.asarray(segment.doc_lengths))
        text, offsets, article_of, number_of, own_terms = run.passages.columns()
        assert offsets[0] == 0 and offsets[-1] == len(text), "a run's table is its texts"
        write_blob(self.text, text)
        self.text_lengths.append(np.diff(offsets))
        base = len(self.articles)
        self.article_of.append(np.asarray(article_of) + base)
        self.number_of.append(np.asarray(number_of))
        self.own_terms.append(np.asarray(own_terms))
        self.articles.extend(run.passages.articles)
        self.ordinals.extend(o + base if o >= 0 else -1 for o in run.ordinals)
        self.problems.extend(run.problems)

    def finish(self) -> AnalysedFiles:
        self.text.close()
        counts = np.zeros(len(self.vocabulary), dtype=np.int64)
        for new_id, df in self.plans:
            counts[new_id] += df  # a term appears once per run: no repeats
        offsets = np.zeros(len(self.vocabulary) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        docs_out, tf_out, rank_out = (np.empty(int(offsets[-1]), dtype=np.int32) for _ in range(3))
        filled = offsets[:-1].copy()  # each term's next free place
        base = 0
        for number, ((new_id, df), lengths) in enumerate(zip(self.plans, self.doc_lengths,
                                                             strict=True), 1):
            docs, tf, rank = np.load(self.spill / f"{number}.npy", mmap_mode="r")
            # The run's postings come term by term, `df[t]` for its term t.
            destination = (np.repeat(filled[new_id] - (np.cumsum(df) - df), df)
                           + np.arange(len(docs), dtype=np.int64))
            docs_out[destination] = docs + np.int32(base)
            tf_out[destination] = tf
            rank_out[destination] = rank
            filled[new_id] += df
            base += len(lengths)
            del docs, tf, rank  # unmapped: its pages leave this process
        segment = Segment(list(self.vocabulary), offsets, docs_out, tf_out, rank_out,
                          _joined(self.doc_lengths, np.int32))
        size = (self.spill / "text.bin").stat().st_size
        text = (np.memmap(self.spill / "text.bin", dtype=np.uint8, mode="r").view(np.ndarray)
                if size else b"")
        lengths = _joined(self.text_lengths, np.int64)
        passages = PassageTable(
            self.articles, text, np.concatenate(([0], np.cumsum(lengths, dtype=np.int64))),
            _joined(self.article_of, np.int32), _joined(self.number_of, np.int32),
            _joined(self.own_terms, np.int32))
        return AnalysedFiles(segment, passages, self.ordinals, self.problems)


def _joined(arrays: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(arrays).astype(dtype) if arrays else np.zeros(0, dtype=dtype)


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
    directory: Path, names: Sequence[str], *, workers: int | None = None, progress: bool = False,
    spill_dir: Path | None = None, files_per_task: int = FILES_PER_TASK,
) -> AnalysedFiles:
    """`analyse_files` over many files, in runs on `workers` processes (default: every core),
    with a progress bar of files done when `progress` is set. The runs are merged as they come
    (`_RunMerger`), through a temporary folder in `spill_dir` (default: the system's)."""
    workers = default_workers() if workers is None else max(1, workers)
    step = max(1, files_per_task)
    runs = [list(names[i:i + step]) for i in range(0, len(names), step)] or [[]]
    if len(runs) == 1:
        return analyse_files(directory, runs[0])
    spill = Path(tempfile.mkdtemp(prefix=SPILL_PREFIX, dir=spill_dir))
    try:
        merger = _RunMerger(spill)
        with _progress(progress, len(names)) as show:
            done = 0
            for result in _analysed_runs(directory, runs, workers, len(names)):
                merger.add(result)  # in order: the merge must follow the file order
                done += len(result.ordinals)
                show(done)
        # (the merged texts stay mapped after their file is removed, until they are saved)
        return merger.finish()
    finally:
        shutil.rmtree(spill, ignore_errors=True)


def _analysed_runs(directory: Path, runs: list[list[str]], workers: int,
                   files: int) -> Iterator[AnalysedFiles]:
    if workers == 1 or files < PARALLEL_FROM:
        for run in runs:
            yield analyse_files(directory, run)
        return
    # forkserver: workers start from a clean process, whatever threads this one runs.
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(analyse_files, directory, run) for run in runs]
        for index, future in enumerate(futures):
            yield future.result()
            futures[index] = None  # type: ignore[call-overload]  # its result is merged: let it go
