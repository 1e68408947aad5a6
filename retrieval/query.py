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

import simplemma

from kilde.corpus.language import detect_language
from kilde.retrieval import stopwords
from kilde.retrieval.analysis import Analyzer, normalize, normalize_keep_case, words
from kilde.retrieval.bridging import Bridge
from kilde.retrieval.dates import MONTH_BY_NAME, DatePreference, find_date_preference

SCANDINAVIAN = ("da", "no")
MAX_QUESTION_WORDS = 64
TRANSLATION_WEIGHT = 1.0
PIVOT_WEIGHT = 0.5
PART_WEIGHT = 0.5
METONYM_WEIGHT = 0.5


@dataclass(frozen=True, slots=True)
class Concept:
    """One content word of the question and the index tokens that can stand for it."""

    word: str
    tokens: tuple[tuple[str, float], ...]  # (token, share of the concept's weight)
    is_name: bool = False  # a proper name: if no article mentions it, none can answer
    # tokens that are only parts of the word ("minist" of "forsvarsminister", "nato" of
    # "nato-sjefen"): a passage with nothing else mentions the concept only in part
    parts: frozenset[str] = frozenset()


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


def proper_names(question: str) -> dict[str, str]:
    """Words capitalised inside a sentence ("Australia", "NATO", "Peskov's"): normalised → as written."""
    text = normalize_spaces(question)
    names = {}
    for match in _CAPITALISED.finditer(text):
        written = match.group(1).split("'")[0].split("’")[0]
        word = normalize(written)
        # "Hey What did…": a capitalised question word is no name.
        if not any(word in stopwords.BY_LANGUAGE[language] for language in stopwords.BY_LANGUAGE):
            names[word] = written
    return names


_FULL_NAME = re.compile(r"[A-ZÆØÅÄÖ][\w-]+(?:[ \t]+[A-ZÆØÅÄÖ][\w-]+)+", re.UNICODE)


def full_name_groups(question: str) -> list[tuple[str, ...]]:
    """Runs of capitalised words ("Vladimir Putin", "Olaf Scholz"), normalised, as word groups."""
    text = normalize_spaces(question)
    return [tuple(words(match.group())) for match in _FULL_NAME.finditer(text)]


def _merge(parts: list[Concept]) -> Concept | None:
    """One concept for the words of one full name: "Vladimir Putin" is one thing asked about."""
    if len(parts) <= 1:
        return parts[0] if parts else None
    tokens: dict[str, float] = {}
    for part in parts:
        for token, weight in part.tokens:
            tokens[token] = max(tokens.get(token, 0.0), weight)
    pieces = frozenset().union(*(p.parts for p in parts))
    return Concept(" ".join(p.word for p in parts), tuple(tokens.items()), True, pieces)


def _with_stand_ins(concept: Concept, tokens: list[str]) -> Concept:
    """The concept, also looking (at METONYM_WEIGHT) for what a place stands for."""
    known = {token for token, _ in concept.tokens}
    extra = tuple((token, METONYM_WEIGHT) for token in tokens if token not in known)
    if not extra:
        return concept
    return Concept(concept.word, concept.tokens + extra, concept.is_name, concept.parts)


def normalize_spaces(text: str) -> str:
    return " ".join(normalize_keep_case(text).split())


def english_lemmas(word: str) -> list[str]:
    """The word and its dictionary form ("demanded" → "demand", "met" → "meet", "settlers" →
    "settler"), by simplemma's English lemmatizer; a possessive "'s" is dropped first."""
    word = word.removesuffix("'s").removesuffix("’s")
    return list(dict.fromkeys([word, simplemma.lemmatize(word, lang="en")]))


