"""The answer engine: a question in, cited verbatim excerpts out (or an abstention).

corpus → passage table and BM25 index (saved under KILDE_INDEX_DIR, keyed by a fingerprint of
the corpus) → a question analysed into weighted concepts (retrieval.query) → ranked, or abstained
on (retrieval.ranking) → an excerpt and a citation per hit.
"""

from __future__ import annotations

import hashlib
import logging
from functools import cache, cached_property
from pathlib import Path

from kilde.corpus import Corpus, load_corpus
from kilde.retrieval.analysis import Analyzer, word_spans
from kilde.retrieval.answer import Answer, Hit
from kilde.retrieval.bridging import Bridge, compound_parts, fold_names
from kilde.retrieval.errors import EmptyCorpusError, IndexFormatError
from kilde.retrieval.excerpt import best_excerpt
from kilde.retrieval.fingerprint import corpus_fingerprint
from kilde.retrieval.followup import follow_up_question
from kilde.retrieval.gloss import gloss_pairs
from kilde.retrieval.index import Bm25Index
from kilde.retrieval.lexicon import load_lexicon
from kilde.retrieval.passages import ArticleInfo, PassageTable, citable_paragraphs
from kilde.retrieval.query import Query, QueryBuilder
from kilde.retrieval.ranking import Ranker
from kilde.retrieval.store import IndexCache

logger = logging.getLogger(__name__)

# Measured on the dev set against BM25L and BM25Plus (see the README); part of the fingerprint.
BM25_VARIANT = "okapi"


def passage_tokens(analyzer: Analyzer, language: str, text: str, heading: str | None) -> list[str]:
    """What a passage is indexed by: its own words and those of the sub-heading above it."""
    tokens = analyzer.tokens(text, language)
    if heading:
        tokens += analyzer.tokens(heading, language)
    return tokens


def build_index(analyzer: Analyzer, corpus: Corpus, *, progress: bool = False) -> Bm25Index:
    """A fresh BM25 index over the corpus's citable paragraphs, in passage-table order."""
    return Bm25Index.build(
        (
            passage_tokens(analyzer, article.language, text, heading)
            for _, article, _, text, heading in citable_paragraphs(corpus)
        ),
        variant=BM25_VARIANT,
        progress=progress,
    )


def citation(article: ArticleInfo, paragraph_number: int) -> str:
    """ "Title (YYYY-MM), ¶N", the way every front end names a source."""
    date = f" ({article.date})" if article.date else ""
    return f"{article.label}{date}, ¶{paragraph_number}"


@cache
def default_analysis() -> tuple[Analyzer, Bridge]:
    """The analyzer and cross-language bridge built from the shipped lexicon (read once)."""
    lexicon = load_lexicon()
    analyzer = Analyzer(canonical=fold_names(lexicon), compound_parts=compound_parts(lexicon))
    return analyzer, Bridge(lexicon, analyzer)


