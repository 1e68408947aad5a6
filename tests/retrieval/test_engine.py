"""The answer engine end to end on the shipped corpus: answers, citations, abstention."""

from __future__ import annotations

from pathlib import Path

import pytest

from kilde.corpus import load_corpus
from kilde.retrieval.engine import Engine
from kilde.retrieval.errors import EmptyCorpusError
from kilde.retrieval.evaluation import evaluate, load_gold

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "corpus" / "articles"
DEV = ROOT.parent / "shared" / "eval" / "dev.json"


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.open(SHIPPED)


def test_canonical_question_finds_both_lists_of_demands(engine: Engine) -> None:
    answer = engine.ask("What did Russia demand from NATO?")
    assert answer.answered and answer.language == "en"
    top3 = [hit.paragraph for hit in answer.hits[:3]]
    norwegian_lists = ("Kravene omfatter et varig nei", "I forkant av møtet gjentok Russland noen av sine")
    assert any(p.startswith(norwegian_lists) for p in top3)  # the Norwegian lists of demands
    ritzau = "Derfor har Rusland krævet en bindende sikkerhedsgaranti"  # the Danish list
    assert any(p.startswith(ritzau) for p in top3)
    assert {hit.language for hit in answer.hits[:3]} == {"da", "no"}
    # The lists of the demands come first, above "the demands cannot be met" (issue 8).
    lists = [i for i, p in enumerate(top3) if p.startswith((*norwegian_lists, ritzau))]
    cannot_be_met = [i for i, p in enumerate(top3) if "kravene ikke er mulig å innfri" in p]
    assert lists[0] == 0 and all(i > max(lists) for i in cannot_be_met)


# The calibrated answerability model (retrieval/answerability.py) favours answering: fitted on
# the development sets, word overlap alone cannot refuse the marked three at a threshold that
# refuses almost no answerable question. They stay here as the target.
_WORD_OVERLAP_CANNOT_TELL = pytest.mark.xfail(
    strict=True, reason="not reached: the answerability model answers it (see benchmarks/README.md)"
)


@pytest.mark.parametrize(
    "question",
    [
        "Who won the 2022 World Cup?",  # names nothing the articles mention
        "What is the capital of Australia?",  # a name no article mentions
        pytest.param("Who is the president of France?", marks=_WORD_OVERLAP_CANNOT_TELL),
        pytest.param("What is the weather in Oslo tomorrow?", marks=_WORD_OVERLAP_CANNOT_TELL),
        pytest.param("Hvad sagde Scholz om gasledningen?", marks=_WORD_OVERLAP_CANNOT_TELL),
        "Hva sa Lavrov om fotball?",  # held to the Danish and Norwegian threshold
    ],
)
def test_off_corpus_questions_abstain(engine: Engine, question: str) -> None:
    answer = engine.ask(question)
    assert not answer.answered and answer.hits == ()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What did the US Senate propose?", "Demokratene i det amerikanske Senatet"),  # US → USA
        ("How many Russian soldiers are at the Ukrainian border?", "100.000 soldater"),
        ("Which regions did the Russian parliament vote to recognise?", "Lugansk og Donetsk"),
        ("Hva sa Stoltenberg om dialog med Russland?", "dialog"),
        ("Hey What did Russia demand from NATO?", "krævet en bindende sikkerhedsgaranti"),
        ("hi, QUICK ONE: what did russia demand from nato", "krævet en bindende sikkerhedsgaranti"),
    ],
)
def test_questions_beyond_the_dev_set_are_answered(engine: Engine, question: str, expected: str) -> None:
    assert any(expected in hit.paragraph for hit in engine.ask(question).hits)


@pytest.mark.parametrize("question", ["", "   ", "?!…", "🙂🙂🙂", "x" * 10_000, "Nato " * 2_000])
def test_degenerate_questions_never_fail(engine: Engine, question: str) -> None:
    answer = engine.ask(question)
    assert answer.question == question
    for hit in answer.hits:
        assert hit.excerpt in hit.paragraph


