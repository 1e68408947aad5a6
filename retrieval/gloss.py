"""Gloss: the excerpt's words that matched the question, each with the question word it stands for.

Offline and exact: a word of the excerpt is glossed by the concept of the question whose index
tokens it shares, so the meaning comes from the same lexicon bridge the engine ranked with
("krævet" shares "kræv" with the translations of "demanded" → "krævet ≈ demanded"). Only for
questions whose language differs from the article's; a word that reads the same in both ("Nato"
≈ "NATO") needs no gloss.

    gloss_pairs(matched_words, concepts, question)  # (("krævet", "demanded"), ("Rusland", "Russia"))
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from kilde.retrieval.analysis import normalize_keep_case
from kilde.retrieval.query import Concept

Gloss = tuple[tuple[str, str], ...]


@lru_cache(maxsize=4096)  # each hit of an answer glosses the same question words
def written_form(word: str, question: str) -> str:
    """`word` (normalised, maybe several words) as the question wrote it ("russia" → "Russia")."""
    text = normalize_keep_case(question)
    if _PLAIN_WORD.fullmatch(word) and not _CASE_FOLDS_APART.search(text):
        # what the pattern below finds, without compiling a pattern per word (40 µs)
        return next((run for run in _WORD_RUN.findall(text) if run.lower() == word), word)
    pattern = r"(?<!\w)" + r"\s+".join(re.escape(part) for part in word.split()) + r"(?!\w)"
    match = re.search(pattern, text, re.IGNORECASE)
    return match.group() if match else word


# A word of these letters matched with re.IGNORECASE is a whole run of word characters whose
# str.lower() is the word, in a text without the letters whose case `re` and `str.lower` fold
# apart ("İ".lower() is two characters; "ı" and "ſ" match "i" and "s" under IGNORECASE).
_PLAIN_WORD = re.compile(r"[0-9a-zà-öø-ÿ]+")
_CASE_FOLDS_APART = re.compile("[İıſ]")
_WORD_RUN = re.compile(r"\w+")


def _meaning(tokens: Iterable[str], concepts: Sequence[Concept]) -> Concept | None:
    """The concept an excerpt word's tokens speak for most strongly, if any."""
    wanted = set(tokens)
    best: tuple[float, Concept] | None = None
    for concept in concepts:
        share = max((weight for token, weight in concept.tokens if token in wanted), default=0.0)
        if share > 0 and (best is None or share > best[0]):
            best = (share, concept)
    return best[1] if best else None


def gloss_pairs(
    matched: Iterable[tuple[str, Sequence[str]]], concepts: Sequence[Concept], question: str
) -> Gloss:
    """(word as written in the excerpt, its meaning as written in the question) for each matched
    word, given as (written word, its index tokens); each word once, in excerpt order."""
    pairs: dict[str, tuple[str, str]] = {}  # by meaning: one word per question word
    for written, tokens in matched:
        concept = _meaning(tokens, concepts)
        if concept is None:
            continue
        meaning = written_form(concept.word, question)
        key = meaning.casefold()
        if key not in pairs and not _reads_the_same(written, key):
            pairs[key] = (written, meaning)
    return tuple(pairs.values())


def _reads_the_same(written: str, meaning: str) -> bool:
    """Whether the word needs no gloss: "Nato" for "NATO", "Nato-siden" for "NATO"."""
    word = written.casefold()
    return word == meaning or meaning in _HYPHENS.split(word)


_HYPHENS = re.compile(r"[-‐‑–]")
