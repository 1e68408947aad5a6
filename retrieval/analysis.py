"""Text analysis shared by documents and questions: one analyzer, so both sides meet.

Pipeline: Unicode normalisation (NFKC, lower case, invisible characters dropped) → words, with
numbers such as "100.000" joined and hyphenated compounds ("Nato-generalsekretær") kept whole and
split into their parts → stop words dropped → Snowball stem of the text's language → names folded
to one spelling (Ukraina/Ukraine, Kijev/Kyiv) → long compounds also indexed by their known parts.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from collections.abc import Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import chain, compress

import Stemmer

from kilde.retrieval import stopwords
from kilde.retrieval.languages import STEMMERS

_INVISIBLE = dict.fromkeys(map(ord, (
    "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060"  # soft hyphen, zero-widths, word joiner
    "\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u202e"  # bidirectional controls
    "\ufeff"  # byte-order mark
)))
_TOKEN = re.compile(
    r"\d{1,3}(?:[.\u00a0\u202f ]\d{3})+(?![\d])"  # 100.000, 100 000
    r"|\d+(?:[.,]\d+)?"
    r"|[^\W\d_]+(?:[-‐‑–][^\W\d_]+)*",
    re.UNICODE,
)
# Searching for them is ten times faster than `str.translate` on text that has none (most).
_INVISIBLE_CHARS = re.compile("[" + "".join(map(chr, _INVISIBLE)) + "]")
_HYPHENS = re.compile(r"[-‐‑–]")
_NUMBER_GROUPING = re.compile(r"[.\u00a0\u202f ]")

MAX_WORD_CHARS = 80  # longer "words" (a run of junk) index as nothing
_MEMO_LIMIT = 500_000  # words remembered per memo (about 100 MB at most)
# the analyzer's memo per language: the articles' two languages within one memo's bound
_WORDS_PER_LANGUAGE = _MEMO_LIMIT // 2
_VERB_ENDINGS = ("edes", "ede", "tes", "des", "te", "de", "es")


def normalize_keep_case(text: str) -> str:
    """NFKC with invisible and direction-control characters removed."""
    text = unicodedata.normalize("NFKC", text)
    return text.translate(_INVISIBLE) if _INVISIBLE_CHARS.search(text) else text


def normalize(text: str) -> str:
    """NFKC, lower case, invisible and direction-control characters removed."""
    return normalize_keep_case(text).lower()


def words(text: str) -> list[str]:
    """The normalised surface words of a text, compounds whole ("nato-generalsekretær")."""
    return [word for _, _, word in word_spans(normalize(text))]


def word_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, normalised word) of each word of `text`, offsets into `text` itself."""
    return [(match.start(), match.end(), _normal_word(match.group()))
            for match in _TOKEN.finditer(text)]


@lru_cache(maxsize=200_000)
def _normal_word(matched: str) -> str:
    word = normalize(matched)
    if word[0].isdigit():
        word = _NUMBER_GROUPING.sub("", word)
    return word


@cache
def _stemmer(language: str) -> Stemmer.Stemmer:
    # Without PyStemmer's own cache (maxCacheSize 0): every caller remembers its words already
    # (the analyzer's memos, TermCoder), and that cache, once full, is purged by sorting it,
    # which made a new word's stem cost 1.2 µs instead of 0.3.
    return Stemmer.Stemmer(STEMMERS[language], 0)