def test_every_hit_quotes_its_cited_paragraph_verbatim(engine: Engine) -> None:
    corpus = load_corpus(SHIPPED)
    assert DEV.exists(), f"the evaluation data is missing: {DEV} (shared/eval beside the checkout)"
    for question in [q.question for q in load_gold(DEV)]:
        for hit in engine.ask(question, top_k=5).hits:
            article = corpus.article(hit.article_id)
            assert article is not None and article.source == hit.source
            paragraph = article.paragraph(hit.paragraph_number)
            assert paragraph is not None and paragraph.text == hit.paragraph
            assert hit.excerpt and hit.excerpt in hit.paragraph
            assert f"¶{hit.paragraph_number}" in hit.citation
            raw = (SHIPPED / hit.source).read_text(encoding="utf-8")
            assert hit.paragraph in raw


def test_highlights_mark_the_words_that_matched_across_languages(engine: Engine) -> None:
    answer = engine.ask("What did Russia demand from NATO?")
    marked = {hit.excerpt[s:e].lower() for hit in answer.hits for s, e in hit.highlights}
    assert {"rusland", "nato"} <= marked
    assert any(word.startswith(("krav", "kræv")) for word in marked)
    assert not marked & {"og", "at", "om", "til"}


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Afviser Peskov, at Rusland vil angribe Ukraine?", "da"),  # no function word decides
        ("Ønsker Rusland en konflikt ifølge Lavrov?", "da"),  # æ/ø/å are not English
        ("Hva krever Russland av USA?", "no"),
        ("Peskov Ukraine Nato?", "en"),
    ],
)
def test_question_language(engine: Engine, question: str, language: str) -> None:
    assert engine.ask(question).language == language


def test_offset_pages_through_the_ranking(engine: Engine) -> None:
    first = engine.ask("Hva krever Russland av USA?", top_k=6)
    second_page = engine.ask("Hva krever Russland av USA?", top_k=3, offset=3)
    assert [h.paragraph_number for h in second_page.hits] == [h.paragraph_number for h in first.hits[3:6]]


def test_month_in_question_prefers_that_months_articles(engine: Engine) -> None:
    plain = engine.ask("Hvad sagde Lavrov?", top_k=1).hits[0]
    february = engine.ask("Hvad sagde Lavrov i februar?", top_k=1).hits[0]
    assert plain.date != "2022-02" and february.date == "2022-02"


def test_empty_corpus_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EmptyCorpusError, match=str(tmp_path)):
        Engine.open(tmp_path)


def test_dev_evaluation_meets_the_bar(engine: Engine) -> None:
    assert DEV.exists(), f"the evaluation data is missing: {DEV} (shared/eval beside the checkout)"
    report = evaluate(engine, load_gold(DEV))
    for scores in report.by_language:
        assert scores.success_at_3 >= 0.90, scores
        assert scores.abstained_wrongly == 0, scores
        assert scores.abstained_correctly == scores.unanswerable, scores
        assert scores.ndcg_at_5 >= 0.80, scores


@pytest.mark.parametrize("question", [
    "Where did Blinken and Lavrov meet in December?",
    "where did blinken and lavrov meet in december",  # typed in a chat, without capitals
])
def test_an_excerpt_keeps_the_sentence_that_answers(engine: Engine, question: str) -> None:
    answer = engine.ask(question, top_k=3)
    assert any("De to mødtes torsdag i Stockholm" in hit.excerpt for hit in answer.hits)


def test_long_paragraphs_are_cut_to_the_sentences_that_answer() -> None:
    from kilde.retrieval.excerpt import WHOLE_PARAGRAPH, best_excerpt

    filler = "Dette er en lang setning om noe helt annet enn spørsmålet handler om. " * 6
    paragraph = filler + "Lavrov og Blinken møttes i Genève. " + filler
    assert len(paragraph) > WHOLE_PARAGRAPH
    excerpt = best_excerpt(paragraph, lambda sentence: float("Genève" in sentence))
    assert "Genève" in excerpt and len(excerpt) < len(paragraph) and excerpt in paragraph
