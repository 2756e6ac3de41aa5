"""One Server-Sent Events reader for every protocol.

Works on bytes as they come off the socket: events end at a blank line (``\\n\\n`` or ``\\r\\n\\r\\n``), lines
are ``event:``, ``data:`` (several are joined with ``\\n``), comments (``:``) and fields we ignore (``id:``,
``retry:``). An event without any ``data:`` line (``event: keepalive``) is not dispatched, as the SSE spec
says. A last event without its blank line is still delivered at end of stream: recorded Anthropic bodies
end that way, and dropping their ``message_stop`` would turn a complete answer into an error.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator

# (event name or None, data) — data stays bytes: json.loads takes bytes, and decoding twice costs time
SSEEvent = tuple["str | None", bytes]


class SSEParser:
    """Incremental parser: ``feed`` any split of the byte stream, ``close`` at its end."""

    __slots__ = ("_buffer",)

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        buffer = self._buffer + chunk if self._buffer else chunk
        if b"\r" in buffer:
            # keep a trailing \r: it may be the first half of a \r\n split across chunks
            tail = b"\r" if buffer.endswith(b"\r") else b""
            buffer = buffer[: len(buffer) - len(tail)].replace(b"\r\n", b"\n") + tail
        blocks = buffer.split(b"\n\n")
        self._buffer = blocks.pop()
        return [event for event in map(_parse_block, blocks) if event is not None]

    def close(self) -> list[SSEEvent]:
        rest, self._buffer = self._buffer.replace(b"\r\n", b"\n").strip(b"\r\n"), b""
        event = _parse_block(rest) if rest else None
        return [event] if event is not None else []


def _parse_block(block: bytes) -> SSEEvent | None:
    if block.startswith(b"data: ") and b"\n" not in block:  # the common case: one data line, no name
        return None, block[6:]
    name: str | None = None
    data: list[bytes] = []
    for line in block.split(b"\n"):
        if not line or line.startswith(b":"):
            continue
        field, _, value = line.partition(b":")
        if value.startswith(b" "):
            value = value[1:]
        if field == b"data":
            data.append(value)
        elif field == b"event":
            name = value.decode("utf-8", "replace").strip()
    if not data:  # the SSE spec: an empty data buffer is not dispatched (``event: keepalive`` alone)
        return None
    return name, b"\n".join(data)


def iter_events(chunks: Iterable[bytes]) -> Iterator[SSEEvent]:
    parser = SSEParser()
    for chunk in chunks:
        yield from parser.feed(chunk)
    yield from parser.close()


async def aiter_events(chunks: AsyncIterable[bytes]) -> AsyncIterator[SSEEvent]:
    parser = SSEParser()
    async for chunk in chunks:
        for event in parser.feed(chunk):
            yield event
    for event in parser.close():
        yield event
