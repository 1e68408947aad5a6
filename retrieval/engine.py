"""The answer engine: a question in, cited verbatim excerpts out (or an abstention).

corpus → passage table and BM25 index (a collection of segments saved under KILDE_INDEX_DIR
and kept in step with the corpus folder, retrieval.collection) → a question analysed into
weighted concepts (retrieval.query) → ranked, or abstained on (retrieval.ranking) → an excerpt
and a citation per hit.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import threading
import time
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path

from kilde.corpus import Corpus, load_corpus
from kilde.corpus.reader import check_corpus_folder
from kilde.retrieval.analysis import Analyzer
from kilde.retrieval.answer import Answer, Hit
from kilde.retrieval.answerability import MIN_ANSWERABILITY, answerability, threshold
from kilde.retrieval.bridging import Bridge
from kilde.retrieval.cognates import Cognates
from kilde.retrieval.collection import Collection
from kilde.retrieval.compounding import Compounds
from kilde.retrieval.errors import EmptyCorpusError
from kilde.retrieval.excerpt import best_excerpt
from kilde.retrieval.fingerprint import analysis_fingerprint
from kilde.retrieval.followup import continues_thread, follow_up_question
from kilde.retrieval.gloss import gloss_pairs
from kilde.retrieval.index import Bm25Index, Bm25Params
from kilde.retrieval.indexing import default_analysis, index_articles
from kilde.retrieval.passages import ArticleInfo, PassageTable, searched_part
from kilde.retrieval.query import Query, QueryBuilder
from kilde.retrieval.ranking import Evidence, Ranker

logger = logging.getLogger(__name__)

# One question per question language (English, Danish, Norwegian), for `warm_up`.
WARM_UP_QUESTIONS = (
    "What did the minister say about the new agreement?",
    "Hvad sagde ministeren om den nye aftale?",
    "Hva sa ministeren om den nye avtalen?",
)

# Measured on the dev set against BM25L and BM25Plus (see the README); part of the fingerprint.
BM25_VARIANT = "okapi"


def build_index(
    analyzer: Analyzer, corpus: Corpus, *, progress: bool = False
) -> tuple[Bm25Index, PassageTable]:
    """A fresh BM25 index over the corpus's citable paragraphs, and their passage table."""
    segment, passages = index_articles(corpus.articles, analyzer, progress=progress)
    return Bm25Index([(segment, None)], Bm25Params.of(BM25_VARIANT)), passages


def _new_first(ranked: list[tuple[int, float]], shown: frozenset[int]) -> list[tuple[int, float]]:
    """`ranked` with the passages in `shown` moved after all the others, each part in its
    order (their scores kept: a follow-up's hits are then not in falling score order)."""
    if not shown:
        return ranked
    return ([hit for hit in ranked if hit[0] not in shown]
            + [hit for hit in ranked if hit[0] in shown])


def citation(article: ArticleInfo, paragraph_number: int) -> str:
    """ "Title (Outlet, YYYY-MM), ¶N", the way every front end names a source (the outlet and
    the date where known)."""
    details = ", ".join(part for part in (article.outlet, article.date) if part)
    return f"{article.label}{f' ({details})' if details else ''}, ¶{paragraph_number}"


def _cache_folder(index_dir: Path, corpus_dir: Path) -> Path:
    """One sub-folder of the index folder per corpus folder, so corpora never evict each other."""
    key = hashlib.sha256(str(corpus_dir.resolve()).encode()).hexdigest()[:16]
    return index_dir / key


