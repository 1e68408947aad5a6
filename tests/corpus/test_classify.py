"""Paragraph classification: body, heading, caption, boilerplate, title."""

from __future__ import annotations

import pytest

from kilde.corpus.classify import classify_paragraphs
from kilde.corpus.model import ParagraphKind as K


@pytest.mark.parametrize(
    "text",
    [
        "Artiklen fortsætter under annoncen",
        "/ritzau/Reuters",
        "Publisert: Nå nettopp",
        "les også Russland med nye krav til Nato: Slik vil Putin endre Europa",
        "Læs også: Sådan gik mødet",
        "Det skriver Reuters.",  # an attribution line alone answers nothing
        "Det melder Washington Post.",
        "Dette oplyser politiet til Ritzau",
    ],
)
def test_boilerplate(text: str) -> None:
    assert classify_paragraphs(["Et langt første afsnit. Med flere sætninger.", text])[1] is K.BOILERPLATE


@pytest.mark.parametrize(
    "text",
    [
        "ANKOMMER: Utenriksminister Anthony Blinken ankommer møtet Foto: Alex Brandon / AFP",
        "Russlands utenriksminister Sergei Lavrov. Foto: Denis Balibouse / Reuters",
        "LENGE SIDEN SIST: Jens Stoltenberg ledet et møte i Nato Russland rådet.",
    ],
)
def test_captions(text: str) -> None:
    assert classify_paragraphs(["Et afsnit. Med tekst.", text])[1] is K.CAPTION


def test_headings_are_short_and_unpunctuated() -> None:
    kinds = classify_paragraphs(
        ["Første afsnit er brødtekst.", "Russlands krav", "Kravene omfatter et varig nei.", "Ukendt omfang"]
    )
    assert kinds == [K.BODY, K.HEADING, K.BODY, K.HEADING]


def test_title_is_the_first_unpunctuated_line_even_after_a_caption() -> None:
    kinds = classify_paragraphs(
        ["LENGE SIDEN SIST: Stoltenberg ledet et møte.",
         "Etter krisemøte: Advarer mot «stort feilgrep»", "Brødtekst her."]
    )
    assert kinds == [K.CAPTION, K.TITLE, K.BODY]


def test_a_lead_sentence_is_body_not_title() -> None:
    assert classify_paragraphs(["Vesten og Rusland er på \"helt forskellige spor\".", "Mere."])[0] is K.BODY


@pytest.mark.parametrize(
    "text",
    [
        "Det skriver Reuters, som har talt med flere kilder i Kreml om forhandlingene og kravene.",
        "Det sier Stoltenberg etter møtet, og legger til at Nato står samlet.",
    ],
)
def test_an_attribution_that_says_more_is_body(text: str) -> None:
    assert classify_paragraphs(["Et langt første afsnit. Med flere sætninger.", text])[1] is K.BODY
