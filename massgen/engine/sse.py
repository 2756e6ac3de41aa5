"""One Server-Sent Events reader for every protocol, following the WHATWG HTML event-stream rules
(html.spec.whatwg.org, "Server-sent events", "Interpreting an event stream"), each one tested in
tests/engine/test_sse.py:

- one UTF-8 byte order mark at the very start of the stream is dropped;
- a line ends at CRLF, LF or a lone CR, wherever the network splits them;
- a blank line dispatches the event; a line starting with ``:`` is a comment;
- ``field:value`` splits at the first colon and drops one leading space of the value; a line without a colon
  is a field with an empty value (``data`` alone adds an empty line); field names are case-sensitive;
- ``data`` lines are joined with LF; ``event`` names the event (``None`` stands for the default ``message``);
  ``id``, ``retry`` and unknown fields are ignored (we never reconnect to resume a stream);
- an event whose data buffer is empty is not dispatched (``event: keepalive`` alone), and its name is dropped.

One deliberate difference: the spec discards an event the stream ends in before its blank line. We deliver it,
because recorded Anthropic bodies end that way and dropping their ``message_stop`` would turn a complete
answer into an error. (A stream cut mid-event still fails: its protocol's end marker is then missing.)

Works on bytes as they come off the socket; an event's data stays bytes (the JSON decoder takes bytes).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator

# (event name or None, data)
SSEEvent = tuple["str | None", bytes]
_BOM = b"\xef\xbb\xbf"


class SSEParser:
    """Incremental parser: ``feed`` any split of the byte stream, ``close`` at its end."""

    __slots__ = ("_buffer", "_skip_lf", "_started")

    def __init__(self) -> None:
        self._buffer = b""
        self._started = False  # past the point where a byte order mark could be
        self._skip_lf = False  # the last chunk ended with CR: an LF starting the next one is the same line end

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        if self._skip_lf:
            self._skip_lf = False
            if chunk.startswith(b"\n"):
                chunk = chunk[1:]
        buffer = self._buffer + chunk if self._buffer else chunk
        if not self._started:
            if len(buffer) < len(_BOM) and _BOM.startswith(buffer):
                self._buffer = buffer  # maybe the first bytes of a byte order mark: wait for more
                return []
            self._started = True
            if buffer.startswith(_BOM):
                buffer = buffer[len(_BOM):]
        if b"\r" in buffer:
            self._skip_lf = buffer.endswith(b"\r")
            buffer = _lf(buffer)
        blocks = buffer.split(b"\n\n")
        self._buffer = blocks.pop()
        return [event for event in map(_parse_block, blocks) if event is not None]

    def close(self) -> list[SSEEvent]:
        rest, self._buffer = self._buffer.strip(b"\n"), b""
        if not self._started and rest.startswith(_BOM):
            rest = rest[len(_BOM):]
        events = [_parse_block(block) for block in rest.split(b"\n\n")] if rest else []
        return [event for event in events if event is not None]


def _lf(data: bytes) -> bytes:
    """CRLF and lone CR line ends as LF."""
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


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
            name = value.decode("utf-8", "replace") or None
    if not data:  # an empty data buffer is not dispatched (``event: keepalive`` alone)
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
