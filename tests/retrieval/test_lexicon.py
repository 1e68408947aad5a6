"""Tests for the bridging lexicon: the shipped data files, the loader and the FreeDict converter."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from kilde.retrieval.data import convert_freedict
from kilde.retrieval.lexicon import DATA_DIR, Lexicon, LexiconError, PhraseMatch, load_lexicon

B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def data_lines(name: str) -> list[tuple[int, str]]:
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    return [
        (n, line)
        for n, line in enumerate(text.splitlines(), 1)
        if line.strip() and not line.startswith("#")
    ]


def encode_b64(number: int) -> str:
    digits = ""
    while True:
        number, rest = divmod(number, 64)
        digits = B64[rest] + digits
        if not number:
            return digits


def write_dictd(folder: Path, name: str, articles: list[tuple[str, str]]) -> None:
    """Write a dictd pair: `name`.index and a gzip `name`.dict.dz (dictzip is gzip-compatible)."""
    body, index = b"", []
    info = "00databaseinfo\n  A test dictionary.\n"
    for headword, text in [("00databaseinfo", info), *articles]:
        data = text.encode("utf-8")
        index.append(f"{headword}\t{encode_b64(len(body))}\t{encode_b64(len(data))}\n")
        body += data
    (folder / f"{name}.index").write_text("".join(index), encoding="utf-8")
    with gzip.open(folder / f"{name}.dict.dz", "wb") as fh:
        fh.write(body)


@pytest.fixture
def dictd(tmp_path: Path) -> Path:
    folder = tmp_path / "dictd"
    folder.mkdir()
    write_dictd(folder, "freedict-eng-nor", [
        # WikDict layout: translation lines, each followed by English glosses.
        ("demand", ("demand //dɪˈmɑːnd// <n>\n1. behov 2.\nelectricity supply: peak demand\n"
                   " 3.\nforceful claim for something\n2. krav\norder\n\n")),
        ("demand", "demand //dɪˈmɑːnd// <v>\nkreve, forlange\nto request forcefully\n\n"),
        ("airconditioned", ("air-conditioned /ˈeə kəndˈɪʃənd/ <adj>\n"
                           "klimatisert, (sjelden) luftkondisjonert\n"
                           "equipped with air-conditioning\n\n")),
        ("war", ("war //wɔː// <n>\nKrig 2.\nconflict involving organized use of arms\n"
                " 3.\ncard game\n\n")),
        ("gobbledygook", ("gobbledygook /ɡˈɒbəldɪɡˌuːk/ <n>\n"
                         "et altfor langt uttrykk som ingen forstår\nnonsense\n\n")),
    ])
    write_dictd(folder, "freedict-eng-dan", [
        ("war", "war /wˈɔː/ <n>\nkrig\n\n"),
        ("commanderinchief", ("commander-in-chief /kəmˈandəɹ/ <n>\n1. øverstkommanderende\n"
                             "2. øverstbefalende\n\n")),
    ])
    write_dictd(folder, "freedict-dan-eng", [
        ("krig", "krig /kʁˈʔiː/ <n>\nwar, warfare\n\n"),
        ("regering", "regering /ʁεɡˈʔeɐ̯ʔeŋ/\nadministration, government\n\n"),
        ("styre", "styre /sdˈyːʌ/\n1. board, management\n2. government, rule\n\n"),
        ("dansk", "dansk /dˈanˀsg/\n [det danske sprog, tale dansk] Danish\n\n"),
        ("afroasiat", "afro\u2010asiat /ˈ?ɑfʁʔo/\nAfro\u2010Asian\n\n"),
    ])
    return folder


# --- the converter ---

def test_convert_round_trips_a_dictd_fixture(dictd: Path, tmp_path: Path) -> None:
    counts = convert_freedict.convert(dictd, tmp_path / "out")

    no = (tmp_path / "out" / "en-no.tsv").read_text(encoding="utf-8")
    da = (tmp_path / "out" / "en-da.tsv").read_text(encoding="utf-8")
    assert no == (
        "air-conditioned\tklimatisert|luftkondisjonert\n"
        "demand\tbehov|krav|kreve|forlange\n"
        "war\tkrig\n"
    )
    assert da == (
        "administration\tregering\n"
        "afro-asian\tafro-asiat\n"
        "board\tstyre\n"
        "commander-in-chief\tøverstkommanderende|øverstbefalende\n"
        "danish\tdansk\n"
        "government\tregering|styre\n"
        "management\tstyre\n"
        "rule\tstyre\n"
        "war\tkrig\n"
        "warfare\tkrig\n"
    )
    assert counts == {"en-da.tsv": 10, "en-no.tsv": 3}


def test_convert_is_deterministic(dictd: Path, tmp_path: Path) -> None:
    convert_freedict.convert(dictd, tmp_path / "a")
    convert_freedict.convert(dictd, tmp_path / "b")
    for name in ("en-da.tsv", "en-no.tsv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_convert_caps_targets_and_ranks_agreed_ones_first() -> None:
    table = convert_freedict.merge({"x": ["a", "b", "c"]}, {"x": ["c", "d"], "y": ["e"]})
    assert table == {"x": ["c", "a", "b", "d"], "y": ["e"]}
    text = convert_freedict.format_tsv({"x": [str(i) for i in range(10)]}, cap=6)
    assert text == "x\t0|1|2|3|4|5\n"


def test_convert_cli_reports_missing_files_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = convert_freedict.main([str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 1
    assert err.count("\n") == 1 and "freedict-eng-nor.index not found" in err


def test_convert_cli_writes_files(dictd: Path, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert convert_freedict.main([str(dictd), "--out", str(tmp_path / "out")]) == 0
    assert "en-no.tsv: 3 headwords" in capsys.readouterr().out


def test_convert_rejects_a_truncated_dict(dictd: Path, tmp_path: Path) -> None:
    with gzip.open(dictd / "freedict-eng-dan.dict.dz", "wb") as fh:
        fh.write(b"war")
    with pytest.raises(convert_freedict.ConversionError, match=r"freedict-eng-dan\.index:2:"):
        convert_freedict.convert(dictd, tmp_path / "out")


@pytest.mark.skipif(
    not Path(os.environ.get("KILDE_FREEDICT_DIR", "/usr/share/dictd"),
             "freedict-dan-eng.index").exists(),
    reason="FreeDict dictd files not installed (apt-get install dict-freedict-eng-nor ...)",
)
def test_shipped_dictionaries_are_reproducible(tmp_path: Path) -> None:
    source = Path(os.environ.get("KILDE_FREEDICT_DIR", "/usr/share/dictd"))
    convert_freedict.convert(source, tmp_path)
    for name in ("en-da.tsv", "en-no.tsv"):
        assert (tmp_path / name).read_bytes() == (DATA_DIR / name).read_bytes()


# --- the shipped data files ---

@pytest.mark.parametrize("name", ["en-da.tsv", "en-no.tsv"])
def test_dictionary_files_are_well_formed(name: str) -> None:
    lines = data_lines(name)
    keys = [line.split("\t")[0] for _, line in lines]
    assert len(lines) > 1000
    assert keys == sorted(set(keys))
    assert (DATA_DIR / name).stat().st_size < 400_000
    for number, line in lines:
        cells = line.split("\t")
        assert len(cells) == 2, f"{name}:{number}"
        english, targets = cells
        alternatives = targets.split("|")
        assert english == english.lower() == " ".join(english.split()), f"{name}:{number}"
        assert 1 <= len(alternatives) <= convert_freedict.MAX_TARGETS, f"{name}:{number}"
        assert len(set(alternatives)) == len(alternatives), f"{name}:{number}"
        for alternative in alternatives:
            assert alternative and alternative == alternative.lower().strip(), f"{name}:{number}"


def test_glossary_is_well_formed() -> None:
    lines = data_lines("glossary.tsv")
    keys = [line.split("\t")[0] for _, line in lines]
    assert 300 <= len(lines) <= 800
    assert len(keys) == len(set(keys)), "an English key is listed twice"
    for number, line in lines:
        cells = line.split("\t")
        assert len(cells) == 3, f"glossary.tsv:{number}"
        assert cells[0] == cells[0].lower() == " ".join(cells[0].split()), f"glossary.tsv:{number}"
        for cell in cells[1:]:
            alternatives = cell.split("|")
            assert all(a and a == a.strip() for a in alternatives), f"glossary.tsv:{number}"
            assert len(set(alternatives)) == len(alternatives), f"glossary.tsv:{number}"


def test_name_groups_are_well_formed() -> None:
    lines = data_lines("names.tsv")
    assert 100 <= len(lines) <= 300
    owner: dict[str, int] = {}
    for number, line in lines:
        assert "\t" not in line, f"names.tsv:{number}"
        variants = [v.removeprefix("=").lower() for v in line.split("|")]
        assert all(v and v == v.strip() for v in variants), f"names.tsv:{number}"
        assert len(set(variants)) == len(variants) >= 2, f"names.tsv:{number}"
        for variant in variants:
            assert variant not in owner, f"{variant!r}: names.tsv:{owner.get(variant)}, :{number}"
            owner[variant] = number


# --- the loader ---

def test_demand_translates_to_krav_in_both_languages() -> None:
    lexicon = load_lexicon()
    for word in ("demand", "demands", "Demand"):
        result = lexicon.translate(word)
        assert "krav" in result["da"] and "krav" in result["no"], word


def test_glossary_comes_before_dictionary_without_duplicates() -> None:
    lexicon = load_lexicon()
    result = lexicon.translate("demand")
    glossary = lexicon.glossary["demand"]
    for language in ("da", "no"):
        assert result[language][: len(glossary[language])] == glossary[language]
        assert len(set(result[language])) == len(result[language])
    # The dictionaries add what the glossary lacks.
    assert "forlange" in result["no"] and "forlange" not in glossary["no"]


def test_translate_unknown_word_gives_empty_tuples() -> None:
    assert load_lexicon().translate("qwxzzy") == {"da": (), "no": ()}


def test_translate_phrase_normalises_case_and_spacing() -> None:
    result = load_lexicon().translate("  Defence   Ministry ")
    assert "forsvarsministerium" in result["da"]
    assert "forsvarsdepartement" in result["no"]


def test_dictionary_only_word_translates() -> None:
    result = load_lexicon().translate("house")
    assert "hus" in result["da"] and "hus" in result["no"]


def test_name_variants_are_case_insensitive() -> None:
    lexicon = load_lexicon()
    assert "ukraina" in lexicon.variants("ukraine")
    assert lexicon.variants("KIEV") == lexicon.variants("kyiv")
    assert {"kijev", "kyjiv"} <= set(lexicon.variants("Kiev"))
    assert "moskva" in lexicon.variants("Moscow")
    assert lexicon.variants("Atlantis-upon-Sea") == ()


def test_exact_case_variants_do_not_match_ordinary_words() -> None:
    lexicon = load_lexicon()
    assert "usa" in lexicon.variants("US")
    assert lexicon.variants("us") == ()
    assert "us" in lexicon.variants("USA")


def test_find_phrases_prefers_longest_non_overlapping() -> None:
    lexicon = load_lexicon()
    tokens = ["what", "did", "the", "Defence", "Ministry", "say", "about",
              "satellite", "images", "near", "the", "border"]
    assert lexicon.find_phrases(tokens) == [
        PhraseMatch(3, 5, "defence ministry"),
        PhraseMatch(7, 9, "satellite images"),
    ]
    assert lexicon.find_phrases(["eastern", "member", "states"]) == [
        PhraseMatch(0, 3, "eastern member states")
    ]


def test_load_lexicon_is_cached() -> None:
    assert load_lexicon() is load_lexicon()


def copy_data(target: Path) -> Path:
    target.mkdir()
    for name in ("glossary.tsv", "names.tsv", "en-da.tsv", "en-no.tsv"):
        (target / name).write_bytes((DATA_DIR / name).read_bytes())
    return target


@pytest.mark.parametrize(
    ("name", "bad_line", "message"),
    [
        ("glossary.tsv", "treaty\ttraktat\n", r"glossary.tsv:\d+: expected 3 tab-separated"),
        ("glossary.tsv", "Treaty\ttraktat\ttraktat\n", r"glossary.tsv:\d+: English key"),
        ("glossary.tsv", "treaty\ttraktat||aftale\ttraktat\n", r"glossary.tsv:\d+: empty altern"),
        ("en-no.tsv", "zzzz\n", r"en-no.tsv:\d+: expected 'english<TAB>a\|b\|c'"),
        ("names.tsv", "Atlantis\n", r"names.tsv:\d+: a group needs at least two variants"),
        ("names.tsv", "Atlantis\tAtlantida\n", r"names.tsv:\d+: name groups are separated"),
    ],
)
def test_malformed_data_names_file_and_line(
    tmp_path: Path, name: str, bad_line: str, message: str
) -> None:
    folder = copy_data(tmp_path / "data")
    with (folder / name).open("a", encoding="utf-8") as fh:
        fh.write(bad_line)
    with pytest.raises(LexiconError, match=message):
        Lexicon.from_directory(folder)


def test_missing_data_file_is_reported(tmp_path: Path) -> None:
    folder = copy_data(tmp_path / "data")
    (folder / "names.tsv").unlink()
    with pytest.raises(LexiconError, match=r"cannot read lexicon file .*names\.tsv"):
        Lexicon.from_directory(folder)


def test_no_glossary_key_is_an_english_stop_word() -> None:
    """A question's stop words are dropped before any lookup: such a row would be dead data."""
    from kilde.retrieval import stopwords
    from kilde.retrieval.lexicon import load_lexicon

    dead = [key for key in load_lexicon().glossary if key in stopwords.ENGLISH]
    assert dead == []
