"""Undoing Content-Encoding within a budget: the body when all is well, a bomb stopped at the cap."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib

import pytest

from kilde.corpus.ingest.content_encoding import STEP, BoundedDecoder
from kilde.corpus.ingest.errors import DecodedTooLargeError, DecodingError
from tests.conftest import double_gzip_bomb

PAGE = ("<html><body>" + "<p>Odense Zoo får to røde pandaer fra Tjekkiet.</p>" * 2000
        + "</body></html>").encode()


def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def _decode(header: str | None, body: bytes, max_bytes: int, chunk: int = 1000) -> bytes:
    decoder = BoundedDecoder.for_header(header, max_bytes)
    pieces: list[bytes] = []
    for start in range(0, len(body), chunk):
        pieces.extend(decoder.feed(body[start:start + chunk]))
    pieces.extend(decoder.finish())
    return b"".join(pieces)


@pytest.mark.parametrize(
    ("header", "body"),
    [
        (None, PAGE),
        ("identity", PAGE),
        ("gzip", gzip.compress(PAGE)),
        ("x-gzip", gzip.compress(PAGE)),
        ("GZIP, gzip", gzip.compress(gzip.compress(PAGE))),
        ("deflate", zlib.compress(PAGE)),
        ("deflate", _raw_deflate(PAGE)),
        ("gzip, deflate", zlib.compress(gzip.compress(PAGE))),
    ],
)
def test_every_supported_encoding_gives_back_the_page(header: str | None, body: bytes) -> None:
    assert _decode(header, body, max_bytes=len(PAGE)) == PAGE
    assert _decode(header, body, max_bytes=len(PAGE), chunk=7) == PAGE


def test_a_body_one_byte_over_the_cap_is_refused() -> None:
    with pytest.raises(DecodedTooLargeError):
        _decode("gzip", gzip.compress(PAGE), max_bytes=len(PAGE) - 1)
    with pytest.raises(DecodedTooLargeError):
        _decode(None, PAGE, max_bytes=len(PAGE) - 1)


def test_a_two_gigabyte_bomb_stops_at_the_cap_in_little_memory() -> None:
    bomb = double_gzip_bomb(2048)
    cap = 5 * 1024 * 1024
    decoder = BoundedDecoder.for_header("gzip, gzip", cap)
    produced: list[int] = []

    def drain() -> None:
        # counted, not kept: the decoder's own memory is what is measured
        produced.extend(len(piece) for piece in decoder.feed(bomb))

    tracemalloc.start()
    try:
        with pytest.raises(DecodedTooLargeError):
            drain()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sum(produced) <= cap
    assert peak < 1024 * 1024  # a few STEPs per layer, nowhere near the 2 GB it inflates to
    assert decoder.description == "gzip, gzip"


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("br", "unsupported Content-Encoding br"),
        ("gzip, zstd", "unsupported Content-Encoding zstd"),
        ("gzip, gzip, gzip", "too many Content-Encoding layers (3; at most 2)"),
    ],
)
def test_encodings_we_do_not_decode_are_refused(header: str, reason: str) -> None:
    with pytest.raises(DecodingError) as caught:
        BoundedDecoder.for_header(header, 1024)
    assert str(caught.value) == reason


def test_corrupt_data_is_a_decoding_error() -> None:
    with pytest.raises(DecodingError, match=r"could not decompress the page \(corrupt gzip data: "):
        _decode("gzip", b"\x1f\x8b\x08\x00" + b"\xff" * 100, max_bytes=1024)


def test_pieces_are_never_larger_than_a_step() -> None:
    decoder = BoundedDecoder.for_header("gzip", len(PAGE) * 10)
    body = gzip.compress(PAGE * 10)
    assert max(len(piece) for piece in decoder.feed(body)) <= STEP
