"""Rank passages for a question: BM25 candidates, re-scored, diversified, with the evidence.

BM25 (the index) finds candidates by the question's weighted tokens. Then each candidate is
re-scored by how much of the question it covers (its own words, and in part its neighbours' and
its article's: news paragraphs lean on the ones around them), by the period the question names,
and by variety across articles. The ranking comes with its `Evidence` (how much of the question
the best passage and article cover), from which retrieval.answerability decides whether Kilde
answers at all.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kilde.retrieval.index import Bm25Index
from kilde.retrieval.passages import PassageTable
from kilde.retrieval.query import Query

# Each constant was measured with `python -m benchmarks.quality` on every set of shared/eval at
# once (benchmarks/README.md has the table); "success@3" below is that table's.
CANDIDATES = 60  # BM25 candidates re-scored per question
DATE_MATCH_BOOST = 1.3  # a passage from the month or year the question names
# Further hits from an article already cited are damped, so an answer quotes several articles;
# 0.85 cost xquad and norquad 1-2 points of success@3 (one article answers there), 0.95 keeps
# them and still breaks near-ties towards another article.
SAME_ARTICLE_DAMPING = 0.95
PART_CREDIT = 0.5  # a passage with only a part of a compound mentions the concept in part
ARTICLE_SHARE = 0.25  # concepts the passage's article mentions elsewhere count a quarter
NEIGHBOUR_SHARE = 0.4  # the best neighbour's BM25 lends 40 % (off: norquad 0.80 → 0.77, dev 1.0 → 0.94)
# Coverage multiplies BM25 raised to this power: 1.5 against 1 lifts norquad 0.78 → 0.80 and
# xquad da-da 0.954 → 0.960; 0 (plain BM25 plus context) loses 1-4 points everywhere.
COVERAGE_EXPONENT = 1.5
NEIGHBOUR_CANDIDATES = 10  # the neighbours of the first ten candidates join the pool
DIVERSIFY_DEPTH = 30  # places chosen greedily for variety; the rest follow in score order
NEIGHBOUR_COVERAGE = 0.5  # concepts only a neighbour mentions count half
# A word only the sub-heading above a paragraph carries ("Russlands krav") is the section's
# setting, as a neighbour's words are: it counts half. Then the lists of Russia's demands rank
# above "the demands cannot be met" (whose own words never name Russia); extra MRR 0.879 →
# 0.891, dev nDCG@5 0.896 → 0.905, norquad MRR 0.764 → 0.766, the rest unchanged (0.25: the same
# but norquad MRR 0.769; 1, as before: the sub-heading's words were the paragraph's own).
HEADING_COVERAGE = 0.5
# A concept the corpus never uses weighs three quarters of the rarest possible word.
ABSENT_WORD_WEIGHT = 0.75


@dataclass(frozen=True, slots=True)
class Evidence:
    """How far the corpus answers a question: the inputs of the answerability score.

    Coverages are idf-weighted shares of the question's concepts (0 to 1).
    """

    passage: float  # the best candidate passage's own words
    article: float  # the best candidate article, anywhere in it
    corpus: float  # concepts that occur anywhere in the corpus
    missing_name: float  # share of the weight in names no article mentions
    concepts: int


@dataclass(frozen=True, slots=True)
class Ranking:
    """Ranked (passage ordinal, score) pairs, best first, and the evidence behind them."""

    hits: list[tuple[int, float]]
    evidence: Evidence | None  # None: nothing to weigh (no concept, or no candidate at all)


class Ranker:
    """Ranks the passages of one index for analysed questions."""

    def __init__(self, index: Bm25Index, passages: PassageTable) -> None:
        self._index = index
        self._passages = passages

    def idf(self, token: str) -> float:
        n = self._index.n_documents
        return math.log((n + 1) / (self._index.document_frequency(token) + 0.5))

    def _concept_weights(self, query: Query) -> tuple[list[float], list[bool]]:
        """How much each concept matters, and whether the corpus has it at all.

        A concept weighs the idf of its rarest token found in the corpus; a concept the corpus
        never uses weighs ABSENT_WORD_WEIGHT of the rarest possible word (it may just be
        phrased otherwise, or it is what makes the question off-topic).
        """
        rare = math.log((self._index.n_documents + 1) / 1.5)
        weights, found_any = [], []
        for concept in query.concepts:
            found = [self.idf(t) for t, _ in concept.tokens if self._index.document_frequency(t)]
            weights.append(max(found) if found else ABSENT_WORD_WEIGHT * rare)
            found_any.append(bool(found))
        return weights, found_any

    def _weighted_tokens(self, query: Query) -> list[tuple[str, float]]:
        """The query's tokens, a Danish or Norwegian question's concepts scaled so that the best
        token found in the corpus weighs 1.

        When the question's own word never occurs ("krever"), its synonyms ("krav") are all the
        corpus can match, and they stand in for it at full weight.
        """
        # In an English question every word is carried by translations alike; the imbalance is
        # in Danish and Norwegian questions, between own words (1.0) and synonyms (PIVOT_WEIGHT).
        if query.language == "en":
            return query.weighted_tokens()
        scales = []
        for concept in query.concepts:
            present = [w for t, w in concept.tokens if self._index.document_frequency(t)]
            scales.append(1.0 / max(present) if present else 1.0)
        return query.weighted_tokens(scales)

    def _neighbours(self, doc: int) -> list[int]:
        return self._passages.neighbours(doc)

    def _presence(self, query: Query, docs: list[int]) -> np.ndarray:
        """passages × concepts: how far each passage mentions each of the question's concepts,
        1 for the word itself (or a translation), HEADING_COVERAGE when only its sub-heading has
        it, PART_CREDIT for only a part of a compound, else 0. A last row of zeros stands for "no
        passage" (a missing neighbour)."""
        matrix = np.zeros((len(docs) + 1, len(query.concepts)), dtype=np.float64)
        own_terms = self._passages.own_terms(docs)  # a passage's first tokens are its own words'
        for column, concept in enumerate(query.concepts):
            whole = [t for t, _ in concept.tokens if t not in concept.parts]
            place = self._index.first_places(whole, docs)
            has_part = self._index.contains(sorted(concept.parts), docs)
            matrix[:-1, column] = np.where(
                (place >= 0) & (place < own_terms), 1.0,
                np.where(place >= 0, HEADING_COVERAGE, np.where(has_part, PART_CREDIT, 0.0)),
            )
        return matrix

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
            whole = [t for t, _ in concept.tokens if t not in concept.parts]
            present = self._index.contains(whole, everything)
            columns.append(np.maximum.reduceat(present.astype(np.float64), starts))
        per_article = {o: [float(c[i]) for c in columns] for i, o in enumerate(articles)}
        return {doc: per_article[ordinals[doc]] for doc in pool}

    @staticmethod
    def _evidence(
        query: Query,
        weights: np.ndarray,
        found: Sequence[bool],
        own: np.ndarray,
        article: np.ndarray,
    ) -> Evidence:
        """The evidence from the pool's presence matrices (passages × concepts)."""
        total = float(weights.sum())
        found_array = np.array(found, dtype=np.float64)
        names = np.array([c.is_name for c in query.concepts], dtype=np.float64)
        return Evidence(
            passage=float((own @ weights).max()) / total,
            article=float((article @ weights).max()) / total if len(article) else 0.0,
            corpus=float(found_array @ weights) / total,
            missing_name=float((names * (1.0 - found_array)) @ weights) / total,
            concepts=len(weights),
        )

    def rank(self, query: Query) -> Ranking:
        """Candidates by BM25, re-scored by coverage, context and date, then diversified.

        News paragraphs lean on their neighbours: a quote follows the paragraph naming its
        speaker, the outcome of a meeting follows the paragraph naming the place. So the
        neighbours of the best candidates join the pool, a passage gets a share of its best
        neighbour's score, and concepts only its neighbours mention count partly to its coverage.
        """
        if not query.concepts:
            return Ranking([], None)
        candidates = self._index.top_k(self._weighted_tokens(query), CANDIDATES)
        if not candidates:
            return Ranking([], None)
        weights, found = self._concept_weights(query)
        bm25 = dict(candidates)
        near = {doc: self._neighbours(doc) for doc in bm25}
        for doc, _ in candidates[:NEIGHBOUR_CANDIDATES]:
            for other in near[doc]:
                if other not in bm25:
                    bm25[other] = 0.0
                    near[other] = self._neighbours(other)
        pool = list(bm25)
        looked_at = sorted(set(pool).union(*near.values()))
        row = {doc: at for at, doc in enumerate(looked_at)}
        presence = self._presence(query, looked_at)
        in_article = self._article_presence(query, pool) if ARTICLE_SHARE else {}
        concepts = len(weights)
        # passages × concepts: own mentions, the best neighbour's, the article's
        own = presence[[row[doc] for doc in pool]]
        width = max((len(near[doc]) for doc in pool), default=0)
        nobody = len(looked_at)  # the zero row
        neighbour_rows = np.array(
            [[row[n] for n in near[doc]] + [nobody] * (width - len(near[doc])) for doc in pool],
            dtype=np.int64,
        ).reshape(len(pool), width)
        around = (presence[neighbour_rows].max(axis=1) if width
                  else np.zeros((len(pool), concepts)))
        article = (np.array([in_article[doc] for doc in pool], dtype=np.float64)
                   if in_article else np.zeros((len(pool), concepts)))
        weight_array = np.array(weights, dtype=np.float64)
        coverage = np.maximum(
            np.maximum(own, NEIGHBOUR_COVERAGE * around), ARTICLE_SHARE * article
        ) @ weight_array / weight_array.sum()
        context = np.array([max((bm25.get(n, 0.0) for n in near[doc]), default=0.0) for doc in pool])
        scores = (np.array([bm25[doc] for doc in pool]) + NEIGHBOUR_SHARE * context) * (
            coverage**COVERAGE_EXPONENT
        )
        if query.dates:
            dates = self._passages.article_dates(pool)
            boost = [DATE_MATCH_BOOST if query.dates.matches(dates[doc]) else 1.0 for doc in pool]
            scores = scores * np.array(boost)
        evidence = self._evidence(query, weight_array, found, own, article)
        scored = [(doc, float(score)) for doc, score in zip(pool, scores, strict=True) if score > 0]
        return Ranking(self._diversify(scored), evidence)

    def _diversify(self, scored: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """Greedy re-ranking that damps further hits from an article already cited.

        Only the first DIVERSIFY_DEPTH places are chosen greedily (that is all a reader pages
        through); the rest follow in score order, so the cost does not grow with the pool.
        """
        remaining = sorted(scored, key=lambda item: (-item[1], item[0]))
        if not remaining:
            return []
        docs = [doc for doc, _ in remaining]
        values = np.array([score for _, score in remaining], dtype=np.float64)
        articles = np.array(self._passages.article_ordinals(docs), dtype=np.int64)
        cited = np.zeros(int(articles.max()) + 1, dtype=np.int64)  # hits so far per article
        taken = np.zeros(len(docs), dtype=bool)
        picked: list[tuple[int, float]] = []
        for _ in range(min(DIVERSIFY_DEPTH, len(docs))):
            damped = np.where(taken, -1.0, values * SAME_ARTICLE_DAMPING ** cited[articles])
            best = int(np.argmax(damped))  # the first of equals: the better-ranked passage
            picked.append((docs[best], float(damped[best])))
            taken[best] = True
            cited[articles[best]] += 1
        return picked + [item for item, used in zip(remaining, taken, strict=True) if not used]