class QueryBuilder:
    """Builds `Query` objects with one analyzer and, optionally, the cross-language bridge."""

    def __init__(self, analyzer: Analyzer, bridge: Bridge | None = None) -> None:
        self._analyzer = analyzer
        self._bridge = bridge

    def build(self, question: str) -> Query:
        question_words = words(question)[:MAX_QUESTION_WORDS]
        language = detect_language(question, candidates=("en", "da", "no"))
        if language == "en" and self._bridge is not None and not self._bridge.looks_english(question_words):
            # No English function word decided it ("Afviser Peskov, at Rusland vil angribe…"):
            # ask the lexicon which side knows more of the words.
            language = detect_language(question, candidates=("da", "no"))
        concepts: list[Concept] = []
        seen: set[str] = set()
        if language == "en" and self._bridge is not None:
            for phrase in self._bridge.phrases(" ".join(question_words)):
                concept = _concept(
                    phrase, [], self._bridge.english(phrase), TRANSLATION_WEIGHT, is_name=False
                )
                if concept is not None:
                    concepts.append(concept)
                    seen.update(phrase.split())
        names = proper_names(question)
        if self._bridge is not None:
            names = {w: n for w, n in names.items() if not self._bridge.is_common_word(n)}
        full_names = {
            group[0]: group for group in full_name_groups(question) if all(w in names for w in group)
        }
        dates = find_date_preference(question)
        # The period asked about is a preference over article dates, not words to look for.
        if dates.month is not None:
            seen.update(MONTH_BY_NAME)
        if dates.year is not None:
            seen.add(str(dates.year))
        for word in question_words:
            if word in seen:
                continue
            group = full_names.get(word, (word,))
            seen.update(group)
            parts = [self._concept(w, language, written_name=names.get(w)) for w in group]
            concept = _merge([part for part in parts if part is not None])
            if concept is not None and len(group) == 1 and self._bridge is not None:
                concept = _with_stand_ins(concept, self._bridge.stands_for(word))
            if concept is not None:
                concepts.append(concept)
        return Query(question, language, tuple(concepts), dates)

    def _concept(self, word: str, language: str, *, written_name: str | None) -> Concept | None:
        analyzer = self._analyzer
        is_name = written_name is not None
        if not is_name and any(analyzer.is_stop_word(word, lang) for lang in (language, *SCANDINAVIAN)):
            return None
        per_language = [analyzer.word_parts(word, lang) for lang in SCANDINAVIAN]
        own = list(dict.fromkeys(t for whole, _ in per_language for t in whole))
        own += [t for t in analyzer.inflection_variants(word) if t not in own]
        parts = [t for _, heads in per_language for t in heads if t not in own]
        expansion: dict[str, float] = {}
        weight = TRANSLATION_WEIGHT
        variants: list[str] = []
        if self._bridge is not None and written_name is not None:
            variants = [t for t in self._bridge.name_variants(written_name) if t not in own]
            own += variants
        if self._bridge is not None and not word[0].isdigit():
            if language == "en":
                for form in english_lemmas(word):
                    for token, reliability in self._bridge.english(form).items():
                        expansion[token] = max(expansion.get(token, 0.0), reliability)
            else:
                weight = PIVOT_WEIGHT
                # "Minsk" in "Minsk-avtalen" is no form of "minske" (to reduce): names don't pivot.
                name_stems = {
                    analyzer.stem(normalize(part), lang)
                    for part in re.split(r"[-‐‑–]", written_name or "")
                    if part[:1].isupper()
                    for lang in SCANDINAVIAN
                }
                # Every own stem (a Norwegian word's stem differs from the Danish one), but not
                # the other spellings of a name: "USA" is no "state" to pivot to "udtale".
                for token in (t for t in own if t not in name_stems and t not in variants):
                    for synonym, reliability in self._bridge.pivot(token).items():
                        expansion[synonym] = max(expansion.get(synonym, 0.0), reliability)
        return _concept(word, own, expansion, weight, is_name=is_name, parts=parts)


def _concept(
    word: str,
    own: list[str],
    expansion: dict[str, float],
    weight: float,
    *,
    is_name: bool,
    parts: list[str] | None = None,
) -> Concept | None:
    """The question's own tokens at full weight, the parts of its compounds at PART_WEIGHT;
    expansions share a damped weight, the more reliable translations (the curated glossary's)
    getting the larger part."""
    parts = [t for t in dict.fromkeys(parts or []) if t not in own]
    expansion = {t: r for t, r in expansion.items() if t not in own and t not in parts}
    if not own and not expansion and not parts:
        return None
    tokens = [(token, 1.0) for token in own] + [(token, PART_WEIGHT) for token in parts]
    if expansion:
        norm = math.sqrt(sum(expansion.values()))
        tokens.extend((token, weight * r / norm) for token, r in expansion.items())
    return Concept(word, tuple(tokens), is_name, frozenset(parts))