@dataclass(frozen=True)
class Analyzer:
    """Turns text of a known language into index tokens."""

    # stem → canonical token, for names spelled differently across languages
    canonical: Mapping[str, str] = field(default_factory=dict)
    # known word stems used to split long compounds ("sikkerhedsgaranti" → "garanti")
    compound_parts: frozenset[str] = frozenset()
    min_compound_part: int = 4
    # language -> (word as matched -> its tokens): news text repeats its words (Zipf), so most
    # words are analysed once per process instead of once per occurrence.
    _memos: dict[str, _WordTokens] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )
    _word_memo: dict[tuple[str, str], tuple[str, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def stem(self, word: str, language: str) -> str:
        """The folded stem of one normalised word."""
        stem = _stemmer(language).stemWord(word)
        return self.canonical.get(stem, self.canonical.get(word, stem))

    def is_stop_word(self, word: str, language: str) -> bool:
        return word in stopwords.BY_LANGUAGE[language]

    def word_tokens(self, word: str, language: str) -> list[str]:
        """Index tokens for one surface word: its stem, plus parts of compounds."""
        key = (word, language)
        found = self._word_memo.get(key)
        if found is None:
            whole, heads = self.word_parts(word, language)
            found = tuple(whole + heads)
            if len(self._word_memo) >= _MEMO_LIMIT:
                self._word_memo.clear()
            self._word_memo[key] = found
        return list(found)

    def word_parts(self, word: str, language: str) -> tuple[list[str], list[str]]:
        """A word's tokens in two kinds: the words written (the stem; for "nato-sjefen" also
        "nato" and "sjef"), and the known heads of closed compounds ("forsvarsminister" →
        "minist"), which name something else when they stand alone."""
        if len(word) > MAX_WORD_CHARS:
            return [], []  # no word is this long; compound splitting would cost its square
        if word[0].isdigit():
            return [word], []
        if len(word) < 2 or self.is_stop_word(word, language):
            return [], []
        if _HYPHENS.search(word):
            pieces = [piece for piece in _HYPHENS.split(word) if piece]
            whole, heads = [self.stem("".join(pieces), language)], []
            for piece in pieces:
                piece_whole, piece_heads = self.word_parts(piece, language)
                whole += piece_whole
                heads += piece_heads
            return whole, heads
        stem = self.stem(word, language)
        return [stem], self._compound_heads(stem)

    def inflection_variants(self, word: str) -> list[str]:
        """Stems of a question word with verb endings the stemmers keep ("mødtes" → "mød").

        Snowball leaves past tenses apart from their nouns (mødtes/møde, krevde/krav); a question
        in one form should still find a passage in the other.
        """
        out: list[str] = []
        for ending in _VERB_ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= 3:
                base = word[: -len(ending)]
                for language in ("da", "no"):
                    out.append(self.stem(base, language))
                    out.append(self.stem(base + "e", language))
        return [t for t in dict.fromkeys(out) if len(t) >= 3]

    def _compound_heads(self, stem: str) -> list[str]:
        """Known words a long compound is made of, so "sikkerhedsgaranti" also finds "garanti"
        (and "sikkerhed", when known)."""
        if not self.compound_parts or len(stem) < 2 * self.min_compound_part + 1:
            return []
        for start in range(self.min_compound_part, len(stem) - self.min_compound_part + 1):
            head = stem[start:]
            if head in self.compound_parts:
                if head == stem:
                    return []
                # A known first part is indexed too, without a linking -s or -e
                # ("forsvarsminister" → "forsvar"): xquad en-no success@3 0.855 → 0.865.
                modifier = stem[:start]
                linked = modifier[:-1] if modifier.endswith(("s", "e")) else ""
                for candidate in (modifier, linked):
                    if candidate in self.compound_parts:
                        return [candidate, head]
                return [head]
        return []

    def _memo(self, language: str) -> _WordTokens:
        """The tokens of each word as the token pattern matched it, in `language`, remembered."""
        memo = self._memos.get(language)
        if memo is None:
            memo = self._memos[language] = _WordTokens(self, language)
        return memo

    def matching_spans(
        self, text: str, language: str, wanted: AbstractSet[str]
    ) -> list[tuple[int, int, tuple[str, ...]]]:
        """(start, end, index tokens) of each word of `text` that has a token in `wanted`:
        `word_spans` with each word's `word_tokens`, remembered per word as matched."""
        matches = list(_TOKEN.finditer(text))
        tokens = list(map(self._memo(language).__getitem__, map(re.Match.group, matches)))
        # most words match nothing: `isdisjoint` over all of them in C, spans for the rest
        meets = map(operator.not_, map(wanted.isdisjoint, tokens))
        return [(*match.span(), found) for match, found in compress(zip(matches, tokens, strict=True), meets)]

    def tokens(self, text: str, language: str) -> list[str]:
        """The index tokens of a text in `language` ("da", "no" or "en").

        The same as `word_tokens` of each of `words(text)`, remembered per word.
        """
        words_tokens = map(self._memo(language).__getitem__, _TOKEN.findall(normalize(text)))
        return list(chain.from_iterable(words_tokens))


class _WordTokens(dict[str, tuple[str, ...]]):
    """Word as matched -> its index tokens, in one language; a word not yet seen is analysed
    (a dict subclass, so that looking up every word of a text runs in C: `map(memo.__getitem__, ...)`)."""

    def __init__(self, analyzer: Analyzer, language: str) -> None:
        super().__init__()
        self._analyzer, self._language = analyzer, language

    def __missing__(self, matched: str) -> tuple[str, ...]:
        whole, heads = self._analyzer.word_parts(_normal_word(matched), self._language)
        found = tuple(whole + heads)
        if len(self) >= _WORDS_PER_LANGUAGE:
            self.clear()
        self[matched] = found
        return found


class TermCoder:
    """`Analyzer.tokens` as integer ids, for indexing many texts fast.

    Each word (as the token pattern matches it) is analysed once per language and remembered
    as the ids of its tokens; every occurrence is then one dict lookup, and looking up,
    flattening and counting run in C (`map`, `chain`, `Counter`), not in a Python loop per
    word. Ids number the tokens in the order this coder first met them (`names`); they stay
    the same for the coder's life, so one coder serves many segments.
    """

    def __init__(self, analyzer: Analyzer) -> None:
        self.analyzer = analyzer
        self.names: list[str] = []  # id -> token
        self._ids: dict[str, int] = {}
        self._memos: dict[str, _WordIds] = {}

    def ids(self, text: str, language: str) -> Iterator[int]:
        """The ids of `analyzer.tokens(text, language)`, in order."""
        memo = self._memos.get(language)
        if memo is None:
            memo = self._memos[language] = _WordIds(self, language)
        return chain.from_iterable(map(memo.__getitem__, _TOKEN.findall(normalize(text))))

    def _id_tuple(self, matched: str, language: str) -> tuple[int, ...]:
        whole, heads = self.analyzer.word_parts(_normal_word(matched), language)
        ids, names = self._ids, self.names
        out = []
        for token in whole + heads:
            token_id = ids.get(token)
            if token_id is None:
                token_id = ids[token] = len(names)
                names.append(token)
            out.append(token_id)
        return tuple(out)


class _WordIds(dict[str, tuple[int, ...]]):
    """Word as matched -> its token ids, in one language; a word not yet seen is analysed."""

    def __init__(self, coder: TermCoder, language: str) -> None:
        super().__init__()
        self._coder, self._language = coder, language

    def __missing__(self, matched: str) -> tuple[int, ...]:
        found = self._coder._id_tuple(matched, self._language)
        if len(self) >= _MEMO_LIMIT:
            self.clear()  # the ids stay: only the words are analysed again
        self[matched] = found
        return found
