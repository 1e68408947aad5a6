"""The English→Danish/Norwegian bridging lexicon used to turn English questions into query terms.

    lexicon = load_lexicon()
    lexicon.translate("demands")  # {"da": ("krav", "kræver", ...), "no": ("krav", "krever", ...)}
    lexicon.variants("Kiev")      # ("kyiv", "kiev", "kijev", "kyjiv", "kyiw")

Data (package files in retrieval/data/): ``glossary.tsv`` (our curated news and security
vocabulary, ``english<TAB>da<TAB>no``), ``en-da.tsv`` and ``en-no.tsv`` (converted from FreeDict by
``retrieval.data.convert_freedict``, ``english<TAB>a|b``) and ``names.tsv`` (groups of spelling
variants, ``a|b|c``). All lookups are by lower-cased English; results are lower-cased.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

from kilde.retrieval.errors import LexiconError
from kilde.retrieval.languages import ARTICLE_LANGUAGES

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).with_name("data")
GLOSSARY_FILE = "glossary.tsv"
NAMES_FILE = "names.tsv"
DICTIONARY_FILES = {"da": "en-da.tsv", "no": "en-no.tsv"}

Translation = Mapping[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class PhraseMatch:
    """A multi-word glossary phrase or name found in a token sequence: tokens[start:end]."""

    start: int
    end: int
    phrase: str


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Glossary, dictionaries and name variants, with the lookups query analysis needs."""

    glossary: Mapping[str, Translation]
    # english -> "a|b|c", split on lookup: parsing 17k lines up front would double load time.
    dictionaries: Mapping[str, Mapping[str, str]]
    names: Mapping[str, tuple[str, ...]]
    exact_names: Mapping[str, tuple[str, ...]]
    phrases: frozenset[str]
    max_phrase_words: int

    @classmethod
    def from_directory(cls, directory: Path) -> Lexicon:
        """Read the four data files from `directory` (raises LexiconError on bad data)."""
        glossary = {
            english: MappingProxyType(dict(zip(ARTICLE_LANGUAGES, targets, strict=True)))
            for english, targets in _read_tsv(directory / GLOSSARY_FILE, columns=3)
        }
        dictionaries = {
            language: MappingProxyType(_read_dictionary(directory / name))
            for language, name in DICTIONARY_FILES.items()
        }
        names, exact_names = _read_names(directory / NAMES_FILE)
        phrases = frozenset(k for k in (*glossary, *names) if " " in k)
        return cls(
            glossary=MappingProxyType(glossary),
            dictionaries=MappingProxyType(dictionaries),
            names=MappingProxyType(names),
            exact_names=MappingProxyType(exact_names),
            phrases=phrases,
            max_phrase_words=max((len(p.split()) for p in phrases), default=1),
        )

    def translate(self, word: str) -> dict[str, tuple[str, ...]]:
        """Danish and Norwegian terms for an English word or phrase: glossary first, then
        dictionary, without duplicates; empty tuples when unknown."""
        key = _normalise(word)
        curated = self.glossary.get(key, {})
        result = {}
        for language in ARTICLE_LANGUAGES:
            listed = self.dictionaries[language].get(key)
            found = (*curated.get(language, ()), *(listed.split("|") if listed else ()))
            result[language] = tuple(dict.fromkeys(found))
        return result

    def variants(self, name: str) -> tuple[str, ...]:
        """Every spelling of the name's group (lower-cased, the group's order), or () if none.

        Case-insensitive, except for variants marked exact in names.tsv (``=US``): those match
        only as written, so that the pronoun "us" is not the United States.
        """
        stripped = " ".join(name.split())
        return self.exact_names.get(stripped) or self.names.get(_normalise(stripped), ())

    def find_phrases(self, tokens: Sequence[str]) -> list[PhraseMatch]:
        """Longest known multi-word phrases (glossary keys, name variants) in `tokens`, left to
        right and not overlapping."""
        lowered = [token.lower() for token in tokens]
        matches: list[PhraseMatch] = []
        start = 0
        while start < len(lowered):
            for end in range(min(len(lowered), start + self.max_phrase_words), start + 1, -1):
                candidate = " ".join(lowered[start:end])
                if candidate in self.phrases:
                    matches.append(PhraseMatch(start, end, candidate))
                    start = end
                    break
            else:
                start += 1
        return matches


@cache
def load_lexicon() -> Lexicon:
    """The lexicon shipped with Kilde, read once per process."""
    return Lexicon.from_directory(DATA_DIR)


def _normalise(text: str) -> str:
    return " ".join(text.split()).lower()


def _data_lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LexiconError(f"cannot read lexicon file {path}: {exc}") from exc
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            yield number, line


def _split_alternatives(cell: str, where: str) -> tuple[str, ...]:
    alternatives = tuple(" ".join(a.split()) for a in cell.split("|"))
    if not all(alternatives):
        raise LexiconError(f"{where}: empty alternative in {cell!r}")
    return tuple(dict.fromkeys(alternatives))


def _read_tsv(path: Path, columns: int) -> Iterator[tuple[str, list[tuple[str, ...]]]]:
    """Yield (english, [alternatives per target column]) for each line of a TSV lexicon."""
    for number, line in _data_lines(path):
        where = f"{path.name}:{number}"
        cells = line.split("\t")
        if len(cells) != columns:
            raise LexiconError(
                f"{where}: expected {columns} tab-separated columns, got {len(cells)}"
            )
        english = _normalise(cells[0])
        if not english or english != " ".join(cells[0].split()):
            raise LexiconError(f"{where}: English key {cells[0]!r} must be lower-case, non-empty")
        yield english, [_split_alternatives(cell.lower(), where) for cell in cells[1:]]


def _read_dictionary(path: Path) -> dict[str, str]:
    """Map english -> "a|b|c" for a generated dictionary file (validated cheaply: two columns,
    no empty cells; the converter guarantees the rest and the tests check it)."""
    table: dict[str, str] = {}
    for number, line in _data_lines(path):
        english, tab, targets = line.partition("\t")
        if not tab or not english or not targets or "\t" in targets:
            raise LexiconError(f"{path.name}:{number}: expected 'english<TAB>a|b|c'")
        table[english] = targets
    return table


def _read_names(path: Path) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """Map each variant to its group: case-folded keys, plus exact-case keys for ``=`` variants."""
    names: dict[str, tuple[str, ...]] = {}
    exact: dict[str, tuple[str, ...]] = {}
    for number, line in _data_lines(path):
        where = f"{path.name}:{number}"
        if "\t" in line:
            raise LexiconError(f"{where}: name groups are separated by '|', not tabs")
        raw = _split_alternatives(line, where)
        if len(raw) < 2:
            raise LexiconError(f"{where}: a group needs at least two variants")
        group = tuple(dict.fromkeys(v.removeprefix("=").lower() for v in raw))
        for variant in raw:
            if variant.startswith("="):
                exact[variant[1:]] = group
            else:
                # A variant in two groups gets both, rather than the last one silently winning.
                key = variant.lower()
                names[key] = tuple(dict.fromkeys((*names.get(key, ()), *group)))
    return names, exact
