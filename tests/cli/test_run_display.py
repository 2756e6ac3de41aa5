"""The terminal outputs of ``massgen run``: the rich display and the plain text of ``--no-display``."""

from __future__ import annotations

import io

from rich.console import Console

from massgen.events import Error, Final, ReasoningDelta, TextDelta, ToolCall, ToolResult, Usage
from massgen.output.display import RichDisplay
from massgen.output.jsonl import JsonlSink
from massgen.output.plain import PlainSink

EVENTS = [
    ReasoningDelta("thinking it over", agent="a"),
    ToolCall("c1", "mcp__demo__add", {"a": 1, "b": 2}, agent="a"),
    ToolResult("c1", "mcp__demo__add", "3\nand a second line", agent="a"),
    ToolResult("c2", "mcp__demo__crash", "the server process exited", is_error=True, agent="a"),
    TextDelta("The sum ", agent="a"),
    TextDelta("is 3.", agent="a"),
    Usage(10, 4, agent="a"),
    Usage(5, 2, agent="a"),
    Final("The sum is 3.", agent="a"),
]


def test_rich_display_streams_text_and_shows_tools_compactly() -> None:
    out = io.StringIO()
    display = RichDisplay(Console(file=out, width=100, force_terminal=False, color_system=None))
    display.waiting()
    for event in EVENTS:
        display(event)
    display.close()
    lines = out.getvalue().splitlines()
    assert lines[0] == "thinking it over"
    assert lines[1].startswith("⚙ mcp__demo__add") and '{"a": 1, "b": 2}' in lines[1]
    assert lines[2] == "  ↳ 3 and a second line"  # one line per result
    assert lines[3] == "  ↳ the server process exited"
    assert lines[4] == "The sum is 3."
    assert lines[5] == "usage: 15 input tokens, 6 output tokens"


def test_reasoning_and_answer_start_on_their_own_lines() -> None:
    out = io.StringIO()
    display = RichDisplay(Console(file=out, width=100, color_system=None))
    for event in (ReasoningDelta("let me "), ReasoningDelta("think"), TextDelta("The "), TextDelta("answer.")):
        display(event)
    display.close()
    assert out.getvalue().splitlines() == ["let me think", "The answer."]


def test_rich_display_shows_an_error_on_its_error_console_unwrapped() -> None:
    out, err = io.StringIO(), io.StringIO()
    display = RichDisplay(Console(file=out, width=100, color_system=None),
                          errors=Console(file=err, width=40, color_system=None, soft_wrap=True))
    display(TextDelta("partial"))
    display(Error("claude error: overloaded (HTTP 529), and a reason longer than forty columns"))
    display.close()
    assert out.getvalue().splitlines() == ["partial"]
    assert err.getvalue().splitlines() == ["error: claude error: overloaded (HTTP 529), and a reason longer than forty columns"]


def test_plain_text_keeps_the_answer_alone_on_stdout() -> None:
    out, err = io.StringIO(), io.StringIO()
    sink = PlainSink(out, err)
    for event in EVENTS:
        sink(event)
    sink.close()
    assert out.getvalue() == "The sum is 3.\n"
    assert err.getvalue().splitlines() == [
        '[tool] mcp__demo__add {"a": 1, "b": 2}',
        "[result] mcp__demo__add: 3 and a second line",
        "[tool error] mcp__demo__crash: the server process exited",
        "usage: 15 input tokens, 6 output tokens",
    ]


def test_jsonl_prints_only_contract_events_one_per_line() -> None:
    from massgen.events import Finish

    out = io.StringIO()
    sink = JsonlSink(out)
    sink(TextDelta("hé \"quoted\"\nnew line", agent="a"))
    sink(Finish("stop", agent="a"))  # internal, not part of the contract
    sink(Final("done", agent="a"))
    lines = out.getvalue().splitlines()
    assert lines == ['{"type":"text","agent":"a","text":"hé \\"quoted\\"\\nnew line"}',
                     '{"type":"final","agent":"a","content":"done"}']