def _cache_folder(index_dir: Path, corpus_dir: Path) -> Path:
    """One sub-folder of the index folder per corpus folder, so corpora never evict each other."""
    key = hashlib.sha256(str(corpus_dir.resolve()).encode()).hexdigest()[:16]
    return index_dir / key


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
    ) -> None:
        if not len(passages):
            raise EmptyCorpusError(f"no citable articles in corpus folder {corpus_dir}")
        self.corpus_dir = corpus_dir
        self.top_k = top_k
        self._passages = passages
        self._index = index
        self._ranker = Ranker(index, passages)
        self._analyzer = analyzer
        self._queries = QueryBuilder(analyzer, bridge)
        self._corpus = corpus

    @classmethod
    def from_corpus(cls, corpus: Corpus, *, top_k: int = 3) -> Engine:
        """An engine over an already-read corpus, with its index built in memory."""
        analyzer, bridge = default_analysis()
        return cls(
            PassageTable.from_corpus(corpus), build_index(analyzer, corpus),
            corpus_dir=corpus.directory, analyzer=analyzer, bridge=bridge, top_k=top_k,
            corpus=corpus,
        )

    @classmethod
    def open(
        cls, corpus_dir: Path, *, index_dir: Path | None = None, top_k: int = 3,
        progress: bool = False,
    ) -> Engine:
        """The engine over a corpus folder: its saved index and passage table from `index_dir`
        when they match the folder, else read from the articles (and saved for next time)."""
        if index_dir is None:
            return cls.from_corpus(_read_corpus(corpus_dir), top_k=top_k)
        analyzer, bridge = default_analysis()
        fingerprint = corpus_fingerprint(corpus_dir, [f"variant={BM25_VARIANT}"])
        folder = _cache_folder(index_dir, corpus_dir)
        cache = IndexCache(folder)
        passages_folder = folder / f"{fingerprint}-passages"
        index = cache.load(fingerprint)
        passages: PassageTable | None = None
        if index is not None:
            try:
                passages = PassageTable.load(passages_folder)
            except IndexFormatError as error:
                logger.info("rebuilding the passage table: %s", error)
        corpus = None
        if index is None or passages is None or len(passages) != index.n_documents:
            corpus = _read_corpus(corpus_dir)
            passages = PassageTable.from_corpus(corpus)
            if not len(passages):
                raise EmptyCorpusError(f"no citable articles in corpus folder {corpus_dir}")
            index = cache.load_or_build(
                fingerprint, lambda: build_index(analyzer, corpus, progress=progress)
            )
            passages = cls._save_passages(passages, passages_folder)
            cache.prune(keep={fingerprint, passages_folder.name})
        return cls(
            passages, index, corpus_dir=corpus_dir, analyzer=analyzer, bridge=bridge,
            top_k=top_k, corpus=corpus,
        )

    @staticmethod
    def _save_passages(passages: PassageTable, folder: Path) -> PassageTable:
        try:
            passages.save(folder)
            return PassageTable.load(folder)
        except OSError as error:
            logger.warning("could not save the passage table to %s: %s", folder, error)
            return passages

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
        return len(self._passages)

    @property
    def article_count(self) -> int:
        """How many articles the passages come from."""
        return len(self._passages.articles)

    def ask(
        self, question: str, top_k: int | None = None, offset: int = 0, *,
        earlier: str | None = None,
    ) -> Answer:
        """The best `top_k` cited excerpts for a question, after skipping `offset` of them.

        With `earlier` (the question, as run, whose answer `question` replies to) a follow-up
        carries the earlier topic over; the answer's `question` is then the question run.
        """
        top_k = self.top_k if top_k is None else top_k
        if earlier:
            question = follow_up_question(question, earlier)
        query = self._queries.build(question)
        ranked = self._ranker.rank(query) if query.concepts else []
        page = ranked[offset : offset + top_k]
        weighted = dict(query.weighted_tokens())
        hits = [
            self._hit(query, weighted, offset + i, doc, score)
            for i, (doc, score) in enumerate(page, 1)
        ]
        return Answer(question, query.language, tuple(hits))

    # presentation ----------------------------------------------------------------------------

    def _hit(
        self, query: Query, weighted: dict[str, float], rank: int, doc: int, score: float
    ) -> Hit:
        """One cited hit; `weighted` is the question's tokens, for the excerpt, highlights and
        gloss."""
        passage = self._passages.passage(doc)
        article = passage.article

        def sentence_score(sentence: str) -> float:
            tokens = set(self._analyzer.tokens(sentence, article.language))
            return sum(weighted[t] * self._ranker.idf(t) for t in tokens if t in weighted)

        excerpt = best_excerpt(passage.text, sentence_score)
        spans = [
            (start, end, self._analyzer.word_tokens(word, article.language))
            for start, end, word in word_spans(excerpt)
        ]
        matched = [span for span in spans if any(t in weighted for t in span[2])]
        highlights = tuple((start, end) for start, end, _ in matched)
        gloss = ()
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
