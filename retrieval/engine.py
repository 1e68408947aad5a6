"""The answer engine: a question in, cited verbatim excerpts out (or an abstention).

corpus → passages (citable paragraphs, with their sub-heading's words) → BM25 index; a question →
weighted query (retrieval.query) → BM25 candidates → re-ranked for the period asked about and for
variety across articles → abstain unless the best passage covers enough of the question → excerpt
and citation per hit.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from corpus import Article, Corpus, Paragraph, ParagraphKind, load_corpus
from retrieval.analysis import Analyzer
from retrieval.answer import Answer, Hit
from retrieval.errors import EmptyCorpusError, IndexFormatError
from retrieval.fingerprint import corpus_fingerprint
from retrieval.store import IndexCache
from retrieval.excerpt import best_excerpt
from retrieval.index import Bm25Index
from retrieval.bridging import Bridge, compound_parts, fold_names
from retrieval.lexicon import load_lexicon
from retrieval.query import Query, QueryBuilder

logger = logging.getLogger(__name__)

CANDIDATES = 60
DATE_MATCH_BOOST = 1.3
SAME_ARTICLE_DAMPING = 0.75
MIN_COVERAGE = 0.3
NEIGHBOUR_SHARE = 0.3
ABSENT_WORD_WEIGHT = 0.5
BM25_VARIANT = "okapi"


@dataclass(frozen=True, slots=True)
class Passage:
    """One indexed paragraph: where it is, and the article it belongs to."""

    article: Article
    paragraph: Paragraph


def passages_of(corpus: Corpus) -> list[Passage]:
    """The citable paragraphs of a corpus, in corpus order."""
    return [
        Passage(article, paragraph)
        for article in corpus.articles
        for paragraph in article.paragraphs
        if paragraph.kind is ParagraphKind.BODY
    ]


def passage_tokens(analyzer: Analyzer, passage: Passage) -> list[str]:
    """What a passage is indexed by: its own words and those of the sub-heading above it."""
    language = passage.article.language
    tokens = analyzer.tokens(passage.paragraph.text, language)
    if passage.paragraph.heading:
        tokens += analyzer.tokens(passage.paragraph.heading, language)
    return tokens


def build_index(analyzer: Analyzer, passages: Sequence[Passage]) -> Bm25Index:
    """A fresh BM25 index over the passages, in their order."""
    return Bm25Index.build((passage_tokens(analyzer, p) for p in passages), variant=BM25_VARIANT)


def citation(article: Article, paragraph_number: int) -> str:
    """ "Title (YYYY-MM), ¶N", the way every front end names a source."""
    date = f" ({article.date})" if article.date else ""
    return f"{article.label}{date}, ¶{paragraph_number}"


class Engine:
    """Answers questions from one corpus."""

    def __init__(
        self,
        corpus: Corpus,
        *,
        analyzer: Analyzer | None = None,
        bridge: Bridge | None = None,
        index: Bm25Index | None = None,
        top_k: int = 3,
    ) -> None:
        self.corpus = corpus
        self.top_k = top_k
        self._analyzer = analyzer or Analyzer()
        self._passages = passages_of(corpus)
        if not self._passages:
            raise EmptyCorpusError(f"no citable articles in corpus folder {corpus.directory}")
        self._index = index or build_index(self._analyzer, self._passages)
        if self._index.n_documents != len(self._passages):
            raise IndexFormatError("the saved index does not match the corpus; run `kilde index`")
        self._queries = QueryBuilder(self._analyzer, bridge)

    @classmethod
    def open(cls, corpus_dir: Path, *, index_dir: Path | None = None, top_k: int = 3) -> Engine:
        """Load the corpus folder, and its saved index from `index_dir` (built when missing)."""
        fingerprint = corpus_fingerprint(corpus_dir, [f"variant={BM25_VARIANT}"])
        corpus = load_corpus(corpus_dir)
        for problem in corpus.problems:
            logger.warning("corpus: %s", problem)
        lexicon = load_lexicon()
        analyzer = Analyzer(canonical=fold_names(lexicon), compound_parts=compound_parts(lexicon))
        index = None
        passages = passages_of(corpus)
        if index_dir is not None and passages:
            index = IndexCache(index_dir).load_or_build(
                fingerprint, lambda: build_index(analyzer, passages)
            )
        return cls(corpus, analyzer=analyzer, bridge=Bridge(lexicon, analyzer), index=index, top_k=top_k)

    @property
    def passage_count(self) -> int:
        """How many citable paragraphs the index holds."""
        return len(self._passages)

    def ask(self, question: str, top_k: int | None = None, offset: int = 0) -> Answer:
        """The best `top_k` cited excerpts for a question, after skipping `offset` of them."""
        top_k = self.top_k if top_k is None else top_k
        query = self._queries.build(question)
        ranked = self._rank(query) if query.concepts else []
        hits = [self._hit(query, rank, doc, score) for rank, (doc, score) in enumerate(ranked, 1)]
        return Answer(question, query.language, tuple(hits[offset : offset + top_k]))

    # ranking ---------------------------------------------------------------------------------

    def _idf(self, token: str) -> float:
        n = self._index.n_documents
        return math.log((n + 1) / (self._index.document_frequency(token) + 0.5))

    def _concept_weights(self, query: Query) -> list[float] | None:
        """How much each concept matters for abstention; None when the question is off-corpus.

        A concept weighs the idf of its rarest token found in the corpus. A proper name that no
        article mentions ("Australia") means no article can answer. A common word the corpus
        never uses may just be phrased otherwise, so it weighs half a rare word.
        """
        rare = math.log((self._index.n_documents + 1) / 1.5)
        weights = []
        for concept in query.concepts:
            found = [self._idf(t) for t, _ in concept.tokens if self._index.document_frequency(t)]
            if not found and concept.is_name:
                return None
            weights.append(max(found) if found else ABSENT_WORD_WEIGHT * rare)
        return weights

    def _coverage(self, query: Query, weights: Sequence[float], tokens: set[str]) -> float:
        """The idf-weighted share of the question's concepts that a passage mentions."""
        covered = sum(
            weight
            for concept, weight in zip(query.concepts, weights, strict=True)
            if any(token in tokens for token, _ in concept.tokens)
        )
        return covered / sum(weights)

    def _rank(self, query: Query) -> list[tuple[int, float]]:
        candidates = self._index.top_k(query.weighted_tokens(), CANDIDATES)
        if not candidates:
            return []
        weights = self._concept_weights(query)
        if weights is None:
            return []
        best_coverage = max(
            self._coverage(query, weights, set(passage_tokens(self._analyzer, self._passages[d])))
            for d, _ in candidates[:10]
        )
        if best_coverage < MIN_COVERAGE:
            return []
        scores = dict(candidates)
        adjusted = []
        for doc, score in candidates:
            score += NEIGHBOUR_SHARE * max(self._neighbour_scores(doc, scores), default=0.0)
            if query.dates and query.dates.matches(self._passages[doc].article.date):
                score *= DATE_MATCH_BOOST
            adjusted.append((doc, score))
        return self._diversify(adjusted)

    def _neighbour_scores(self, doc: int, scores: dict[int, float]) -> list[float]:
        """Scores of the passages just before and after, in the same article.

        News paragraphs lean on their neighbours: the answer often follows the paragraph that
        names the place or the speaker ("The meeting in Geneva…" / "We agreed to…").
        """
        article = self._passages[doc].article
        out = []
        for other in (doc - 1, doc + 1):
            if 0 <= other < len(self._passages) and self._passages[other].article is article:
                out.append(scores.get(other, 0.0))
        return out

    def _diversify(self, scored: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """Greedy re-ranking that damps further hits from an article already cited."""
        remaining = sorted(scored, key=lambda item: (-item[1], item[0]))
        picked: list[tuple[int, float]] = []
        per_article: dict[str, int] = {}
        while remaining:
            def damped(item: tuple[int, float]) -> float:
                seen = per_article.get(self._passages[item[0]].article.id, 0)
                return item[1] * SAME_ARTICLE_DAMPING**seen

            best = max(remaining, key=lambda item: (damped(item), -item[0]))
            remaining.remove(best)
            picked.append((best[0], damped(best)))
            article_id = self._passages[best[0]].article.id
            per_article[article_id] = per_article.get(article_id, 0) + 1
        return picked

    # presentation ----------------------------------------------------------------------------

    def _hit(self, query: Query, rank: int, doc: int, score: float) -> Hit:
        passage = self._passages[doc]
        article, paragraph = passage.article, passage.paragraph
        weighted = dict(query.weighted_tokens())

        def sentence_score(sentence: str) -> float:
            tokens = set(self._analyzer.tokens(sentence, article.language))
            return sum(weighted[t] * self._idf(t) for t in tokens if t in weighted)

        return Hit(
            rank=rank,
            score=score,
            article_id=article.id,
            source=article.source,
            title=article.title,
            date=article.date,
            language=article.language,
            paragraph_number=paragraph.number,
            paragraph=paragraph.text,
            excerpt=best_excerpt(paragraph.text, sentence_score),
            citation=citation(article, paragraph.number),
            source_url=article.source_url,
        )
