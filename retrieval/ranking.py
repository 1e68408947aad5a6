"""Rank passages for a question: BM25 candidates, re-scored, diversified, with the evidence.

BM25 (the index) finds candidates by the question's weighted tokens. Then each candidate is
re-scored by how much of the question it covers (its own words, and in part its neighbours' and
its article's: news paragraphs lean on the ones around them), by the period the question names,
and by variety across articles. The ranking comes with its `Evidence` (how much of the question
the best passage and article cover), from which retrieval.answerability decides whether Kilde
answers at all.
"""

from __future__ import annotations

import heapq
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

    def _presence(self, query: Query, pool: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Which of the question's concepts each passage of the pool's articles mentions.

        Returns the passages of those articles (ascending), passages × concepts (1 for the word
        itself or a translation, HEADING_COVERAGE when only its sub-heading has it, PART_CREDIT
        for only a part of a compound, else 0), and articles × concepts (1 where the article
        mentions the concept's word anywhere: an answer paragraph seldom repeats the setting,
        "the meeting in Geneva", that the article gave a few paragraphs earlier), with the row
        of each pooled passage's article.
        """
        articles, article_row = _distinct(self._passages.article_of[pool])
        starts, stops = self._passages.article_ranges(articles)
        lengths = stops - starts
        runs = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        everything = np.arange(int(lengths.sum()), dtype=np.int64) + np.repeat(starts - runs, lengths)
        # Each token once, over every passage of those articles (the pool and its neighbours
        # are among them): where it first appears in each (-1: nowhere).
        concepts = query.concepts
        tokens = list(dict.fromkeys(
            [t for c in concepts for t, _ in c.tokens] + [t for c in concepts for t in c.parts]))
        column = {token: at for at, token in enumerate(tokens)}
        places = self._index.range_places(tokens, starts, stops)
        nowhere = np.iinfo(np.int64).max
        places[places < 0] = nowhere
        # One more row, found nowhere: concepts × their tokens' rows, padded with it, gives
        # every concept's first place in every passage in one gather.
        places = np.vstack((places, np.full((1, places.shape[1]), nowhere)))
        first = places[_padded_rows(
            [[column[t] for t, _ in c.tokens if t not in c.parts] for c in concepts], len(tokens),
        )].min(axis=1)  # concepts × passages
        part = places[_padded_rows(
            [[column[t] for t in c.parts] for c in concepts], len(tokens),
        )].min(axis=1) != nowhere
        mentioned = first != nowhere
        own_terms = self._passages.own_terms(everything)  # a passage's first tokens are its own words'
        passages = np.ascontiguousarray(np.where(
            first < own_terms, 1.0,
            np.where(mentioned, HEADING_COVERAGE, np.where(part, PART_CREDIT, 0.0)),
        ).T)
        in_article = np.ascontiguousarray(mentioned.T, dtype=np.float64)
        in_article = np.maximum.reduceat(in_article, runs, axis=0)
        return everything, passages, in_article[article_row]

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
        first = np.fromiter(bm25, dtype=np.int64, count=len(bm25))
        first_before, first_after = self._passages.adjacent(first)
        near = np.column_stack((first_before, first_after))
        for other in near[:NEIGHBOUR_CANDIDATES].reshape(-1).tolist():
            if other >= 0 and other not in bm25:
                bm25[other] = 0.0
        pool = np.fromiter(bm25, dtype=np.int64, count=len(bm25))
        bm25_scores = np.fromiter(bm25.values(), dtype=np.float64, count=len(bm25))
        if len(pool) > len(first):
            near = np.vstack((near, np.column_stack(self._passages.adjacent(pool[len(first):]))))
        everything, presence, article = self._presence(query, pool)
        if not ARTICLE_SHARE:
            article = np.zeros_like(article)
        # passages × concepts: own mentions, the best neighbour's, the article's; a missing
        # neighbour is the extra zero row
        own_rows = np.searchsorted(everything, pool)
        own = presence[own_rows]
        missing = near < 0
        rows = np.where(missing, len(everything), np.searchsorted(everything, near))
        around = np.vstack((presence, np.zeros((1, len(weights)))))[rows].max(axis=1)
        weight_array = np.array(weights, dtype=np.float64)
        coverage = np.maximum(
            np.maximum(own, NEIGHBOUR_COVERAGE * around), ARTICLE_SHARE * article
        ) @ weight_array / weight_array.sum()
        # the best neighbour's BM25 (0 for one outside the pool), 0 without neighbours
        lent = np.zeros(len(everything) + 1)
        lent[own_rows] = bm25_scores
        context = np.where(missing.all(axis=1), 0.0,
                           np.where(missing, -np.inf, lent[rows]).max(axis=1))
        scores = (bm25_scores + NEIGHBOUR_SHARE * context) * (coverage**COVERAGE_EXPONENT)
        if query.dates:
            docs = pool.tolist()
            dates = self._passages.article_dates(docs)
            boost = [DATE_MATCH_BOOST if query.dates.matches(dates[doc]) else 1.0 for doc in docs]
            scores = scores * np.array(boost)
        evidence = self._evidence(query, weight_array, found, own, article)
        positive = scores > 0
        return Ranking(self._diversify(pool[positive], scores[positive]), evidence)

    def _diversify(self, docs: np.ndarray, scores: np.ndarray) -> list[tuple[int, float]]:
        """Greedy re-ranking that damps further hits from an article already cited.

        Only the first DIVERSIFY_DEPTH places are chosen greedily (that is all a reader pages
        through); the rest follow in score order, so the cost does not grow with the pool.
        Each step takes the best damped score (ties to the better-ranked passage); an
        article's best remaining passage is its first in score order, so a heap of one head
        per article finds it.
        """
        order = np.lexsort((docs, -scores))  # best first, ties to the lower ordinal
        ranked_docs = docs[order]
        ranked, values = ranked_docs.tolist(), scores[order].tolist()
        # Places grouped by article, best first within each: each article's head, and the
        # place that follows each place in its article (-1 for its last).
        articles = self._passages.article_of[ranked_docs]
        by_article = np.argsort(articles, kind="stable")
        grouped = articles[by_article]
        same = grouped[1:] == grouped[:-1]
        following = np.full(len(ranked), -1, dtype=np.int64)
        following[by_article[:-1][same]] = by_article[1:][same]
        heads = by_article[np.concatenate(([True], ~same))] if len(ranked) else by_article
        next_place = following.tolist()
        heap = [(-values[place], place, 0) for place in heads.tolist()]  # (-damped, place, cited)
        heapq.heapify(heap)
        taken = np.zeros(len(ranked), dtype=bool)
        picked: list[tuple[int, float]] = []
        while heap and len(picked) < DIVERSIFY_DEPTH:
            damped, place, cited = heapq.heappop(heap)
            picked.append((ranked[place], -damped))
            taken[place] = True
            after = next_place[place]
            if after >= 0:
                heapq.heappush(heap, (-(values[after] * _DAMPING[cited + 1]), after, cited + 1))
        return picked + [(ranked[place], values[place]) for place in np.flatnonzero(~taken).tolist()]


def _padded_rows(groups: list[list[int]], pad: int) -> np.ndarray:
    """Groups of row numbers as one table, one group per line, short lines padded with `pad`."""
    table = np.full((len(groups), max(1, *map(len, groups))), pad, dtype=np.intp)
    for line, rows in enumerate(groups):
        table[line, : len(rows)] = rows
    return table


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(values, return_inverse=True) for a short array, without its overhead."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    new = np.empty(len(ordered), dtype=bool)
    new[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    inverse = np.empty(len(values), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return ordered[new], inverse


# SAME_ARTICLE_DAMPING ** n as numpy computes it (the damping of an article's n+1-th hit)
_DAMPING = np.power(SAME_ARTICLE_DAMPING, np.arange(DIVERSIFY_DEPTH + 1, dtype=np.float64)).tolist()
