"""A sub-heading's words are the section's setting: indexed with each paragraph under it, but
counted, like a neighbour's, as context rather than as what the paragraph says."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kilde.corpus import load_corpus
from kilde.retrieval.engine import BM25_VARIANT, Engine
from kilde.retrieval.index import Bm25Index, Bm25Params
from kilde.retrieval.indexing import default_analysis, index_articles
from kilde.retrieval.passages import PassageTable

ARTICLE = """ date 2022-01 Ministrene møttes i Wien for å snakke om kornavtalen og prisene.

I forkant av møtet gjentok Norge sine krav om lavere priser på korn og flere skip til havnene.

Været

Det regnet hele dagen i Wien, og flyene ble forsinket.

Norges krav

Det svenske svaret kom samme kveld: kravene kan ikke innfris.
"""


# Unrelated news, so that the words asked about are rare enough for BM25 to weigh.
OTHER = """ date 2022-01 Kommunen bygger en ny skole ved fjorden.

Byggingen starter i mars og skal være ferdig om to år.

Foreldrene har ventet lenge på skolen, sier ordføreren.

Skolen får plass til fire hundre elever og en stor idrettshall.

Trafikken rundt byggeplassen blir lagt om i sommer.
"""


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder: Path = tmp_path_factory.mktemp("corpus")
    (folder / "000_headings.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "001_school.txt").write_text(OTHER, encoding="utf-8")
    return folder


def test_the_table_counts_each_passage_s_own_tokens_apart_from_its_sub_heading(
    corpus_dir: Path,
) -> None:
    analyzer, _ = default_analysis()
    segment, table = index_articles(load_corpus(corpus_dir).articles, analyzer)
    index = Bm25Index([(segment, None)], Bm25Params.of(BM25_VARIANT))
    texts = [table.text(doc) for doc in range(len(table))]
    under = texts.index("Det svenske svaret kom samme kveld: kravene kan ikke innfris.")
    own = int(table.own_terms([under])[0])
    assert own == len(set(analyzer.tokens(texts[under], "no")))
    # "Norges krav" is the sub-heading: its tokens come after the paragraph's own.
    (norway,) = analyzer.tokens("Norges", "no")
    assert index.first_places([norway], [under])[0] >= own
    (evening,) = analyzer.tokens("kveld", "no")
    assert 0 <= index.first_places([evening], [under])[0] < own
    assert index.first_places(["absent-token"], [under])[0] == -1


def test_own_tokens_survive_saving_and_merging(corpus_dir: Path, tmp_path: Path) -> None:
    analyzer, _ = default_analysis()
    _, table = index_articles(load_corpus(corpus_dir).articles, analyzer)
    table.save(tmp_path / "passages")
    loaded = PassageTable.load(tmp_path / "passages")
    every = np.arange(len(table))
    assert loaded.own_terms(every).tolist() == table.own_terms(every).tolist()
    merged = PassageTable.merge([table, loaded], [None, None])
    both = np.arange(len(merged))
    assert merged.own_terms(both).tolist() == 2 * table.own_terms(every).tolist()


def test_a_word_only_the_sub_heading_carries_counts_less_than_the_paragraph_s_own(
    corpus_dir: Path,
) -> None:
    hits = Engine.open(corpus_dir).ask("Hva krever Norge?", top_k=3).hits
    # The short answer under "Norges krav" names Norway only through its sub-heading; the
    # paragraph that says what Norway demands, in its own words, comes first.
    assert hits[0].paragraph.startswith("I forkant av møtet gjentok Norge")
    assert [hit.paragraph[:20] for hit in hits].index("Det svenske svaret k") > 0
