"""A year in a question: a period among the articles' dates, or, when no article is dated then,
a word to look for ("How many died in 1918?" asks about 1918, not about articles of 1918)."""

from __future__ import annotations

import pytest

from kilde.retrieval.engine import Engine
from kilde.retrieval.indexing import default_analysis
from kilde.retrieval.query import QueryBuilder
from tests.retrieval.articles import engine_over

HISTORY = """ date 2022-01 Den spanske syge ramte også Danmark.

Epidemien kom til landet om sommeren, og lægerne var rådvilde.

I 1918 døde tusinder af danskere af influenzaen, de fleste af dem unge mennesker.

I 1920 døde færre af influenzaen.
"""

NEWS = """ date 2021-12 Regeringen fremlagde i dag en plan for sundhedsvæsenet.

Planen skal give flere læger i yderområderne, siger ministeren.

Influenzaen har fået mange danskere til at blive hjemme i år.
"""


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return engine_over(tmp_path_factory, {"000_history.txt": HISTORY, "001_news.txt": NEWS})


def test_a_year_no_article_is_dated_is_a_word_to_find(engine: Engine) -> None:
    answer = engine.ask("Hvor mange døde af influenzaen i 1918?", top_k=1)
    assert answer.hits and "I 1918 døde tusinder" in answer.hits[0].paragraph


def test_a_year_articles_are_dated_stays_a_period(engine: Engine) -> None:
    # Articles dated 2021 seldom write "2021": the year must not count as a missing word.
    answer = engine.ask("Hvad sagde ministeren om lægerne i 2021?", top_k=1)
    assert answer.answered
    assert answer.hits[0].date == "2021-12"
    assert "ministeren" in answer.hits[0].paragraph


def test_without_the_articles_years_every_year_is_a_period() -> None:
    builder = QueryBuilder(*default_analysis())
    words = [c.word for c in builder.build("How many died in 1918?").concepts]
    assert "1918" not in words
    dated_later = [c.word for c in builder.build("How many died in 1918?", {2021, 2022}).concepts]
    assert "1918" in dated_later
