"""English words the dictionaries miss, found in the corpus by their spelling.

Much of the vocabulary of news and reference text is shared between English and Danish or
Norwegian with a slightly different spelling ("pharmacist" / "farmaceut", "colonists" /
"kolonister", "spectrophotometric" / "spektrofotometrisk", "Geegen" / "Gegeen"). When none of an
English concept's tokens occurs in the corpus, the corpus's own terms that are spelled almost
the same stand in for it, at COGNATE_WEIGHT: a near-spelling is weaker evidence than a
dictionary translation. A respelled form whose Danish or Norwegian stem is an index term is that
term ("clades" → "klade" → "klad", the stem of "klader").

A Danish or Norwegian question uses the articles' own language, so a word no article has is most
often a typo ("Ghandis", "Geegen") or another form of a word the articles derive
("septikæmi" / "septikæmiske"): the corpus's terms within TYPO_SIMILARITY of it stand in for it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from functools import cached_property

from rapidfuzz import process
from rapidfuzz.distance import OSA

from kilde.retrieval.analysis import Analyzer
from kilde.retrieval.index import Bm25Index
from kilde.retrieval.languages import ARTICLE_LANGUAGES
from kilde.retrieval.query import Query, english_lemmas

COGNATE_WEIGHT = 0.5
MIN_LENGTH = 5  # shorter words have too many neighbours one letter away
MIN_SIMILARITY = 0.75  # 1 - edits (a swap of two letters is one) / length of the longer word
# For a Danish or Norwegian word: one edit per five letters. Over every set (benchmarks.quality),
# xquad da-da success@3 0.952 -> 0.958 and answerable refused 11 -> 8, no-no 0.966 -> 0.969,
# the rest and every off-corpus abstention unchanged; 0.75 gained as much but answered 1-2 more
# questions about left-out articles per set, 0.85 gained only on no-no.
TYPO_SIMILARITY = 0.80
MAX_COGNATES = 2  # per concept

# English spellings that Danish and Norwegian write otherwise. A hard "c" is a "k" in most
# ("kolonist") but not all ("farmaceut") of them, so each form is tried with and without it.
_SPELLINGS = (("ph", "f"), ("th", "t"), ("qu", "kv"), ("ck", "k"), ("x", "ks"))


# A soft "c" (before e, i, y) is an "s" in Norwegian ("sivil", "farmasøyt"), and "-tion"
# "-sjon" ("nasjonal"); Danish keeps both ("civil", "national"), so these are extra forms.
_SOFT_C = re.compile(r"c(?=[eiy])")
_TION = re.compile(r"ti(?=on)")


# Endings that Danish and Norwegian spell with more than an edit's difference: "toxic" /
# "toksisk", "botanical" / "botanisk", "septicemia" / "septikæmi" (Danish), "septikemi".
# xquad en-da success@3 0.899 -> 0.903, answerable refused 4 -> 3; every other set unchanged.
_ENDINGS = {"ical": ("isk",), "ic": ("isk",), "emia": ("æmi", "emi")}
_ENDING = re.compile("(" + "|".join(_ENDINGS) + ")$")


def _respellings(word: str) -> list[str]:
    ending = _ENDING.search(word)
    bases = [word] + ([word[: ending.start()] + new for new in _ENDINGS[ending.group()]]
                      if ending else [])
    forms = []
    for base in bases:
        respelled = base
        for english, scandinavian in _SPELLINGS:
            respelled = respelled.replace(english, scandinavian)
        norwegian = _TION.sub("sj", _SOFT_C.sub("s", respelled)).replace("c", "k")
        forms += [base, respelled, respelled.replace("c", "k"), norwegian]
    return list(dict.fromkeys(forms))


# A word's frame: its initial and its first consonant after that. Vowels are what English and
# the Scandinavian languages spell differently most ("distillation" / "destillation": "ds").
_FRAMES = re.compile(r"^(.)[aeiouyæøåäöé]*([^\n]?)", re.MULTILINE)


def frame(word: str) -> str:
    match = _FRAMES.match(word)
    return match.group(1) + match.group(2) if match else ""


class Cognates:
    """The index's terms by their frame, to look up near-spellings of a question's words.

    The table is built once per index, by the first lookup or the engine's background warm-up
    (`prepare`); a lookup compares a word, in C, with the terms of its frame only: a few
    thousand at a million paragraphs.
    """

    def __init__(self, index: Bm25Index, analyzer: Analyzer) -> None:
        self._index = index
        self._analyzer = analyzer

    def prepare(self) -> None:
        """Build the table now rather than in the first question that needs it."""
        self._by_frame  # noqa: B018

    @cached_property
    def _by_frame(self) -> dict[str, list[str]]:
        by_frame: dict[str, list[str]] = defaultdict(list)
        # In the index's own order, so that equal matches rank the same way every time.
        terms = [term for term in self._index.terms() if len(term) >= MIN_LENGTH and term.isalpha()]
        frames = _FRAMES.findall("\n".join(terms))  # one pass in C rather than a call per term
        for (initial, consonant), term in zip(frames, terms, strict=True):
            by_frame[initial + consonant].append(term)
        return by_frame

    def of(self, word: str, language: str = "en") -> list[str]:
        """Corpus terms spelled almost like the word, best first: for an English word its
        dictionary forms in Danish and Norwegian spellings, otherwise the word as written."""
        forms = [word.lower()]
        cutoff = TYPO_SIMILARITY
        if language == "en":
            forms = [form for lemma in english_lemmas(word) for form in _respellings(lemma)]
            cutoff = MIN_SIMILARITY
        best: dict[str, float] = {}
        for form in forms:
            if len(form) < MIN_LENGTH:
                continue
            if language == "en":
                best.update(dict.fromkeys(self._stemmed_terms(form), 1.0))
            found = process.extract(
                form, self._by_frame.get(frame(form), ()), scorer=OSA.normalized_similarity,
                score_cutoff=cutoff, limit=MAX_COGNATES,
            )
            for term, similarity, _ in found:
                best[term] = max(similarity, best.get(term, 0.0))
        return sorted(best, key=lambda term: (-best[term], term))[:MAX_COGNATES]

    def _stemmed_terms(self, form: str) -> list[str]:
        """The form stemmed as a Danish and a Norwegian word, where that is an index term: a
        near-spelling on the index's own terms ("klade" is the stem "klad" of "klader", four
        letters, too short for the table, and a letter off the form as written)."""
        stems = {self._analyzer.stem(form, language) for language in ARTICLE_LANGUAGES}
        return sorted(stem for stem in stems
                      if len(stem) >= MIN_LENGTH - 1 and self._index.document_frequency(stem))

    def extend(self, query: Query) -> Query:
        """The query with near-spellings for each concept that no corpus term stands for."""
        concepts = tuple(
            concept if any(self._index.document_frequency(token) for token, _ in concept.tokens)
            else concept.also(self.of(concept.word, query.language), COGNATE_WEIGHT)
            for concept in query.concepts
        )
        return replace(query, concepts=concepts)

