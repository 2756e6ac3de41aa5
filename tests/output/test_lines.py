"""LineWriter: deferred lines reach the stream when the event loop next runs, in order."""

from __future__ import annotations

import asyncio
import io
import json

import pytest

from massgen.events import Final, TextDelta
from massgen.output.jsonl import JsonlSink
from massgen.output.lines import MAX_PENDING, LineWriter, encode


@pytest.mark.anyio
async def test_deferred_lines_are_written_once_the_loop_runs() -> None:
    out = io.StringIO()
    lines = LineWriter(out)
    lines.write("a")
    lines.write("b")
    assert out.getvalue() == ""  # still waiting: the producer has not yielded to the loop
    await asyncio.sleep(0)
    assert out.getvalue() == "a\nb\n"


@pytest.mark.anyio
async def test_an_immediate_line_goes_out_after_the_waiting_ones() -> None:
    out = io.StringIO()
    lines = LineWriter(out)
    lines.write("first")
    lines.write("second", now=True)
    assert out.getvalue() == "first\nsecond\n"
    await asyncio.sleep(0)  # the scheduled flush finds nothing left and writes nothing twice
    assert out.getvalue() == "first\nsecond\n"


def test_without_an_event_loop_every_line_is_written_at_once() -> None:
    out = io.StringIO()
    LineWriter(out).write("x")
    assert out.getvalue() == "x\n"


@pytest.mark.anyio
async def test_a_producer_that_never_yields_still_gets_bounded_batches() -> None:
    out = io.StringIO()
    lines = LineWriter(out)
    for n in range(MAX_PENDING + 1):
        lines.write(str(n))
    assert out.getvalue().count("\n") == MAX_PENDING


@pytest.mark.anyio
async def test_jsonl_sink_keeps_the_event_order() -> None:
    out = io.StringIO()
    sink = JsonlSink(out)
    sink(TextDelta("Hel", agent="a"))
    sink(TextDelta("lo", agent="a"))
    sink(Final("Hello", agent="a"))  # flushes the two deltas first
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [e["type"] for e in events] == ["text", "text", "final"]
    assert "".join(e["text"] for e in events[:2]) == events[2]["content"]


def test_encode_is_compact_and_keeps_unicode() -> None:
    assert encode({"text": "héllo ✓", "n": 1}) == '{"text":"héllo ✓","n":1}'
