"""Reading a page's bytes as text: the declared charset when it fits the bytes, else the bytes win."""

from __future__ import annotations

import codecs

import pytest

from kilde.corpus.ingest.charset import decode_page, web_encoding

DANISH = "<html><body><p>Blåbær på Fanø og rødgrød med fløde – «godt».</p></body></html>"
LATIN_1 = DANISH.replace("–", "-")  # ISO-8859-1 has no dash; Windows-1252 does


@pytest.mark.parametrize(
    ("label", "codec"),
    [("utf-8", "utf-8"), ("UTF8", "utf-8"), ("iso-8859-1", "cp1252"), ("latin1", "cp1252"),
     ("us-ascii", "cp1252"), ("windows-1252", "cp1252"), ("ISO-8859-15", "iso8859-15"),
     ("shift_jis", "shift_jis"), ("windows-874", "cp874"), ('"utf-8"', "utf-8"),
     ("hex", None), ("rot13", None), ("base64", None), ("zlib", None), ("bz2", None),
     ("unicode_escape", None), ("utf-7", None), ("idna", None), ("no-such-charset", None)],
)
def test_only_the_encodings_of_the_web_are_used(label: str, codec: str | None) -> None:
    assert web_encoding(label) == codec


def test_a_true_label_is_used_without_a_warning() -> None:
    for label, codec, text in [("iso-8859-1", "latin-1", LATIN_1), ("iso-8859-1", "cp1252", DANISH),
                               ("windows-1252", "cp1252", DANISH), ("utf-8", "utf-8", DANISH),
                               ("iso-8859-15", "iso8859-15", LATIN_1)]:
        decoded = decode_page(text.encode(codec), label)
        assert (decoded.text, decoded.warning) == (text, None)


@pytest.mark.parametrize("label", ["hex", "rot13", "base64", "zlib"])
def test_a_non_text_codec_label_is_ignored_with_a_warning(label: str) -> None:
    utf8 = decode_page(DANISH.encode(), label)
    assert utf8.text == DANISH
    assert utf8.warning == (f"ignored the page's charset '{label}' (not a known text encoding); "
                            "read it as UTF-8")
    windows = decode_page(DANISH.encode("cp1252"), label)
    assert windows.text == DANISH
    assert windows.warning is not None and windows.warning.endswith("read it as Windows-1252")


def test_the_meta_label_counts_when_the_header_has_none() -> None:
    page = '<meta charset="hex">' + DANISH
    assert decode_page(page.encode(), None).warning == (
        "ignored the page's charset 'hex' (not a known text encoding); read it as UTF-8")
    utf8_as_latin = '<meta charset="iso-8859-1">' + DANISH
    decoded = decode_page(utf8_as_latin.encode(), None)
    assert decoded.text == utf8_as_latin and decoded.warning is not None
    assert "says charset 'iso-8859-1', but its bytes are UTF-8" in decoded.warning
    # The header's label comes first: here it is true, so the <meta> is not even looked at.
    assert decode_page(utf8_as_latin.encode(), "utf-8").warning is None


def test_utf8_bytes_under_a_single_byte_label_are_read_as_utf8() -> None:
    decoded = decode_page(DANISH.encode(), "iso-8859-1")
    assert decoded.text == DANISH
    assert decoded.warning == ("the page says charset 'iso-8859-1', but its bytes are UTF-8; "
                               "read it as UTF-8")


def test_windows_1252_bytes_under_a_utf8_label_are_read_as_windows_1252() -> None:
    decoded = decode_page(DANISH.encode("cp1252"), "utf-8")
    assert decoded.text == DANISH
    assert decoded.warning == ("the page says charset 'utf-8', but its bytes are not UTF-8; "
                               "read it as Windows-1252")


def test_a_utf8_page_with_one_stray_byte_stays_utf8() -> None:
    content = DANISH.encode().replace(b"Fan", b"F\xffan")
    decoded = decode_page(content, "utf-8")
    assert "Blåbær" in decoded.text and "F\ufffdanø" in decoded.text
    assert decoded.warning == ("the page's text is not all UTF-8 "
                               "(1 undecodable byte sequence replaced)")


def test_ascii_under_a_utf16_label_is_not_read_as_utf16() -> None:
    decoded = decode_page(b"<html><body><p>Nato</p></body></html>", "utf-16")
    assert decoded.text == "<html><body><p>Nato</p></body></html>"
    assert decoded.warning is not None and "bytes are UTF-8" in decoded.warning


def test_undeclared_pages_are_utf8_else_windows_1252_silently() -> None:
    assert decode_page(DANISH.encode(), None) == decode_page(DANISH.encode("cp1252"), None)
    assert decode_page(DANISH.encode("cp1252"), None).warning is None


def test_a_byte_order_mark_wins_over_any_label() -> None:
    content = codecs.BOM_UTF16_LE + DANISH.encode("utf-16-le")
    assert decode_page(content, "iso-8859-1").text == DANISH
    assert decode_page(codecs.BOM_UTF8 + DANISH.encode(), "hex").text == DANISH


def test_a_hostile_label_is_shortened_in_the_warning() -> None:
    warning = decode_page(DANISH.encode(), "x" * 500 + "\n\x1b[31m").warning
    assert warning is not None and "\n" not in warning and "\x1b" not in warning
    assert len(warning) < 150
