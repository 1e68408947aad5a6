"""Which outlet an article comes from: its URL's host, a dateline, a wire credit."""

from __future__ import annotations

import pytest

from kilde.corpus.outlet import outlet_from_text, outlet_from_url, outlet_of


@pytest.mark.parametrize(("url", "outlet"), [
    ("https://www.dr.dk/nyheder/udland/x", "DR"),
    ("https://nyheder.tv2.dk/udland/x", "TV 2"),
    ("https://www.nrk.no/urix/x", "NRK"),
    ("https://fynskenyheder.example/lokalt/x", "fynskenyheder.example"),
    ("http://127.0.0.1:8000/x", None),
    ("http://localhost/x", None),
    (None, None),
    ("not a url", None),
])
def test_outlet_from_url(url: str | None, outlet: str | None) -> None:
    assert outlet_from_url(url) == outlet


def test_outlet_from_a_dateline_or_a_wire_credit() -> None:
    assert outlet_from_text(["Tittel", "BRUSSEL/OSLO (VG) I møtet med Nato-landene ..."]) == "VG"
    assert outlet_from_text(["Rusland siger ...", "/ritzau/"]) == "Ritzau"
    assert outlet_from_text(["OSLO (NTB): Regjeringen ..."]) is None  # no space after ")"
    assert outlet_from_text(["Det sagde han (i går) til DR."]) is None


def test_the_url_wins_over_the_text() -> None:
    assert outlet_of("https://www.dr.dk/x", ["/ritzau/"]) == "DR"
    assert outlet_of(None, ["/ritzau/"]) == "Ritzau"
