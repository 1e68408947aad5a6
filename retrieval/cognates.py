"""English words the dictionaries miss, found in the corpus by their spelling.

Much of the vocabulary of news and reference text is shared between English and Danish or
Norwegian with a slightly different spelling ("pharmacist" / "farmaceut", "colonists" /
"kolonister", "spectrophotometric" / "spektrofotometrisk", "Geegen" / "Gegeen"). When none of an
English concept's tokens occurs in the corpus, the corpus's own terms that are spelled almost
the same stand in for it, at COGNATE_WEIGHT: a near-spelling is weaker evidence than a
dictionary translation.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace

from rapidfuzz import process
from rapidfuzz.distance import OSA

from kilde.retrieval.index import Bm25Index
from kilde.retrieval.query import Query, english_lemmas

COGNATE_WEIGHT = 0.5
MIN_LENGTH = 5  # shorter words have too many neighbours one letter away
MIN_SIMILARITY = 0.75  # 1 - edits (a swap of two letters is one) / length of the longer word
MAX_COGNATES = 2  # per concept

# English spellings that Danish and Norwegian write otherwise. A hard "c" is a "k" in most
# ("kolonist") but not all ("farmaceut") of them, so each form is tried with and without it.
_SPELLINGS = (("ph", "f"), ("th", "t"), ("qu", "kv"), ("ck", "k"), ("x", "ks"))


# A soft "c" (before e, i, y) is an "s" in Norwegian ("sivil", "farmasøyt"), and "-tion"
# "-sjon" ("nasjonal"); Danish keeps both ("civil", "national"), so these are extra forms.
_SOFT_C = re.compile(r"c(?=[eiy])")
_TION = re.compile(r"ti(?=on)")


def _respellings(word: str) -> list[str]:
    respelled = word
    for english, scandinavian in _SPELLINGS:
        respelled = respelled.replace(english, scandinavian)
    norwegian = _TION.sub("sj", _SOFT_C.sub("s", respelled)).replace("c", "k")
    return list(dict.fromkeys([word, respelled, respelled.replace("c", "k"), norwegian]))


# A word's frame: its initial and its first consonant after that. Vowels are what English and
# the Scandinavian languages spell differently most ("distillation" / "destillation": "ds").
_FRAMES = re.compile(r"^(.)[aeiouyæøåäöé]*([^\n]?)", re.MULTILINE)


def frame(word: str) -> str:
    match = _FRAMES.match(word)
    return match.group(1) + match.group(2) if match else ""


class Cognates:
    """The index's terms by their frame, to look up near-spellings of English words.

    Built once per index (in the engine's background warm-up); a lookup compares a word, in C,
    with the terms of its frame only: a few thousand at a million paragraphs.
    """

    def __init__(self, index: Bm25Index) -> None:
        self._index = index
        self._by_frame: dict[str, list[str]] = defaultdict(list)
        # In the index's own order, so that equal matches rank the same way every time.
        terms = [term for term in index.terms() if len(term) >= MIN_LENGTH and term.isalpha()]
        frames = _FRAMES.findall("\n".join(terms))  # one pass in C rather than a call per term
        for (initial, consonant), term in zip(frames, terms, strict=True):
            self._by_frame[initial + consonant].append(term)

    def of(self, word: str) -> list[str]:
        """Corpus terms spelled almost like the English word, best first."""
        best: dict[str, float] = {}
        for lemma in english_lemmas(word):
            for form in _respellings(lemma):
                if len(form) < MIN_LENGTH:
                    continue
                found = process.extract(
                    form, self._by_frame.get(frame(form), ()), scorer=OSA.normalized_similarity,
                    score_cutoff=MIN_SIMILARITY, limit=MAX_COGNATES,
                )
                for term, similarity, _ in found:
                    best[term] = max(similarity, best.get(term, 0.0))
        return sorted(best, key=lambda term: (-best[term], term))[:MAX_COGNATES]

    def extend(self, query: Query) -> Query:
        """An English query with cognates for each concept that no corpus term stands for."""
        if query.language != "en":
            return query
        concepts = tuple(
            concept if any(self._index.document_frequency(token) for token, _ in concept.tokens)
            else concept.also(self.of(concept.word), COGNATE_WEIGHT)
            for concept in query.concepts
        )
        return replace(query, concepts=concepts)

