"""A response body decompressed in bounded pieces, so a small gzip body that inflates to gigabytes never
sits in memory at once (httpx inflates each network chunk whole).

``ACCEPT_ENCODING`` is what requests advertise; ``pieces`` yields the decoded body at most ``PIECE_BYTES``
at a time and raises ``UnsupportedEncoding`` for an encoding we did not ask for. ``gzip`` and ``deflate``
(zlib-wrapped, or raw as some servers send it) are RFC 9110's; both use the standard library's zlib.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

ACCEPT_ENCODING = "gzip, deflate"
PIECE_BYTES = 64 * 1024


class UnsupportedEncoding(ValueError):
    pass


class _Inflater:
    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS if encoding in ("gzip", "x-gzip") else zlib.MAX_WBITS)
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if not self._started and self.encoding == "deflate" and data:
            self._started = True
            if data[0] & 0x0F != 8:  # no zlib header: a raw deflate stream
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
        while True:
            piece = self._zlib.decompress(data, PIECE_BYTES)
            data = self._zlib.unconsumed_tail
            if piece:
                yield piece
            if not data and len(piece) < PIECE_BYTES:
                return

    def flush(self) -> bytes:
        return self._zlib.flush()


def _split(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), PIECE_BYTES):
        yield data[start:start + PIECE_BYTES]


async def pieces(response: Any) -> AsyncIterator[bytes]:
    """The decoded body of an ``httpx.Response`` opened with ``stream=True``, in pieces of at most
    ``PIECE_BYTES``; ``zlib.error`` for a corrupt body, ``UnsupportedEncoding`` for an unknown encoding."""
    encodings = [e.strip().lower() for e in response.headers.get("content-encoding", "").split(",") if e.strip()]
    encodings = [e for e in encodings if e != "identity"]
    if len(encodings) > 1 or (encodings and encodings[0] not in ("gzip", "x-gzip", "deflate")):
        raise UnsupportedEncoding(f"the provider sent content-encoding {', '.join(encodings)!r}; "
                                  f"only {ACCEPT_ENCODING} were asked for")
    inflater = _Inflater(encodings[0]) if encodings else None
    async for raw in response.aiter_raw():
        for piece in inflater.feed(raw) if inflater else _split(raw):
            yield piece
    if inflater is not None and (rest := inflater.flush()):
        for piece in _split(rest):
            yield piece
