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
from collections.abc import Container, Sequence
from dataclasses import dataclass

from kilde.corpus.language import detect_language
from kilde.retrieval import stopwords
from kilde.retrieval.analysis import Analyzer, normalize, normalize_keep_case, words
from kilde.retrieval.bridging import Bridge
from kilde.retrieval.dates import MONTH_BY_NAME, DatePreference, find_date_preference
from kilde.retrieval.languages import ARTICLE_LANGUAGES, QUESTION_LANGUAGES

MAX_QUESTION_WORDS = 64
MAX_QUESTION_CHARS = 2000
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

    def also(self, tokens: Sequence[str], weight: float) -> Concept:
        """The concept, also looking for `tokens` (those it has not yet) at `weight`."""
        known = {token for token, _ in self.tokens}
        extra = tuple((token, weight) for token in tokens if token not in known)
        if not extra:
            return self
        return Concept(self.word, self.tokens + extra, self.is_name, self.parts)


@dataclass(frozen=True, slots=True)
class Query:
    """A question analysed for retrieval."""

    text: str
    language: str
    concepts: tuple[Concept, ...]
    dates: DatePreference

    def weighted_tokens(self, scales: Sequence[float] | None = None) -> list[tuple[str, float]]:
        """All (token, weight) pairs, each concept's weights times its scale (1 by default),
        the same token's weights added up, in order of first appearance."""
        merged: dict[str, float] = {}
        for at, concept in enumerate(self.concepts):
            scale = scales[at] if scales is not None else 1.0
            for token, weight in concept.tokens:
                merged[token] = merged.get(token, 0.0) + weight * scale
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


def normalize_spaces(text: str) -> str:
    return " ".join(normalize_keep_case(text).split())


def english_lemmas(word: str) -> list[str]:
    """The word and its dictionary form ("demanded" → "demand", "met" → "meet", "settlers" →
    "settler"), by simplemma's English lemmatizer; a possessive "'s" is dropped first."""
    # imported here: a Danish or Norwegian question never needs it (0.08 s of a fresh start)
    import simplemma

    word = word.removesuffix("'s").removesuffix("’s")
    return list(dict.fromkeys([word, simplemma.lemmatize(word, lang="en")]))


def _add_best(expansion: dict[str, float], tokens: dict[str, float]) -> None:
    """Merge translations into `expansion`, keeping each token's most reliable source."""
    for token, reliability in tokens.items():
        expansion[token] = max(expansion.get(token, 0.0), reliability)


