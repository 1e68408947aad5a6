"""English words no dictionary knows, found in the articles by their spelling (retrieval/cognates.py)."""

from __future__ import annotations

import pytest

from kilde.retrieval.cognates import COGNATE_WEIGHT, Cognates, frame
from kilde.retrieval.engine import Engine
from kilde.retrieval.index import Bm25Index
from kilde.retrieval.indexing import default_analysis
from kilde.retrieval.query import QueryBuilder
from tests.retrieval.articles import engine_over

ARTICLE = """ date 2021-12 Farmaceuter må ikke udlevere receptpligtig medicin uden en recept fra en læge.

Kolonisterne byggede en havn ved floden og handlede med pelse.

Den nye regering har lovet lavere skatter til familier med børn.

Natos generalsekretær Jens Stoltenberg advarede Rusland mod en invasion af Ukraine.

Rusland har samlet soldater ved grænsen, skriver Reuters.
"""


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return engine_over(tmp_path_factory, {"000_cognates.txt": ARTICLE})


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What are pharmacists forbidden to do?", "Farmaceuter må ikke"),  # ph → f, c kept
        ("What did the colonists build?", "Kolonisterne byggede"),  # c → k
    ],
)
def test_english_words_the_dictionaries_miss_find_their_cognates(
    engine: Engine, question: str, expected: str
) -> None:
    answer = engine.ask(question)
    assert answer.answered
    assert expected in answer.hits[0].paragraph


def test_cognates_only_stand_in_for_concepts_the_corpus_lacks() -> None:
    index = Bm25Index.build([["farmaceut", "recept"], ["regering", "famili", "skat"], ["pels"]])
    cognates = Cognates(index, default_analysis()[0])
    assert cognates.of("pharmacists") == ["farmaceut"]
    assert cognates.of("pelts") == []  # too short to tell from its neighbours
    assert cognates.of("hospital") == []  # nothing spelled like it
    builder = QueryBuilder(*default_analysis())
    query = builder.build("What did the government promise families?")
    assert cognates.extend(query) == query  # every concept has a translation in the corpus
    extended = cognates.extend(builder.build("What did the pharmacists do?"))
    assert ("farmaceut", COGNATE_WEIGHT) in extended.concepts[0].tokens


def test_norwegian_spellings_of_a_soft_c_and_of_tion() -> None:
    cognates = Cognates(Bm25Index.build([["farmasøyt", "nasjonalism"], ["sivilrett"]]),
                        default_analysis()[0])
    assert cognates.of("pharmacists") == ["farmasøyt"]  # ph → f, soft c → s
    assert cognates.of("nationalism") == ["nasjonalism"]  # -tion → -sjon


def test_a_danish_or_norwegian_word_no_article_has_finds_its_typo_neighbours() -> None:
    analyzer, bridge = default_analysis()
    texts = ["Jens Stoltenberg advarede Rusland", "septikæmiske"]
    index = Bm25Index.build([analyzer.tokens(text, "da") for text in texts])
    cognates = Cognates(index, analyzer)
    assert cognates.of("Stoltenbreg", "da") == ["stoltenberg"]  # two letters swapped: one edit
    assert cognates.of("septikæmi", "da") == ["septikæmisk"]  # another form of the word
    assert cognates.of("rustan", "no") == []  # two edits in seven letters: another word
    builder = QueryBuilder(analyzer, bridge)
    known = builder.build("Hvad sagde Stoltenberg om Rusland?")
    assert known.language == "da"
    assert cognates.extend(known) == known  # every word has its corpus term: nothing added


@pytest.mark.parametrize("question", ["Hvad sagde Stoltenbreg om Rusland?",
                                      "Hva sa Stoltenbreg om Russland?"])
def test_a_misspelt_name_in_a_danish_or_norwegian_question_still_finds_its_paragraph(
    engine: Engine, question: str
) -> None:
    answer = engine.ask(question)
    assert answer.answered
    assert "Jens Stoltenberg advarede" in answer.hits[0].paragraph


def test_a_vowel_spelled_otherwise_still_finds_the_cognate() -> None:
    # The lookup compares a word with the terms of its frame (initial and first consonant), so
    # "distillation" meets "destillation" although their second letters differ.
    assert frame("distillation") == frame("destillation") == "ds"
    cognates = Cognates(Bm25Index.build([["destillation", "vand"], ["distrikt"]]),
                        default_analysis()[0])
    assert cognates.of("distillation") == ["destillation"]


def test_endings_spelled_otherwise_find_their_cognates() -> None:
    cognates = Cognates(Bm25Index.build([["toksisk", "botanisk"], ["septikæmi"], ["leukemi"]]),
                        default_analysis()[0])
    assert cognates.of("toxic") == ["toksisk"]  # -ic -> -isk (and x -> ks)
    assert cognates.of("botanical") == ["botanisk"]  # -ical -> -isk
    assert cognates.of("septicemia") == ["septikæmi"]  # -emia -> -æmi (Danish)
    assert cognates.of("leukemia") == ["leukemi"]  # -emia -> -emi (Norwegian)


def test_a_cognate_whose_stem_is_an_index_term_is_found_by_its_stem() -> None:
    # "klader" is indexed as its stem "klad": four letters, and a letter off "klade" as written
    analyzer = default_analysis()[0]
    index = Bm25Index.build([analyzer.tokens("Fylogenetiske klader og arter", "no"), ["skog"]])
    assert Cognates(index, analyzer).of("clades") == ["klad"]
