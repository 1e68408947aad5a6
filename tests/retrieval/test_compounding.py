"""English word pairs that the articles write as one compound ("sign language", "tegnsprog")."""

from __future__ import annotations

import pytest

from kilde.retrieval.engine import Engine
from tests.retrieval.articles import engine_over

CONCERT = """ date 2022-01 Koncerten i Aarhus samlede tusinder af tilhørere.

Sangeren talte et andet sprog end publikum ved koncerten, men det gik fint.

En skuespiller oversatte hele koncerten til tegnsprog for de døve tilhørere.

Til sidst rejste alle sig, da koret sang nationalsangen.

Billetterne var udsolgt på få timer.
"""

# Unrelated news, so that the words asked about are rare enough for BM25 to weigh.
OTHER = """ date 2022-01 Kommunen bygger en ny skole ved fjorden.

Byggingen starter i marts og skal være færdig om to år.

Forældrene har ventet længe på skolen, siger borgmesteren.
"""


SURGERY = """ date 2022-02 Operationen på Odense Universitetshospital varede fem timer.

Kirurgerne fandt en stor blødning i bughulen og stoppede den hurtigt.

Patienten er nu vågen og har det godt efter omstændighederne.
"""


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return engine_over(tmp_path_factory, {"000_concert.txt": CONCERT, "001_school.txt": OTHER,
                                          "002_surgery.txt": SURGERY})


def test_two_english_words_find_the_compound_they_make(engine: Engine) -> None:
    answer = engine.ask("Who did the sign language at the concert?", top_k=1)
    assert answer.hits and "tegnsprog" in answer.hits[0].paragraph


def test_only_neighbouring_words_make_a_compound(engine: Engine) -> None:
    query = engine._query("Did the sign at the concert use another language?")
    assert not any("tegnsprog" in dict(concept.tokens) for concept in query.concepts)
    joined = engine._query("Did the concert use sign language?")
    carriers = [c.word for c in joined.concepts if "tegnsprog" in dict(c.tokens)]
    assert carriers == ["sign", "language"]


def test_a_pair_the_dictionary_translates_as_one_word_finds_it(engine: Engine) -> None:
    # en-da.tsv: "abdominal cavity" -> "bughule"; neither word has a translation of its own
    answer = engine.ask("What did the surgeons find in the abdominal cavity?", top_k=1)
    assert answer.hits and "bughulen" in answer.hits[0].paragraph
    carriers = [c.word for c in engine._query("bleeding in the abdominal cavity").concepts
                if any(token.startswith("bughul") for token, _ in c.tokens)]
    assert carriers == ["abdominal", "cavity"]


def test_a_capitalised_pair_the_dictionary_knows_is_that_term(engine: Engine) -> None:
    # as written in a headline: unknown capitalised words are taken for names
    answer = engine.ask("What did the surgeons find in the Abdominal Cavity?", top_k=1)
    assert answer.hits and "bughulen" in answer.hits[0].paragraph


def test_the_other_languages_compound_counts_in_this_ones_spelling(engine: Engine) -> None:
    # en-da.tsv has no "national anthem"; en-no.tsv's "nasjonalsang" is Danish "nationalsang"
    answer = engine.ask("When was the national anthem sung?", top_k=1)
    assert answer.hits and "nationalsangen" in answer.hits[0].paragraph


def test_a_two_word_name_alone_is_looked_up_as_a_term(engine: Engine) -> None:
    query = engine._query("What is an Abdominal Cavity?")
    assert [c.word for c in query.concepts if any(t.startswith("bughul") for t, _ in c.tokens)]