class QueryBuilder:
    """Builds `Query` objects with one analyzer and, optionally, the cross-language bridge.

    A question goes through four steps: its language; the English glossary phrases in it
    ("defence ministry", one concept each); the period it names (a preference over article
    dates, not words to look for); then one concept per remaining content word, a full name
    ("Vladimir Putin") being one concept.
    """

    def __init__(self, analyzer: Analyzer, bridge: Bridge | None = None) -> None:
        self._analyzer = analyzer
        self._bridge = bridge

    def build(self, question: str, dated_years: Container[int] | None = None) -> Query:
        """The analysed question. A year it names is a period to prefer among the articles'
        dates; when no article is dated that year (`dated_years`: the years some article is
        dated; None: any year), it is a word to look for as well: "How many died in 1918?"
        asks about 1918, not about articles published then."""
        question = question[:MAX_QUESTION_CHARS]  # the rest of a 100,000-character paste is noise
        question_words = words(question)[:MAX_QUESTION_WORDS]
        language = self._language(question, question_words)
        seen: set[str] = set()
        concepts = self._phrase_concepts(question_words, seen) if language == "en" else []
        dates = find_date_preference(question)
        if dates.month is not None:
            seen.update(MONTH_BY_NAME)
        if dates.year is not None and (dated_years is None or dates.year in dated_years):
            seen.add(str(dates.year))
        concepts += self._word_concepts(question, question_words, language, seen)
        return Query(question, language, tuple(concepts), dates)

    def _language(self, question: str, question_words: list[str]) -> str:
        language = detect_language(question, candidates=QUESTION_LANGUAGES)
        if language == "en" and self._bridge is not None and not self._bridge.looks_english(question_words):
            # No English function word decided it ("Afviser Peskov, at Rusland vil angribe…"):
            # ask the lexicon which side knows more of the words.
            language = detect_language(question, candidates=ARTICLE_LANGUAGES)
        return language

    def _phrase_concepts(self, question_words: list[str], seen: set[str]) -> list[Concept]:
        """One concept per multi-word glossary phrase of an English question."""
        if self._bridge is None:
            return []
        concepts = []
        for phrase in self._bridge.phrases(" ".join(question_words)):
            concept = _concept(phrase, [], self._bridge.english(phrase), TRANSLATION_WEIGHT, is_name=False)
            if concept is not None:
                concepts.append(concept)
                seen.update(phrase.split())
        return concepts

    def _names(
        self, question: str, question_words: list[str], language: str
    ) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
        """The question's names (normalised → as written) and its full names by first word."""
        if self._bridge is not None and not any(c.isupper() for c in question):
            return self._lowercase_names(question_words, language)
        names = proper_names(question)
        if self._bridge is not None:
            names = {w: n for w, n in names.items() if not self._bridge.is_common_word(n)}
        full_names = {
            group[0]: group for group in full_name_groups(question) if all(w in names for w in group)
        }
        return names, full_names

    def _lowercase_names(
        self, question_words: list[str], language: str
    ) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
        """Names in a question typed without capitals ("where did blinken and lavrov meet"):
        the words the name list knows, except, in an English question, an English word that
        is another language's spelling of a name ("island", Danish for Iceland); a run of them
        is one full name ("olaf scholz")."""
        assert self._bridge is not None
        bridge = self._bridge
        names = {  # as if written with its capital, which is how the name list and stems see it
            word: word[:1].upper() + word[1:] for word in question_words
            if bridge.is_listed_name(word)
            and (language != "en" or bridge.is_english_name(word) or not bridge.is_english_word(word))
        }
        full_names: dict[str, tuple[str, ...]] = {}
        run: list[str] = []
        for word in [*question_words, ""]:
            if word in names:
                run.append(word)
                continue
            if len(run) > 1:
                full_names[run[0]] = tuple(run)
            run = []
        return names, full_names

    def _word_concepts(
        self, question: str, question_words: list[str], language: str, seen: set[str]
    ) -> list[Concept]:
        names, full_names = self._names(question, question_words, language)
        concepts = []
        for word in question_words:
            if word in seen:
                continue
            group = full_names.get(word, (word,))
            seen.update(group)
            parts = [self._concept(w, language, written_name=names.get(w)) for w in group]
            concept = _merge([part for part in parts if part is not None])
            # "Moscow" also looks for what the place stands for ("Russia")
            if concept is not None and len(group) == 1 and self._bridge is not None:
                concept = concept.also(self._bridge.stands_for(word), METONYM_WEIGHT)
            if concept is not None:
                concepts.append(concept)
        return concepts

    def _concept(self, word: str, language: str, *, written_name: str | None) -> Concept | None:
        """One word's concept: its own tokens, its other spellings when it is a name, and its
        translations (English) or synonyms (Danish, Norwegian) from the lexicon."""
        analyzer = self._analyzer
        is_name = written_name is not None
        if not is_name and any(
            analyzer.is_stop_word(word, lang) for lang in (language, *ARTICLE_LANGUAGES)
        ):
            return None
        own, parts = self._own_tokens(word)
        variants: list[str] = []
        if self._bridge is not None and written_name is not None:
            variants = [t for t in self._bridge.name_variants(written_name) if t not in own]
            own += variants
        if self._bridge is None or word[0].isdigit():
            return _concept(word, own, {}, TRANSLATION_WEIGHT, is_name=is_name, parts=parts)
        if language == "en":
            expansion = self._translations(word)
            return _concept(word, own, expansion, TRANSLATION_WEIGHT, is_name=is_name, parts=parts)
        # Every own stem (a Norwegian word's stem differs from the Danish one), but not the
        # other spellings of a name: "USA" is no "state" to pivot to "udtale".
        stems = [t for t in own if t not in variants and t not in self._name_stems(written_name)]
        expansion = self._synonyms(stems)
        return _concept(word, own, expansion, PIVOT_WEIGHT, is_name=is_name, parts=parts)

    def _own_tokens(self, word: str) -> tuple[list[str], list[str]]:
        """A word's stems in Danish and Norwegian (with verb forms Snowball keeps apart), and the
        known parts of its compounds."""
        per_language = [self._analyzer.word_parts(word, lang) for lang in ARTICLE_LANGUAGES]
        own = list(dict.fromkeys(t for whole, _ in per_language for t in whole))
        own += [t for t in self._analyzer.inflection_variants(word) if t not in own]
        parts = [t for _, heads in per_language for t in heads if t not in own]
        return own, parts

    def _translations(self, word: str) -> dict[str, float]:
        """Index tokens of an English word's translations, from each of its lemmas."""
        assert self._bridge is not None
        expansion: dict[str, float] = {}
        for form in english_lemmas(word):
            _add_best(expansion, self._bridge.english(form))
        return expansion

    def _synonyms(self, stems: list[str]) -> dict[str, float]:
        """Index tokens of the glossary synonyms, in both languages, of Danish/Norwegian stems."""
        assert self._bridge is not None
        expansion: dict[str, float] = {}
        for stem in stems:
            _add_best(expansion, self._bridge.pivot(stem))
        return expansion

    def _name_stems(self, written_name: str | None) -> set[str]:
        """Stems of the capitalised parts of a name: "Minsk" in "Minsk-avtalen" is no form of
        "minske" (to reduce), so names don't pivot."""
        return {
            self._analyzer.stem(normalize(part), lang)
            for part in re.split(r"[-‐‑–]", written_name or "")
            if part[:1].isupper()
            for lang in ARTICLE_LANGUAGES
        }


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
