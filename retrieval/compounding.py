"""English word pairs that Danish and Norwegian write as one word.

"sign language" is "tegnsprog", "national anthem" "nationalsang", "private school"
"privatskole": a two-word English term is one compound in the articles, and its parts' own
translations ("tegn", "sprog") never meet it as a whole (the index splits off a compound's head,
not its modifier). So for each pair of neighbouring content words of an English question, the
compounds of their translations (joined as they are, or with the linking "s" or "e") that the
corpus uses stand for both words, at COMPOUND_WEIGHT; and so do the one-word translations the
dictionaries give for the pair as a whole ("national anthem" → "nasjonalsang", where "anthem"
alone has none).
"""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise, product

from kilde.retrieval.analysis import Analyzer, normalize, words
from kilde.retrieval.bridging import Bridge
from kilde.retrieval.index import Bm25Index
from kilde.retrieval.languages import ARTICLE_LANGUAGES
from kilde.retrieval.query import Concept, Query, english_lemmas

COMPOUND_WEIGHT = 1.0
LINKS = ("", "s", "e")  # how Danish and Norwegian join a compound's parts
REMEMBERED_PAIRS = 10_000  # looked-up word pairs kept (the same questions come back)
MAX_TRANSLATIONS = 4  # per word and language, the dictionary's first (most common) ones


# Danish and Norwegian spell alike but for a few systematic differences; the one measured:
# Norwegian "-sjon" is Danish "-tion" (nasjon / nation, stasjon / station).
_OTHER_LANGUAGE = {"da": "no", "no": "da"}


def respelled(word: str, language: str) -> str:
    """A Danish or Norwegian word in `language`'s spelling of its "-tion" / "-sjon"."""
    return word.replace("sjon", "tion") if language == "da" else word.replace("tion", "sjon")


class Compounds:
    """Finds the corpus's compounds for neighbouring English words."""

    def __init__(self, index: Bm25Index, bridge: Bridge, analyzer: Analyzer) -> None:
        self._index = index
        self._bridge = bridge
        self._analyzer = analyzer
        self._found: dict[tuple[str, str, bool], list[str]] = {}  # word pair → compounds

    def _translations(self, word: str, language: str) -> list[str]:
        """The word's translations into `language`, as written, single words only."""
        found: list[str] = []
        for form in english_lemmas(word):
            found += self._bridge.english_words(form, language)[:MAX_TRANSLATIONS]
        return [normalize(w) for w in dict.fromkeys(found) if " " not in w]

    def _pair_translations(self, first: str, second: str, language: str) -> list[str]:
        """The dictionaries' one-word translations of the two words as one term, as written:
        into `language`, and into the other language in this one's spelling (a Danish and a
        Norwegian compound of the same parts are mostly one word: "nasjonalsang" is
        "nationalsang", and en-no.tsv knows twice the pairs en-da.tsv does)."""
        found: list[str] = []
        for form in english_lemmas(second):
            pair = f"{first} {form}"
            found += self._bridge.english_words(pair, language)
            found += [respelled(word, language) for word in self._bridge.english_words(
                pair, _OTHER_LANGUAGE[language])]
        return [normalize(w) for w in dict.fromkeys(found) if " " not in w and "-" not in w]

    def of(self, first: str, second: str, *, parts: bool = True) -> list[str]:
        """Index tokens, in the corpus, of the two English words as one term: the dictionaries'
        one-word translations of the pair and (with `parts`) the compounds of the words' own
        translations."""
        key = (first, second, parts)
        if key not in self._found:
            if len(self._found) >= REMEMBERED_PAIRS:
                self._found.clear()
            self._found[key] = self._look_up(first, second, parts)
        return self._found[key]

    def _look_up(self, first: str, second: str, parts: bool) -> list[str]:
        tokens: list[str] = []
        for language in ARTICLE_LANGUAGES:
            for whole in self._pair_translations(first, second, language):
                token = self._analyzer.stem(whole, language)
                if self._index.document_frequency(token):
                    tokens.append(token)
            if parts:
                tokens += self._compounds_of_parts(first, second, language)
        return list(dict.fromkeys(tokens))

    def _compounds_of_parts(self, first: str, second: str, language: str) -> list[str]:
        tokens: list[str] = []
        heads = self._translations(second, language)
        for modifier, link, head in product(self._translations(first, language) if heads else (),
                                            LINKS, heads):
            if link and modifier.endswith(link):
                continue
            token = self._analyzer.stem(modifier + link + head, language)
            # a stem that cuts into the modifier ("høj" + "e" + ...) is no compound
            if len(token) > len(modifier) + 1 and self._index.document_frequency(token):
                tokens.append(token)
        return tokens

    def _as_term(self, concept: Concept) -> Concept:
        """A two-word name ("Abdominal Cavity" in a headline) that the dictionaries know as one
        term, also looking for the term's one-word translations."""
        parts = concept.word.lower().split()
        if not concept.is_name or len(parts) != 2:
            return concept
        own = {token for token, _ in concept.tokens}
        found = [token for token in self.of(*parts, parts=False) if token not in own]
        return concept.also(found, COMPOUND_WEIGHT) if found else concept

    def extend(self, query: Query) -> Query:
        """An English query whose neighbouring words also look for their compounds."""
        if query.language != "en":
            return query
        position = {word: at for at, word in enumerate(words(query.text))}
        concepts = [self._as_term(concept) for concept in query.concepts]
        for at, (first, second) in enumerate(pairwise(query.concepts)):
            if not _neighbours(first, second, position):
                continue
            # A capitalised pair may be a name ("Super Bowl"), whose parts compound nothing;
            # but one the dictionaries know as a term ("National Anthem") is that term.
            names = first.is_name or second.is_name
            own = {token for concept in (first, second) for token, _ in concept.tokens}
            pair = self.of(first.word.lower(), second.word.lower(), parts=not names)
            found = [token for token in pair if token not in own]
            if found:
                concepts[at] = concepts[at].also(found, COMPOUND_WEIGHT)
                concepts[at + 1] = concepts[at + 1].also(found, COMPOUND_WEIGHT)
        return replace(query, concepts=tuple(concepts))


def _neighbours(first: Concept, second: Concept, position: dict[str, int]) -> bool:
    """Whether the two concepts are single words written one right after the other."""
    if first.word not in position or second.word not in position:
        return False
    return position[second.word] == position[first.word] + 1
