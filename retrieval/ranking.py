"""Rank passages for a question: BM25 candidates, re-scored, checked for abstention, diversified.

BM25 (the index) finds candidates by the question's weighted tokens. Then each candidate is
re-scored by how much of the question it covers (its own words, and in part its neighbours' and
its article's: news paragraphs lean on the ones around them), by the period the question names,
and by variety across articles. Nothing is returned when no passage mentions enough of the
question: Kilde then says that nothing answers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from kilde.retrieval.index import Bm25Index
from kilde.retrieval.passages import PassageTable
from kilde.retrieval.query import Concept, Query

# Chosen by measurement on shared/eval/dev.json and checked on tests/fixtures/eval/extra.json.
CANDIDATES = 60
DATE_MATCH_BOOST = 1.3
SAME_ARTICLE_DAMPING = 0.85
MIN_COVERAGE = 0.4
MIN_CONCEPTS = 2
ON_TOPIC_CONCEPTS = 3
PART_CREDIT = 0.5
ARTICLE_SHARE = 0.25
NEIGHBOUR_SHARE = 0.4
COVERAGE_EXPONENT = 1.0
NEIGHBOUR_CANDIDATES = 10
DIVERSIFY_DEPTH = 30
NEIGHBOUR_COVERAGE = 0.5
ABSENT_WORD_WEIGHT = 0.75


class Ranker:
    """Ranks the passages of one index for analysed questions."""

    def __init__(self, index: Bm25Index, passages: PassageTable) -> None:
        self._index = index
        self._passages = passages

    def idf(self, token: str) -> float:
        n = self._index.n_documents
        return math.log((n + 1) / (self._index.document_frequency(token) + 0.5))

    def _concept_weights(self, query: Query) -> list[float] | None:
        """How much each concept matters for abstention; None when the question is off-corpus.

        A concept weighs the idf of its rarest token found in the corpus. A proper name that no
        article mentions ("Australia") means no article can answer. A common word the corpus
        never uses may just be phrased otherwise, so it weighs three quarters of a rare word.
        """
        rare = math.log((self._index.n_documents + 1) / 1.5)
        weights = []
        for concept in query.concepts:
            found = [self.idf(t) for t, _ in concept.tokens if self._index.document_frequency(t)]
            if not found and concept.is_name:
                return None
            weights.append(max(found) if found else ABSENT_WORD_WEIGHT * rare)
        return weights

    def _weighted_tokens(self, query: Query) -> list[tuple[str, float]]:
        """The query's tokens, a Danish or Norwegian question's concepts scaled so that the best
        token found in the corpus weighs 1.

        When the question's own word never occurs ("krever"), its synonyms ("krav") are all the
        corpus can match, and they stand in for it at full weight.
        """
        merged: dict[str, float] = {}
        # In an English question every word is carried by translations alike; the imbalance is
        # in Danish and Norwegian questions, between own words (1.0) and synonyms (PIVOT_WEIGHT).
        rescale = query.language != "en"
        for concept in query.concepts:
            present = [w for t, w in concept.tokens if self._index.document_frequency(t)]
            scale = 1.0 / max(present) if present and rescale else 1.0
            for token, weight in concept.tokens:
                merged[token] = merged.get(token, 0.0) + weight * scale
        return list(merged.items())

    def _neighbours(self, doc: int) -> list[int]:
        return self._passages.neighbours(doc)

    def _presence(self, query: Query, docs: list[int]) -> dict[int, list[float]]:
        """For each passage, how far it mentions each of the question's concepts: 1 for the
        word itself (or a translation), PART_CREDIT for only a part of a compound, else 0."""
        presence: dict[int, list[float]] = {doc: [] for doc in docs}
        for concept in query.concepts:
            whole = [(t, 1.0) for t, _ in concept.tokens if t not in concept.parts]
            part = [(t, 1.0) for t in concept.parts]
            full_scores = self._index.scores_for(whole, docs) if whole else [0.0] * len(docs)
            part_scores = self._index.scores_for(part, docs) if part else [0.0] * len(docs)
            for doc, full, partial in zip(docs, full_scores, part_scores, strict=True):
                presence[doc].append(1.0 if full > 0 else PART_CREDIT if partial > 0 else 0.0)
        return presence

    def _article_presence(self, query: Query, pool: list[int]) -> dict[int, list[float]]:
        """For each pooled passage, which concepts its article mentions anywhere.

        An answer paragraph seldom repeats the setting ("the meeting in Geneva") that the
        article gave a few paragraphs earlier.
        """
        ordinals = dict(zip(pool, self._passages.article_ordinals(pool), strict=True))
        articles = sorted(set(ordinals.values()))
        spans = [self._passages.article_passages(o) for o in articles]
        everything = np.concatenate([np.arange(r.start, r.stop) for r in spans])
        starts = np.cumsum([0] + [len(r) for r in spans[:-1]])
        columns = []
        for concept in query.concepts:
            whole = [(t, 1.0) for t, _ in concept.tokens if t not in concept.parts]
            present = (self._index.scores_for(whole, everything) > 0) if whole else np.zeros(len(everything), bool)
            columns.append(np.maximum.reduceat(present.astype(np.float64), starts))
        per_article = {o: [float(c[i]) for c in columns] for i, o in enumerate(articles)}
        return {doc: per_article[ordinals[doc]] for doc in pool}

    @staticmethod
    def _answers_enough(
        concepts: Sequence[Concept],
        presence: dict[int, list[float]],
        weights: Sequence[float],
        pool: list[int],
    ) -> bool:
        """Whether some passage mentions enough of the question to be an answer.

        Enough: two concepts when the question has two or more (a passage that shares one word
        with "What is the weather in Oslo tomorrow?" is about something else), and either
        MIN_COVERAGE of the idf-weighted concepts or ON_TOPIC_CONCEPTS of them (three shared
        concepts keep a question on topic whatever chatter surrounds it).
        """
        needed = min(MIN_CONCEPTS, len(weights))
        total = sum(weights)
        topical = [not concept.is_name for concept in concepts]
        for doc in pool:
            found = [value >= 1.0 for value in presence[doc]]
            covered = sum(w * value for w, value in zip(weights, presence[doc], strict=True))
            if any(topical) and not any(
                f and t for f, t in zip(found, topical, strict=True)
            ):
                continue  # names alone: "How old is Vladimir Putin?" is not about what he did
            if sum(found) >= needed and (
                covered >= MIN_COVERAGE * total or sum(found) >= ON_TOPIC_CONCEPTS
            ):
                return True
        return False

    def rank(self, query: Query) -> list[tuple[int, float]]:
        """Candidates by BM25, re-scored by coverage, context and date, then diversified.

        News paragraphs lean on their neighbours: a quote follows the paragraph naming its
        speaker, the outcome of a meeting follows the paragraph naming the place. So the
        neighbours of the best candidates join the pool, a passage gets a share of its best
        neighbour's score, and concepts only its neighbours mention count partly to its coverage.
        """
        candidates = self._index.top_k(self._weighted_tokens(query), CANDIDATES)
        weights = self._concept_weights(query) if candidates else None
        if weights is None:
            return []
        bm25 = dict(candidates)
        near = {doc: self._neighbours(doc) for doc in bm25}
        for doc, _ in candidates[:NEIGHBOUR_CANDIDATES]:
            for other in near[doc]:
                if other not in bm25:
                    bm25[other] = 0.0
                    near[other] = self._neighbours(other)
        pool = list(bm25)
        presence = self._presence(query, sorted(set(pool).union(*near.values())))
        in_article = self._article_presence(query, pool) if ARTICLE_SHARE else {}
        total = sum(weights)

        def coverage(doc: int, lent_share: float) -> float:
            own = presence[doc]
            around = [presence[n] for n in near[doc]]
            article = in_article.get(doc)
            return sum(
                weight * max(
                    own[i],
                    lent_share * max((n[i] for n in around), default=0.0),
                    ARTICLE_SHARE * article[i] if article else 0.0,
                )
                for i, weight in enumerate(weights)
            ) / total

        if not self._answers_enough(query.concepts, presence, weights, pool):
            return []
        dates = self._passages.article_dates(pool) if query.dates else {}
        scored = []
        for doc in pool:
            context = max((bm25.get(n, 0.0) for n in near[doc]), default=0.0)
            score = (bm25[doc] + NEIGHBOUR_SHARE * context) * coverage(
                doc, NEIGHBOUR_COVERAGE
            ) ** COVERAGE_EXPONENT
            if query.dates and query.dates.matches(dates[doc]):
                score *= DATE_MATCH_BOOST
            if score > 0:
                scored.append((doc, score))
        return self._diversify(scored)

    def _diversify(self, scored: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """Greedy re-ranking that damps further hits from an article already cited.

        Only the first DIVERSIFY_DEPTH places are chosen greedily (that is all a reader pages
        through); the rest follow in score order, so the cost does not grow with the pool.
        """
        remaining = sorted(scored, key=lambda item: (-item[1], item[0]))
        article_of = dict(zip((d for d, _ in remaining),
                              self._passages.article_ordinals([d for d, _ in remaining]), strict=True))
        picked: list[tuple[int, float]] = []
        per_article: dict[int, int] = {}
        while remaining and len(picked) < DIVERSIFY_DEPTH:
            best_at, best_score = 0, -1.0
            for at, (doc, score) in enumerate(remaining):
                damped = score * SAME_ARTICLE_DAMPING ** per_article.get(article_of[doc], 0)
                if damped > best_score:
                    best_at, best_score = at, damped
            doc, _ = remaining.pop(best_at)
            picked.append((doc, best_score))
            per_article[article_of[doc]] = per_article.get(article_of[doc], 0) + 1
        return picked + remaining
