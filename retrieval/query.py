"""Turn a question into weighted index tokens, bridging English into Danish and Norwegian.

A question is a list of *concepts*, one per content word. Each concept carries the tokens that can
express it in the corpus: its own stems in Danish and Norwegian and, for English words, their
translations from the lexicon. The tokens of one concept share the concept's weight, so that a
word with ten translations counts no more than a word with one: expansion never drowns the
question's own words.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Protocol

from corpus.language import detect_language
from retrieval.analysis import Analyzer, normalize, normalize_keep_case, words
from retrieval.dates import DatePreference, find_date_preference

SCANDINAVIAN = ("da", "no")
MAX_QUESTION_WORDS = 64


class Translator(Protocol):
    """What query building needs of the bilingual lexicon."""

    def translate(self, word: str) -> dict[str, tuple[str, ...]]: ...


@dataclass(frozen=True, slots=True)
class Concept:
    """One content word of the question and the index tokens that can stand for it."""

    word: str
    tokens: tuple[tuple[str, float], ...]  # (token, share of the concept's weight)
    is_name: bool = False  # a proper name: if no article mentions it, none can answer


@dataclass(frozen=True, slots=True)
class Query:
    """A question analysed for retrieval."""

    text: str
    language: str
    concepts: tuple[Concept, ...]
    dates: DatePreference

    def weighted_tokens(self) -> list[tuple[str, float]]:
        """All (token, weight) pairs, the same token's weights added up."""
        merged: dict[str, float] = {}
        for concept in self.concepts:
            for token, weight in concept.tokens:
                merged[token] = merged.get(token, 0.0) + weight
        return list(merged.items())


_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-ZÆØÅÄÖ][\w-]*)", re.UNICODE)


def proper_names(question: str) -> set[str]:
    """Normalised words that are capitalised inside a sentence ("Australia", "NATO", "Peskov's")."""
    text = normalize_spaces(question)
    return {normalize(m.group(1)).split("'")[0] for m in _CAPITALISED.finditer(text)}


def normalize_spaces(text: str) -> str:
    return " ".join(normalize_keep_case(text).split())


def english_lemmas(word: str) -> list[str]:
    """The word and its likely dictionary forms ("demanded" → "demand", "talks" → "talk")."""
    forms = [word]
    for suffix, replacement in (
        ("'s", ""), ("ies", "y"), ("ied", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"),
        ("ing", ""), ("ing", "e"), ("ly", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            forms.append(word[: len(word) - len(suffix)] + replacement)
    if len(word) > 4 and word[-3:-2] == word[-4:-3] and word.endswith(("ed", "ing")):
        forms.append(word[: -3 if word.endswith("ed") else -4])  # "planned" → "plan"
    return list(dict.fromkeys(forms))


class QueryBuilder:
    """Builds `Query` objects with one analyzer and an optional English lexicon."""

    def __init__(self, analyzer: Analyzer, lexicon: Translator | None = None) -> None:
        self._analyzer = analyzer
        self._lexicon = lexicon

    def build(self, question: str) -> Query:
        language = detect_language(question, candidates=("en", "da", "no"))
        concepts: list[Concept] = []
        seen: set[str] = set()
        names = proper_names(question)
        for word in words(question)[:MAX_QUESTION_WORDS]:
            if word in seen:
                continue
            seen.add(word)
            concept = self._concept(word, language, is_name=word in names)
            if concept is not None:
                concepts.append(concept)
        return Query(question, language, tuple(concepts), find_date_preference(question))

    def _concept(self, word: str, language: str, *, is_name: bool) -> Concept | None:
        analyzer = self._analyzer
        if not is_name and any(analyzer.is_stop_word(word, lang) for lang in (language, *SCANDINAVIAN)):
            return None
        own: list[str] = []
        for target in SCANDINAVIAN:
            own.extend(analyzer.word_tokens(word, target))
        translated: list[str] = []
        if language == "en" and self._lexicon is not None and not word[0].isdigit():
            for form in english_lemmas(word):
                for target, targets in self._lexicon.translate(form).items():
                    for phrase in targets:
                        translated.extend(analyzer.tokens(phrase, target))
                if translated:
                    break
        own = list(dict.fromkeys(own))
        translated = [t for t in dict.fromkeys(translated) if t not in own]
        if not own and not translated:
            return None
        # The question's own word keeps full weight; translations share a damped weight.
        tokens = [(token, 1.0) for token in own]
        if translated:
            share = 1.0 / math.sqrt(len(translated))
            tokens.extend((token, share) for token in translated)
        return Concept(word, tuple(tokens), is_name)
