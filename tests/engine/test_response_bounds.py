"""One answer is bounded: a provider that streams forever, or a small gzip body that inflates to far more,
ends in an ``error`` event at ``max_response`` (decoded bytes, text characters), with memory bounded, over
a real loopback HTTP server (a bare asyncio one: the protocol server answers with whole bodies)."""

from __future__ import annotations

import asyncio
import json
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from massgen.config import compile_mapping
from massgen.errors import MassGenError
from massgen.session import run_session
from tests.agent.recording import RecordingSink

pytestmark = pytest.mark.anyio

EVENT = b'data: {"choices":[{"index":0,"delta":{"content":"xxxxxxxxxxxxxxxx"}}]}\n\n'  # 16 characters of text


async def endless(writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
    block = EVENT * 500
    chunk = b"%x\r\n%s\r\n" % (len(block), block)
    while True:
        writer.write(chunk)
        await writer.drain()


def gzip_bomb(inflated: int) -> bytes:
    """One gzip member whose body inflates to ``inflated`` bytes of SSE text events."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = EVENT * (1024 * 1024 // len(EVENT))
    parts = [packer.compress(block) for _ in range(inflated // len(block))]
    return b"".join(parts) + packer.flush()


async def one_body(body: bytes, writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-encoding: gzip\r\n"
                 b"content-length: %d\r\n\r\n%s" % (len(body), body))
    await writer.drain()


async def serve(answer: Callable[[asyncio.StreamWriter], Any]) -> AsyncIterator[str]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        try:
            await answer(writer)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.close()


async def ask(base_url: str, *, trace: bool = False, **backend: Any) -> tuple[RecordingSink, int]:
    data = {"agent": {"id": "solo", "backend": {"type": "chatcompletion", "model": "m1", "api_key": "k",
                                                "base_url": base_url, "max_retries": 0, **backend}}}
    spec = compile_mapping(data, "<test>").spec
    assert spec is not None
    sink = RecordingSink()
    if trace:
        tracemalloc.start()
    try:
        with pytest.raises(MassGenError):
            await asyncio.wait_for(run_session(spec, "go", sink), 60)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return sink, peak


async def test_an_endless_stream_stops_at_the_byte_cap() -> None:
    async for url in serve(endless):
        sink, _ = await ask(url, max_response={"bytes": 8_000_000})
    [error] = sink.of("error")
    assert "stopped after more than 8,000,000 bytes (max_response.bytes)" in error["message"]
    assert not sink.of("final")
    text = "".join(e["text"] for e in sink.of("text"))
    assert 0 < len(text) < 8_000_000 // len(EVENT) * 16 + 16 * 500


async def test_an_endless_stream_stops_at_the_text_cap() -> None:
    async for url in serve(endless):
        sink, _ = await ask(url, max_response={"text": 100_000})
    [error] = sink.of("error")
    assert "more than 100,000 characters of text (max_response.text)" in error["message"]
    assert len("".join(e["text"] for e in sink.of("text"))) <= 100_000


async def test_a_gzip_bomb_is_inflated_in_bounded_pieces_and_stopped_at_the_cap() -> None:
    bomb = gzip_bomb(64 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024  # a small body on the wire ...
    async for url in serve(lambda writer: one_body(bomb, writer)):
        sink, peak = await ask(url, trace=True, max_response={"bytes": 4_000_000, "text": 10**9})
    [error] = sink.of("error")
    assert "max_response.bytes" in error["message"]
    # ... never inflated whole (httpx would inflate each network chunk at once, up to the whole 64 MB): the run
    # holds the events so far (the recording sink keeps every one) and a piece of PIECE_BYTES at a time
    assert peak < 24 * 1024 * 1024, peak


def test_the_default_caps_are_data() -> None:
    from massgen.engine.transport import Policy
    from massgen.resources import http_facts

    assert http_facts()["max_response"] == {"bytes": 268435456, "text": 10000000}
    policy = Policy.from_params({"max_response": {"text": 5}})
    assert (policy.max_bytes, policy.max_text) == (268435456, 5)
    assert json.loads(json.dumps(http_facts()["max_response"]))  # plain data
