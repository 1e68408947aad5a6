"""Bridge questions across languages with the lexicon: English into Danish and Norwegian,
Danish into Norwegian and back, and names into one spelling.

Three uses of `retrieval.lexicon`:
- `fold_names`: every spelling of a name (Kijev, Kiev, Kyiv) stems to one canonical token, on
  both the document and the question side, so no query expansion is needed for names.
- `compound_parts`: the stems of known Scandinavian words, so that long compounds are indexed by
  their head too ("sikkerhedsgaranti" → "garanti").
- `Bridge`: the index tokens an English word (or phrase) translates to, and, for a Danish or
  Norwegian word, the tokens of its synonyms in both languages through the curated glossary
  ("krever" → demand → "krav", "kræv").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from kilde.retrieval import stopwords
from kilde.retrieval.analysis import Analyzer, words
from kilde.retrieval.languages import ARTICLE_LANGUAGES, STEMMERS
from kilde.retrieval.lexicon import Lexicon

MAX_TRANSLATIONS = 6
MAX_PIVOT_WORDS = 3
METONYMS_FILE = Path(__file__).with_name("data") / "metonyms.tsv"
DICTIONARY_RELIABILITY = 0.4


def _single_words(phrases: Iterable[str]) -> Iterable[str]:
    for phrase in phrases:
        if " " not in phrase and "-" not in phrase:
            yield phrase


def read_metonyms(path: Path) -> dict[str, tuple[str, ...]]:
    """place → the names it stands for, from a `place<TAB>a|b` file (# starts a comment)."""
    table: dict[str, tuple[str, ...]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            place, _, targets = line.partition("\t")
            table[place.strip().lower()] = tuple(t.strip() for t in targets.split("|") if t.strip())
    return table


def fold_names(lexicon: Lexicon) -> dict[str, str]:
    """Stem (in every language) of every name variant → the group's canonical token."""
    plain = Analyzer()
    canonical: dict[str, str] = {}
    groups = set(lexicon.names.values())
    for group in sorted(groups):
        singles = [v for v in _single_words(group) if len(v) >= 3 and v.isalpha()]
        if len(singles) < 2:
            continue
        target = plain.stem(singles[0], "da")
        for variant in singles:
            for language in STEMMERS:
                canonical.setdefault(plain.stem(variant, language), target)
    return canonical


def compound_parts(lexicon: Lexicon, min_length: int = 5) -> frozenset[str]:
    """Stems of the Scandinavian words the lexicon knows, long enough to be compound parts."""
    plain = Analyzer()
    parts: set[str] = set()
    for translation in lexicon.glossary.values():
        for language in ARTICLE_LANGUAGES:
            for word in _single_words(translation.get(language, ())):
                stem = plain.stem(word, language)
                if len(stem) >= min_length:
                    parts.add(stem)
    # The dictionaries' words too: general vocabulary ("regnskog" → "skog") splits like news
    # vocabulary (measured: xquad en-no success@3 0.844 → 0.855, the other sets level).
    for language in ARTICLE_LANGUAGES:
        for targets in lexicon.dictionaries[language].values():
            for word in _single_words(targets.split("|")):
                if word.isalpha():
                    stem = plain.stem(word, language)
                    if len(stem) >= min_length:
                        parts.add(stem)
    return frozenset(parts)


class Bridge:
    """Cross-language expansion of question words into index tokens."""

    def __init__(self, lexicon: Lexicon, analyzer: Analyzer) -> None:
        self._lexicon = lexicon
        self._analyzer = analyzer
        self._metonyms = read_metonyms(METONYMS_FILE)
        # Scandinavian stem → English glossary keys it translates, for pivoting da ↔ no.
        self._pivot: dict[str, list[str]] = defaultdict(list)
        for english, translation in lexicon.glossary.items():
            for language in ARTICLE_LANGUAGES:
                for word in _single_words(translation.get(language, ())):
                    for token in analyzer.word_tokens(word, language)[:1]:
                        if english not in self._pivot[token]:
                            self._pivot[token].append(english)

    def english(self, phrase: str) -> dict[str, float]:
        """Index tokens of the Danish and Norwegian translations of an English word or phrase,
        each with its reliability: 1 for our curated glossary, less for the dictionaries."""
        curated = self._lexicon.glossary.get(" ".join(phrase.split()).lower(), {})
        translation = self._lexicon.translate(phrase)
        tokens: dict[str, float] = {}
        for language in ARTICLE_LANGUAGES:
            for target in translation.get(language, ())[:MAX_TRANSLATIONS]:
                reliability = 1.0 if target in curated.get(language, ()) else DICTIONARY_RELIABILITY
                for token in self._analyzer.tokens(target, language):
                    tokens[token] = max(tokens.get(token, 0.0), reliability)
        return tokens

    def pivot(self, token: str) -> dict[str, float]:
        """Tokens of the glossary synonyms, in both languages, of a Scandinavian index token."""
        tokens: dict[str, float] = {}
        for english in self._pivot.get(token, [])[:MAX_PIVOT_WORDS]:
            for other, reliability in self.english(english).items():
                if other != token:
                    tokens[other] = max(tokens.get(other, 0.0), reliability)
        return tokens

    def stands_for(self, name: str) -> list[str]:
        """Index tokens of what a place stands for in news writing ("Moscow" → Russia)."""
        tokens: list[str] = []
        for target in self._metonyms.get(name.lower(), ()):
            tokens.extend(self.name_variants(target))
        return list(dict.fromkeys(tokens))

    def name_variants(self, name: str) -> list[str]:
        """Index tokens of every spelling of a name as written in the question ("US" → "usa")."""
        tokens: list[str] = []
        for variant in self._lexicon.variants(name):
            for language in ARTICLE_LANGUAGES:
                tokens.extend(self._analyzer.tokens(variant, language))
        return list(dict.fromkeys(tokens))

    def looks_english(self, words: list[str]) -> bool:
        """Whether more of the words are English headwords than Danish or Norwegian words
        (stop words of either side count as evidence too)."""
        english = scandinavian = 0
        for word in words:
            if word in stopwords.ENGLISH or any(self._lexicon.translate(word).values()):
                english += 1
            if word in stopwords.SCANDINAVIAN or any(
                token in self._pivot for token in self._analyzer.word_tokens(word, "da")[:1]
            ) or any(token in self._pivot for token in self._analyzer.word_tokens(word, "no")[:1]):
                scandinavian += 1
        return english >= scandinavian

    def is_common_word(self, written: str) -> bool:
        """Whether a capitalised word, as written, is an ordinary English word ("QUICK") rather
        than a name ("US", "Russia")."""
        translation = self._lexicon.translate(written.lower())
        return any(translation.values()) and not self._lexicon.variants(written)

    def english_words(self, word: str, language: str) -> tuple[str, ...]:
        """An English word's translations into `language`, as written, the glossary's first."""
        return self._lexicon.translate(word).get(language, ())

    def is_listed_name(self, word: str) -> bool:
        """Whether the name list knows the word, in any case ("blinken", "kyiv")."""
        return bool(self._lexicon.variants(word))

    def is_english_name(self, word: str) -> bool:
        """Whether the word is a name's English spelling ("turkey", "brussels"), in any case."""
        variants = self._lexicon.variants(word)
        return bool(variants) and variants[0] == word.lower()

    def is_english_word(self, word: str) -> bool:
        """Whether the English dictionaries translate the word ("turkey", "island")."""
        return any(self._lexicon.translate(word).values())

    def phrases(self, question: str) -> list[str]:
        """Multi-word glossary phrases in an English question ("defence ministry")."""
        return [match.phrase for match in self._lexicon.find_phrases(words(question))]
