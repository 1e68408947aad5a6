"""A deterministic synthetic news corpus in the seeds' file format, and how to read it back.

Article files of 15-30 paragraphs (` date YYYY-MM ` then paragraphs separated by blank lines),
paragraphs of one to four sentences, words drawn from a Zipf-shaped vocabulary of a few hundred
thousand Danish/Norwegian-like word forms whose most frequent ranks are real function words.
Generated once per (size, seed) and cached under benchmarks/.data/.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent / ".data"
VOCABULARY_SIZE = 300_000
ZIPF_EXPONENT = 1.0

_FUNCTION_WORDS_TEXT = (
    "og i det at en til er som på de med han af for ikke der var mig sig men et har om vi min "
    "havde hun nu over da fra du ud sin dem os op man hans hvor eller hvad skal selv her alle vil "
    "blev kunne ind når være dog noget ville jo deres efter ned skulle denne end dette mit også "
    "under have dig anden hende mine alt meget sit sine vor mod disse hvis din nogle hos blive "
    "mange ad bliver hendes været thi jer sådan og ikkje eg ho dei vart kva no dette seg også "
    "etter skal kan mot ble blir hadde hvordan enn bare nå sier siger fikk fik år"
)
FUNCTION_WORDS = _FUNCTION_WORDS_TEXT.split()

_ONSETS = ("b", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "bl", "br",
           "dr", "fl", "fr", "gl", "gr", "kl", "kr", "pl", "pr", "sk", "sl", "sn", "sp", "st", "str",
           "sv", "tr", "kv", "hv", "fj", "sj", "skj")
_VOWELS = ("a", "e", "i", "o", "u", "y", "æ", "ø", "å", "a", "e", "i", "o", "e", "ei", "øy", "au")
_CODAS = ["", "", "n", "r", "l", "s", "t", "d", "g", "k", "m", "nd", "ng", "rt", "st", "lt", "kt",
          "ns", "rn", "ll", "nn", "ss", "tt"]
_SUFFIXES = ["", "", "", "en", "et", "er", "ene", "ende", "else", "ing", "ning", "heden", "lig",
             "ske", "erne", "ens", "ets", "te", "ede"]
_WORD = re.compile(r"\w+")
_DATE_LINE = re.compile(r"^\s*date\s+\d{4}-\d{2}\s*")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def make_vocabulary(size: int = VOCABULARY_SIZE, seed: int = 1) -> list[str]:
    """Word forms by rank: function words first, then stems with inflections, all distinct."""
    rng = random.Random(seed)
    function_words = list(dict.fromkeys(FUNCTION_WORDS))
    seen = set(function_words)
    words: list[str] = []
    while len(words) + len(function_words) < size:
        stem = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
                       for _ in range(rng.choice((1, 1, 2, 2, 2, 3))))
        for suffix in rng.sample(_SUFFIXES, rng.randint(1, 4)):
            word = stem + suffix
            if word not in seen and len(words) + len(function_words) < size:
                seen.add(word)
                words.append(word)
    # Frequent words are short (Zipf's law of abbreviation), with some spread.
    jitter = {word: rng.random() * 8 for word in words}
    words.sort(key=lambda word: len(word) + jitter[word])
    return function_words + words


def corpus_dir(n_paragraphs: int, seed: int = 1, data_dir: Path = DATA_DIR) -> Path:
    """Where the corpus of this size and seed is cached."""
    return data_dir / f"corpus-{n_paragraphs}-s{seed}"


def generate(n_paragraphs: int, seed: int = 1, data_dir: Path = DATA_DIR) -> Path:
    """Write (once) a corpus of exactly n_paragraphs paragraphs; returns its folder of articles."""
    target = corpus_dir(n_paragraphs, seed, data_dir)
    if (target / "DONE").exists():
        return target / "articles"
    articles = target / "articles"
    articles.mkdir(parents=True, exist_ok=True)
    vocabulary = np.array(make_vocabulary(seed=seed), dtype=object)
    weights = 1.0 / np.arange(1, len(vocabulary) + 1) ** ZIPF_EXPONENT
    cdf = np.cumsum(weights / weights.sum())
    rng = np.random.default_rng(seed)
    written = 0
    article = 0
    while written < n_paragraphs:
        count = min(int(rng.integers(15, 31)), n_paragraphs - written)
        # Sentences of 6-28 words, one to four per paragraph: news-like paragraph lengths.
        sentence_counts = rng.choice((1, 1, 2, 2, 2, 3, 3, 4), size=count)
        paragraphs = []
        for sentences in sentence_counts:
            lengths = rng.integers(6, 29, size=sentences)
            ranks = np.minimum(np.searchsorted(cdf, rng.random(int(lengths.sum()))), len(vocabulary) - 1)
            words = vocabulary[ranks].tolist()
            parts, start = [], 0
            for length in lengths.tolist():
                sentence = words[start:start + length]
                start += length
                if length > 10:
                    sentence[length // 2] += ","
                parts.append(" ".join(sentence).capitalize() + ".")
            paragraphs.append(" ".join(parts))
        year, month = 2015 + int(rng.integers(0, 10)), int(rng.integers(1, 13))
        text = f" date {year}-{month:02d} " + "\n\n".join(paragraphs) + "\n"
        (articles / f"{article:07d}.txt").write_text(text, encoding="utf-8")
        written += count
        article += 1
    (target / "DONE").write_text(f"{n_paragraphs} paragraphs in {article} articles\n")
    return articles


def iter_paragraphs(articles: Path) -> Iterator[str]:
    """Every paragraph's text, in file-name order then paragraph order (= the ordinal)."""
    for path in sorted(articles.glob("*.txt")):
        text = _DATE_LINE.sub("", path.read_text(encoding="utf-8"), count=1)
        for paragraph in _PARAGRAPH_BREAK.split(text):
            if paragraph.strip():
                yield paragraph


_STOPWORDS = frozenset(FUNCTION_WORDS)


def tokenize(text: str) -> list[str]:
    """The benchmark's analyzer: lower-cased words without function words (the same for every engine)."""
    return [word for word in _WORD.findall(text.lower()) if word not in _STOPWORDS]


def make_queries(articles: Path, n_paragraphs: int, n_queries: int, seed: int = 2) -> list[list[str]]:
    """Questions about random paragraphs: 2-6 of their words, sometimes one unknown word."""
    rng = random.Random(seed)
    wanted = sorted(rng.sample(range(n_paragraphs), min(n_queries, n_paragraphs)))
    sources: dict[int, list[str]] = {}
    position = 0
    for ordinal, paragraph in enumerate(iter_paragraphs(articles)):
        if position < len(wanted) and ordinal == wanted[position]:
            sources[ordinal] = tokenize(paragraph)
            position += 1
            if position == len(wanted):
                break
    queries = []
    for i in range(n_queries):
        tokens = list(dict.fromkeys(sources[wanted[i % len(wanted)]]))
        query = rng.sample(tokens, min(len(tokens), rng.randint(2, 6)))
        if rng.random() < 0.1:
            query.append(f"ukendt{i}")
        queries.append(query)
    rng.shuffle(queries)
    return queries