def _prune_siblings(folder: Path, keep: str) -> None:
    """Drop what other analysis settings or older formats left in the corpus's cache folder."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if entry.name != keep and entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)


def _read_corpus(corpus_dir: Path) -> Corpus:
    corpus = load_corpus(corpus_dir)
    for problem in corpus.problems:
        logger.warning("corpus: %s", problem)
    return corpus


class Engine:
    """Answers questions from one corpus."""

    def __init__(
        self,
        passages: PassageTable,
        index: Bm25Index,
        *,
        corpus_dir: Path,
        analyzer: Analyzer,
        bridge: Bridge | None = None,
        top_k: int = 3,
        corpus: Corpus | None = None,
        min_answerability: Mapping[str, float] = MIN_ANSWERABILITY,
    ) -> None:
        if not passages.live_passage_count():
            raise EmptyCorpusError(f"no citable articles in corpus folder {corpus_dir}")
        self.corpus_dir = corpus_dir
        self.collection: Collection | None = None  # the saved collection, when opened from one
        self.top_k = top_k
        self.min_answerability = dict(min_answerability)  # by question language
        self._passages = passages
        self._index = index
        self._ranker = Ranker(index, passages)
        self._analyzer = analyzer
        self._queries = QueryBuilder(analyzer, bridge)
        self._compounds = Compounds(index, bridge, analyzer) if bridge is not None else None
        self._corpus = corpus

    @classmethod
    def from_corpus(cls, corpus: Corpus, *, top_k: int = 3) -> Engine:
        """An engine over an already-read corpus, with its index built in memory."""
        analyzer, bridge = default_analysis()
        index, passages = build_index(analyzer, corpus)
        return cls(
            passages, index,
            corpus_dir=corpus.directory, analyzer=analyzer, bridge=bridge, top_k=top_k,
            corpus=corpus,
        )

    @classmethod
    def open(
        cls, corpus_dir: Path, *, index_dir: Path | None = None, top_k: int = 3,
        progress: bool = False, workers: int | None = None,
    ) -> Engine:
        """The engine over a corpus folder, from its saved collection under `index_dir`, kept in
        step with the folder (new and changed articles indexed, removed ones masked); without
        `index_dir`, or when it cannot be written, built in memory from the articles."""
        if index_dir is None:
            return cls.from_corpus(_read_corpus(corpus_dir), top_k=top_k)
        analyzer, bridge = default_analysis()
        folder = _cache_folder(index_dir, corpus_dir)
        key = analysis_fingerprint([f"variant={BM25_VARIANT}"])
        collection = Collection(folder / f"collection-{key}", Bm25Params.of(BM25_VARIANT))
        check_corpus_folder(corpus_dir)  # a missing corpus folder is the user's error, not the cache's
        try:
            snapshot = collection.sync(corpus_dir, progress=progress, workers=workers)
        except OSError as error:
            # A read-only or full disk costs this start a build in memory, never an answer.
            logger.warning("could not use the saved index in %s: %s", collection.folder, error)
            return cls.from_corpus(_read_corpus(corpus_dir), top_k=top_k)
        _prune_siblings(folder, keep=collection.folder.name)
        engine = cls(
            snapshot.passages, snapshot.index, corpus_dir=corpus_dir, analyzer=analyzer,
            bridge=bridge, top_k=top_k,
        )
        engine.collection = collection
        return engine

    def warm_up(self) -> None:
        """Answer a throwaway question in each question language, so that what a first
        question would load on its way is loaded now: the English lemmatizer's dictionary
        (about half a second, once per process), the cognates' table of the index's terms, the
        passage table's article bounds, this thread's score accumulator."""
        started = time.perf_counter()
        # and one the corpus surely answers: the opening words of its first passage
        opening = " ".join(self._passages.text(0).split()[:8])
        for question in (*WARM_UP_QUESTIONS, opening):
            self.ask(question)
        logger.debug("engine warmed up in %.2f s", time.perf_counter() - started)

    def start_background_work(self, *, merge: bool = True) -> threading.Thread:
        """In a daemon thread: have the OS read the saved index into its page cache, so that
        the first questions do not wait for the disk, then merge the saved collection's
        segments if there are too many (the next reload opens the merged one)."""
        thread = threading.Thread(target=self._background_work, args=(merge,),
                                  name="kilde-index-warm-up", daemon=True)
        thread.start()
        return thread

    def _background_work(self, merge: bool) -> None:
        try:
            if self.collection is not None:
                self.collection.prefetch()
            self._cognates.prepare()  # now rather than in the first question that needs it
            if merge and self.collection is not None and self.collection.needs_merge():
                self.collection.merge()
        except Exception:  # a background merge that fails leaves the collection as it was
            logger.warning("background index work failed", exc_info=True)

    @property
    def corpus(self) -> Corpus:
        """The corpus as read from its folder (read on first use: answering does not need it)."""
        if self._corpus is None:
            self._corpus = _read_corpus(self.corpus_dir)
        return self._corpus

    @cached_property
    def article_digests(self) -> dict[str, str]:
        """A content digest per article id (from the passage table, no file is read)."""
        return self._passages.article_digests()

    @property
    def passage_count(self) -> int:
        """How many citable paragraphs the index holds."""
        return self._passages.live_passage_count()

    @property
    def article_count(self) -> int:
        """How many articles the passages come from."""
        return self._passages.live_article_count()

    def ask(
        self, question: str, top_k: int | None = None, offset: int = 0, *,
        earlier: str | None = None,
    ) -> Answer:
        """The best `top_k` cited excerpts for a question, after skipping `offset` of them.

        With `earlier` (the question, as run, whose answer `question` replies to) a follow-up
        carries the earlier topic over; the answer's `question` is then the question run. A
        reply that continues the thread brings what is new first: the passages the earlier
        answer showed (its first page of `top_k`, asked again) rank after all the others,
        so a page at any `offset` of the same call pages consistently.
        """
        top_k = self.top_k if top_k is None else top_k
        reply = question
        if earlier:
            question = follow_up_question(reply, earlier)
        query, ranked, confidence = self._ranked(question)
        if ranked is None:
            return Answer(question, query.language, (), confidence)
        if earlier and continues_thread(reply, earlier):
            ranked = _new_first(ranked, self._shown_before(earlier, top_k))
        page = ranked[offset : offset + top_k]
        gains = self._gains(dict(query.weighted_tokens()))
        hits = [
            self._hit(query, gains, offset + i, doc, score)
            for i, (doc, score) in enumerate(page, 1)
        ]
        return Answer(question, query.language, tuple(hits), confidence)

    def _ranked(self, question: str) -> tuple[Query, list[tuple[int, float]] | None, float]:
        """The analysed question, its ranked (passage, score) hits (None when Kilde abstains),
        and its answerability."""
        query = self._query(question)
        ranking = self._ranker.rank(query)
        confidence = answerability(ranking.evidence)
        if confidence < threshold(query.language, self.min_answerability):
            return query, None, confidence
        return query, ranking.hits, confidence

    def _shown_before(self, earlier: str, top_k: int) -> frozenset[int]:
        """The passages (ordinals) the answer to `earlier`, as run, showed on its first page:
        asked again, as the bot's answers show `top_k` hits (none if it abstained)."""
        _, ranked, _ = self._ranked(earlier)
        return frozenset(doc for doc, _ in (ranked or [])[:top_k])

    def evidence(self, question: str) -> Evidence | None:
        """What the answerability score of a question is computed from (for calibration)."""
        return self._ranker.rank(self._query(question)).evidence

    def _query(self, question: str) -> Query:
        """The analysed question; its words no corpus term stands for are looked up by spelling."""
        query = self._queries.build(question, self._dated_years)
        if self._compounds is not None and query.language == "en":
            query = self._compounds.extend(query)
        # (the near-spellings' table is built only if a word has no corpus term: the first
        # question of a fresh `kilde ask` seldom pays its 0.3-0.6 s at a million paragraphs)
        return self._cognates.extend(query)

    @cached_property
    def _dated_years(self) -> frozenset[int]:
        """The years the articles are dated in (a question's other years are words to find)."""
        return self._passages.dated_years()

    @cached_property
    def _cognates(self) -> Cognates:
        return Cognates(self._index, self._analyzer)

    # presentation ----------------------------------------------------------------------------

    def _gains(self, weighted: dict[str, float]) -> dict[str, float]:
        """What each of the question's tokens adds to a sentence's score: weight × idf."""
        return {token: weight * self._ranker.idf(token) for token, weight in weighted.items()}

    def _hit(
        self, query: Query, gains: dict[str, float], rank: int, doc: int, score: float
    ) -> Hit:
        """One cited hit; `gains` is the question's tokens and what each adds to a sentence's
        score, for the excerpt, highlights and gloss."""
        passage = self._passages.passage(doc)
        article = passage.article

        def sentence_score(sentence: str) -> float:
            # Each token once, summed in the sentence's order: a set's order changes with the
            # hash seed, and so would the last bit of the sum and the excerpt a near-tie picks.
            tokens = dict.fromkeys(self._analyzer.tokens(sentence, article.language))
            return sum(gains[t] for t in tokens if t in gains)

        excerpt = best_excerpt(searched_part(passage.text), sentence_score)
        matched = self._analyzer.matching_spans(excerpt, article.language, gains.keys())
        highlights = tuple((start, end) for start, end, _ in matched)
        gloss: tuple[tuple[str, str], ...] = ()
        if query.language != article.language:
            gloss = gloss_pairs(
                ((excerpt[start:end], tokens) for start, end, tokens in matched),
                query.concepts, query.text,
            )

        return Hit(
            rank=rank,
            score=score,
            article_id=article.id,
            source=article.source,
            title=article.title,
            date=article.date,
            language=article.language,
            paragraph_number=passage.number,
            paragraph=passage.text,
            excerpt=excerpt,
            citation=citation(article, passage.number),
            source_url=article.source_url,
            highlights=highlights,
            gloss=gloss,
        )
