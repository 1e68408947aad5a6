"""Undoing a response's Content-Encoding within a size budget, a piece at a time.

httpx's own decoders inflate each received chunk in one call: 1,839 bytes gzipped twice become
2 GB in memory before any size check can run. Here every layer inflates at most `STEP` bytes per
call and counts what it has produced, so a compression bomb stops at the cap with at most a few
`STEP`s in memory per layer:

    body = BoundedDecoder.for_header("gzip, gzip", max_bytes=5 * 1024 * 1024)
    for raw in response_chunks:
        for piece in body.feed(raw):
            ...
    for piece in body.finish():
        ...

An unsupported, too deeply nested or corrupt encoding raises `DecodingError` (a `FetchError`, its
message ready for the user); the cap raises `DecodedTooLargeError`, which fetching words with the cap.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence

from kilde.corpus.ingest.errors import DecodedTooLargeError, DecodingError

# Inflate this much per call: small enough that memory stays flat, large enough to stay quick.
STEP = 64 * 1024
# Real servers use one layer; two is the most anyone legitimately nests. More only costs memory.
MAX_LAYERS = 2
ACCEPT_ENCODING = "gzip, deflate"  # what we can decode; sent so that servers send nothing else
_GZIP_WBITS = 16 + zlib.MAX_WBITS
_ZLIB_WBITS = zlib.MAX_WBITS
_RAW_DEFLATE_WBITS = -zlib.MAX_WBITS


class _Inflater:
    """One gzip or deflate layer, producing at most `limit` bytes in pieces of at most `STEP`."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.encoding = encoding
        self._limit = limit
        self._produced = 0
        self._started = False
        wbits = _GZIP_WBITS if encoding in {"gzip", "x-gzip"} else _ZLIB_WBITS
        self._inflate = zlib.decompressobj(wbits)

    def _corrupt(self, error: zlib.error) -> DecodingError:
        return DecodingError(f"could not decompress the page (corrupt {self.encoding} data: {error})")

    def _count(self, piece: bytes) -> bytes:
        self._produced += len(piece)
        if self._produced > self._limit:
            raise DecodedTooLargeError(self.encoding)
        return piece

    def _first_call(self, data: bytes) -> bytes:
        # "deflate" should be zlib-wrapped, but some servers send raw deflate: try both, as
        # browsers and httpx do.
        self._started = True
        try:
            return self._inflate.decompress(data, STEP)
        except zlib.error:
            if self.encoding != "deflate":
                raise
            self._inflate = zlib.decompressobj(_RAW_DEFLATE_WBITS)
            return self._inflate.decompress(data, STEP)

    def feed(self, data: bytes) -> Iterator[bytes]:
        """The bytes `data` inflates to, in pieces; data after the end of the stream is ignored."""
        pending = data
        while not self._inflate.eof:
            try:
                if self._started:
                    piece = self._inflate.decompress(pending, STEP)
                else:
                    piece = self._first_call(pending)
            except zlib.error as error:
                raise self._corrupt(error) from None
            pending = self._inflate.unconsumed_tail
            if piece:
                yield self._count(piece)
            if not pending and len(piece) < STEP:
                return  # input used up and nothing more held back

    def finish(self) -> Iterator[bytes]:
        """Whatever the layer still holds once the body has ended (a cut-short stream is kept)."""
        if self._started and not self._inflate.eof:
            try:
                rest = self._inflate.flush()
            except zlib.error as error:
                raise self._corrupt(error) from None
            if rest:
                yield self._count(rest)


def _codings(header: str) -> list[str]:
    codings = [part.strip().lower() for part in header.split(",")]
    return [coding for coding in codings if coding and coding != "identity"]


class BoundedDecoder:
    """A body's Content-Encoding layers undone in order, the decoded size capped."""

    def __init__(self, layers: Sequence[_Inflater], max_bytes: int) -> None:
        self._layers = tuple(layers)
        self._max_bytes = max_bytes
        self._size = 0

    @classmethod
    def for_header(cls, header: str | None, max_bytes: int) -> BoundedDecoder:
        """The decoder for a Content-Encoding header (None or "identity": the body as sent).

        Every layer gets the same budget as the result: a compressed layer is smaller than what
        it inflates to, so only a bomb reaches the cap inside the stack.
        """
        codings = _codings(header or "")
        unsupported = [c for c in codings if c not in {"gzip", "x-gzip", "deflate"}]
        if unsupported:
            raise DecodingError(f"unsupported Content-Encoding {unsupported[0]}")
        if len(codings) > MAX_LAYERS:
            raise DecodingError(
                f"too many Content-Encoding layers ({len(codings)}; at most {MAX_LAYERS})"
            )
        # Applied in the order listed, so undone from the last one back.
        return cls([_Inflater(c, max_bytes) for c in reversed(codings)], max_bytes)

    @property
    def description(self) -> str:
        """The encodings as the header listed them, for messages."""
        return ", ".join(layer.encoding for layer in reversed(self._layers)) or "identity"

    def _through(self, depth: int, data: bytes) -> Iterator[bytes]:
        # One piece at a time through every layer, so no layer's whole output is ever held.
        if depth == len(self._layers):
            yield data
            return
        for piece in self._layers[depth].feed(data):
            yield from self._through(depth + 1, piece)

    def _finish_from(self, depth: int) -> Iterator[bytes]:
        if depth == len(self._layers):
            return
        for piece in self._layers[depth].finish():
            yield from self._through(depth + 1, piece)
        yield from self._finish_from(depth + 1)

    def _counted(self, pieces: Iterator[bytes]) -> Iterator[bytes]:
        try:
            for piece in pieces:
                self._size += len(piece)
                if self._size > self._max_bytes:
                    raise DecodedTooLargeError(self.description)
                yield piece
        except DecodedTooLargeError as error:
            if error.encodings == self.description:
                raise
            raise DecodedTooLargeError(self.description) from None  # a layer inside: name them all

    def feed(self, raw: bytes) -> Iterator[bytes]:
        """The decoded bytes of the next raw chunk, in pieces."""
        return self._counted(self._through(0, raw))

    def finish(self) -> Iterator[bytes]:
        """The decoded bytes still held once the raw body has ended."""
        return self._counted(self._finish_from(0))
