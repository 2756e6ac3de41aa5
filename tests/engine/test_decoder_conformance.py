"""Every recorded stream decodes to what the official SDK makes of the same bytes; any network split of
a stream decodes to the same events.

Deliberate differences (asserted below, not skipped):
- a chat stream with several choices (``n=3``): the engine follows choice 0 only, as the SDK's
  ``choices[0]`` does; the comparison is with ``choices[0]``.
- a chat refusal is shown as the answer text with finish reason ``refusal`` (the SDK puts it in ``refusal``
  and leaves ``content`` empty; the reference takes ``content or refusal``).
- an Anthropic tool call cut off by ``max_tokens`` is not handed on as a call (its arguments are partial
  JSON); the finish reason ``length`` says why. The SDK keeps the partially parsed input.
- Groq reports usage only under ``x_groq``: the engine reads it, the SDK reports none.
- Groq's mid-stream ``event: error`` is an error for both.
- a refusal with nothing written (Anthropic ``refusal`` and an empty text block) is a ``NoAnswerError`` carrying
  the provider's explanation, never an empty answer; the SDK hands on the empty message.
"""

from __future__ import annotations

from pathlib import Path

import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from massgen.engine.decoders import DECODERS
from massgen.engine.sse import iter_events
from massgen.errors import BackendError, NoAnswerError
from massgen.events import Event, Finish, TextDelta, ToolCall, Usage
from tests.engine.sdk_reference import Outcome, recorded, sdk_outcome
from tests.protocol_server import ProtocolServer

CASES = [(protocol, path) for protocol in DECODERS for path in recorded(protocol)]
SDK_ERRORS = {"groq_midstream_error_event.sse"}
NO_ANSWER = {"synthetic_refusal_stop_details.sse": "refused due to policy"}
PARTIAL_TOOL_INPUT = {"tool_use_truncated_max_tokens.sse"}
X_GROQ_USAGE = {"groq_compound_web_search.sse": (5003, 359)}


def decode(protocol: str, chunks: list[bytes]) -> list[Event]:
    decoder = DECODERS[protocol]()
    events: list[Event] = []
    for name, data in iter_events(chunks):
        events += decoder.feed(name, data)
    return events + decoder.finish()


def engine_outcome(events: list[Event]) -> Outcome:
    usage = next((e for e in events if isinstance(e, Usage)), None)
    finish = events[-1]
    assert isinstance(finish, Finish)
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert finish.message.content == text
    calls = [(e.name, e.arguments) for e in events if isinstance(e, ToolCall)]
    assert calls == [(c.name, c.arguments) for c in finish.message.tool_calls]
    return Outcome(text, calls, (usage.input_tokens, usage.output_tokens) if usage else None)


@pytest.fixture(scope="module")
def server():
    with ProtocolServer() as running:
        yield running


@pytest.mark.parametrize(("protocol", "path"), CASES, ids=[f"{p}/{f.name}" for p, f in CASES])
def test_recorded_stream_matches_official_sdk(server: ProtocolServer, protocol: str, path: Path) -> None:
    body = path.read_bytes()
    if path.name in SDK_ERRORS:
        with pytest.raises(openai.APIError):
            sdk_outcome(server, protocol, body)
        with pytest.raises(BackendError, match="tool_use_failed"):
            decode(protocol, [body])
        return
    expected = sdk_outcome(server, protocol, body)
    if path.name in NO_ANSWER:
        assert expected.text == "" and not expected.tool_calls
        with pytest.raises(NoAnswerError, match=NO_ANSWER[path.name]) as raised:
            decode(protocol, [body])
        assert not raised.value.retryable
        return
    ours = engine_outcome(decode(protocol, [body]))
    assert ours.text == expected.text
    assert ours.usage == (X_GROQ_USAGE[path.name] if path.name in X_GROQ_USAGE else expected.usage)
    if path.name in PARTIAL_TOOL_INPUT:
        assert ours.tool_calls == expected.tool_calls[:-1] and len(expected.tool_calls) == 1
        assert decode(protocol, [body])[-1].reason == "length"
    else:
        assert ours.tool_calls == expected.tool_calls


def _splits(body: bytes):
    return st.lists(st.integers(min_value=0, max_value=len(body)), max_size=40).map(
        lambda cuts: [body[a:b] for a, b in zip([0, *sorted(cuts)], [*sorted(cuts), len(body)], strict=True)]
    )


@pytest.mark.parametrize(("protocol", "path"), [c for c in CASES if c[1].name not in {*SDK_ERRORS, *NO_ANSWER}],
                         ids=[f"{p}/{f.name}" for p, f in CASES if f.name not in {*SDK_ERRORS, *NO_ANSWER}])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_network_split_decodes_the_same(protocol: str, path: Path, data) -> None:
    body = path.read_bytes()
    whole = [e.to_json() for e in decode(protocol, [body])]
    chunks = data.draw(_splits(body))
    assert [e.to_json() for e in decode(protocol, chunks)] == whole


def test_byte_by_byte_split_of_a_crlf_stream() -> None:
    body = (recorded("gemini")[0]).read_bytes()
    assert b"\r\n" in body
    assert [e.to_json() for e in decode("gemini", [bytes([b]) for b in body])] == [e.to_json() for e in decode("gemini", [body])]


# built-in tool activity each recorded stream must report: (tool, a field, a fragment of that field's JSON)
BUILTIN_ACTIVITY = {
    ("openai_responses", "web_search_tool_stream.sse"): [("web_search", "action", "weather: San Francisco")],
    ("openai_responses", "code_interpreter_stream.sse"): [("code_interpreter", "code", "pow(123456, 123)")],
    ("anthropic_messages", "web_search_tool_stream.sse"): [("web_search", "input", "top world news today"),
                                                           ("web_search", "result", "web_search_result")],
    ("anthropic_messages", "code_execution_tool_stream.sse"): [("bash_code_execution", "input", "bc -l"),
                                                               ("bash_code_execution", "result", "-428330955.97745")],
    ("anthropic_messages", "mcp_servers_stream.sse"): [("mcp", "name", "ask_question"), ("mcp", "result", "pydantic")],
    ("gemini", "web_search_tool_stream.sse"): [("web_search", "queries", "weather in San Francisco today"),
                                               ("web_search", "sources", "uri")],
    ("gemini", "code_execution_stream.sse"): [("code_execution", "code", "65465 - 6544"),
                                              ("code_execution", "output", "-428330955.97745")],
    ("openai_chat", "groq_compound_web_search.sse"): [("search", "arguments", "weather in San Francisco")],
}


@pytest.mark.parametrize(("protocol", "name"), list(BUILTIN_ACTIVITY), ids=[f"{p}/{n}" for p, n in BUILTIN_ACTIVITY])
def test_builtin_tool_activity_is_reported(protocol: str, name: str) -> None:
    import json

    from massgen.events import BuiltinTool
    from tests.conftest import RECORDED

    events = [e for e in decode(protocol, [(RECORDED / protocol / name).read_bytes()]) if isinstance(e, BuiltinTool)]
    for tool, field, fragment in BUILTIN_ACTIVITY[(protocol, name)]:
        assert any(e.tool == tool and fragment in json.dumps(e.data.get(field), ensure_ascii=False) for e in events), \
            (tool, field, fragment, [e.to_json() for e in events])
