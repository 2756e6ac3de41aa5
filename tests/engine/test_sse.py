"""The one SSE reader: framing details every protocol relies on."""

from __future__ import annotations

import pytest

from massgen.engine.decoders import ChatDecoder
from massgen.engine.sse import SSEParser, iter_events
from massgen.events import ReasoningDelta, ToolCall

BODY = (
    b": keep-alive comment\n\n"
    b"event: ping\ndata: {\"type\": \"ping\"}\n\n"
    b"id: 7\nretry: 1000\nevent: message\ndata: {\"a\":\ndata:  1}\n\n"
    b"data:{\"no\":\"space\"}\r\n\r\n"
    b"data: {\"padded\": true   }\n\n"
    b"event: last\ndata: unterminated"
)
EXPECTED = [("ping", b'{"type": "ping"}'), ("message", b'{"a":\n 1}'), (None, b'{"no":"space"}'),
            (None, b'{"padded": true   }'), ("last", b"unterminated")]


def test_framing_names_multiline_data_comments_crlf_and_unterminated_last_event() -> None:
    assert list(iter_events([BODY])) == EXPECTED


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64])
def test_any_chunking_gives_the_same_events(size: int) -> None:
    assert list(iter_events([BODY[i:i + size] for i in range(0, len(BODY), size)])) == EXPECTED


def test_crlf_split_between_chunks() -> None:
    parser = SSEParser()
    assert parser.feed(b"data: 1\r\n\r") == []
    assert parser.feed(b"\ndata: 2\r") == [(None, b"1")]
    assert parser.feed(b"\n\r\n") == [(None, b"2")]
    assert parser.close() == []


def test_reasoning_under_both_field_names_is_not_doubled() -> None:
    decoder = ChatDecoder()
    events = decoder.feed(None, b'{"choices":[{"index":0,"delta":{"reasoning":"hm","reasoning_content":"hm"}}]}')
    events += decoder.feed(None, b'{"choices":[{"index":0,"delta":{"reasoning":" ok"}}]}')
    assert [e.text for e in events if isinstance(e, ReasoningDelta)] == ["hm", " ok"]


def test_chat_tool_arguments_that_are_not_json_are_a_call_marked_with_the_error() -> None:
    decoder = ChatDecoder()
    decoder.feed(None, b'{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c","function":{"name":"f","arguments":"{oops"}}]}}]}')
    events = decoder.feed(None, b'{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}') + decoder.finish()
    [call] = [e for e in events if isinstance(e, ToolCall)]
    assert call.arguments == {} and "not valid JSON" in call.error and "'{oops'" in call.error


@pytest.mark.parametrize("block", [b"event: keepalive\n\n", b"event: ping\nid: 3\nretry: 10\n\n", b"id: 4\n\n",
                                   b"event: keepalive\r\n\r\n"])
def test_an_event_without_data_lines_is_not_dispatched(block: bytes) -> None:
    # the SSE spec: an empty data buffer ends the event without dispatching it (its name is dropped too)
    assert list(iter_events([block + b"data: 1\n\n" + block])) == [(None, b"1")]
    assert list(iter_events([b"data: 1\n\n" + block.rstrip(b"\r\n")])) == [(None, b"1")]  # unterminated at the end


def test_an_empty_data_line_is_still_an_event() -> None:
    assert list(iter_events([b"event: x\ndata:\n\n"])) == [("x", b"")]
