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
    assert parser.feed(b"data: 1\r\n\r") == [(None, b"1")]  # a CR ends a line at once ...
    assert parser.feed(b"\ndata: 2\r") == []  # ... and the LF after it is the same line end, not a blank line
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


# -- the WHATWG event-stream rules, one test each ("Interpreting an event stream") -----------------------------


def events(body: bytes) -> list[tuple[str | None, bytes]]:
    """The events of ``body`` whole, and checked to be the same when it arrives one byte at a time."""
    whole = list(iter_events([body]))
    assert list(iter_events([body[i:i + 1] for i in range(len(body))])) == whole
    return whole


def test_rule_a_leading_byte_order_mark_is_dropped_once() -> None:
    assert events(b"\xef\xbb\xbfdata: 1\n\n") == [(None, b"1")]
    # only at the start of the stream: a second one is part of the line (a field named "\ufeffdata": ignored)
    assert events(b"\xef\xbb\xbf\xef\xbb\xbfdata: 1\n\ndata: 2\n\n") == [(None, b"2")]


@pytest.mark.parametrize("end", [b"\r\n", b"\n", b"\r"])
def test_rule_lines_end_at_crlf_lf_or_a_lone_cr(end: bytes) -> None:
    body = b"event: a" + end + b"data: 1" + end + b"data: 2" + end + end + b"data: 3" + end + end
    assert events(body) == [("a", b"1\n2"), (None, b"3")]


def test_rule_mixed_line_ends_in_one_stream() -> None:
    assert events(b"data: 1\r\rdata: 2\n\ndata: 3\r\n\r\n") == [(None, b"1"), (None, b"2"), (None, b"3")]


def test_rule_a_blank_line_dispatches_and_repeated_blank_lines_dispatch_nothing() -> None:
    assert events(b"\n\n\ndata: 1\n\n\n\n\ndata: 2\n\n") == [(None, b"1"), (None, b"2")]


def test_rule_a_line_starting_with_a_colon_is_a_comment() -> None:
    assert events(b": ping\ndata: 1\n:data: 2\n\n") == [(None, b"1")]


def test_rule_the_value_loses_one_leading_space_only() -> None:
    assert events(b"data:no-space\n\ndata:  two\n\ndata: colon: inside\n\n") == [
        (None, b"no-space"), (None, b" two"), (None, b"colon: inside")]


def test_rule_a_line_without_a_colon_is_a_field_with_an_empty_value() -> None:
    assert events(b"data\ndata: x\n\n") == [(None, b"\nx")]  # the data buffer got an empty line first
    assert events(b"data\n\n") == [(None, b"")]
    assert events(b"event\ndata: 1\n\n") == [(None, b"1")]  # an empty event name is the default


def test_rule_field_names_are_case_sensitive_and_unknown_fields_are_ignored() -> None:
    assert events(b"Data: no\nEVENT: no\nfoo: bar\ndata: yes\n\n") == [(None, b"yes")]


def test_rule_event_names_the_event_and_its_value_is_not_trimmed() -> None:
    assert events(b"event: a\nevent: b\ndata: 1\n\nevent: c \ndata: 2\n\n") == [("b", b"1"), ("c ", b"2")]


def test_rule_id_and_retry_do_not_change_the_events() -> None:
    assert events(b"id: 1\nretry: 5\ndata: 1\nid\nretry: x\n\n") == [(None, b"1")]


def test_rule_an_event_name_does_not_carry_over_to_the_next_event() -> None:
    assert events(b"event: a\ndata: 1\n\ndata: 2\n\nevent: b\n\ndata: 3\n\n") == [("a", b"1"), (None, b"2"), (None, b"3")]


def test_rule_non_utf8_in_an_event_name_is_replaced() -> None:
    assert events(b"event: \xff\ndata: 1\n\n") == [("\ufffd", b"1")]


def test_deliberate_difference_an_unterminated_last_event_is_delivered() -> None:
    # the spec discards it; recorded Anthropic bodies end so (see massgen/engine/sse.py)
    assert events(b"data: 1\n\nevent: message_stop\ndata: {}") == [(None, b"1"), ("message_stop", b"{}")]
    assert events(b"data: 1\r") == [(None, b"1")]
