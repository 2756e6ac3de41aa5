"""Stream decoders facing what a provider should not (or rarely does) send.

- well-formed JSON of an unexpected shape is a ``StreamError`` naming the protocol and the event, never an
  ``AttributeError``/``KeyError`` (session code shows only ``MassGenError``s as ``error`` events);
- a tool call cut off by the length limit is dropped and the text kept (finish reason ``length``); invalid
  tool arguments on a normal finish are a ``StreamError`` naming the tool and showing the arguments;
- Responses refusals are the answer text with finish reason ``refusal``, as Chat Completions refusals are;
- a prompt Gemini blocked (``promptFeedback.blockReason``) is an error saying so and why;
- an SSE event with no ``data:`` line (``event: keepalive``) is not dispatched.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from massgen.engine.decoders import DECODERS
from massgen.engine.sse import iter_events
from massgen.errors import BadRequestError, MassGenError, ProviderError, StreamError
from massgen.events import Event, Finish, TextDelta, ToolCall
from tests.engine.helpers import ADD, backend_for, collect
from tests.engine.test_massgen_run import run as massgen_run
from tests.protocol_server import ProtocolServer, Reply


def sse(*events: Any, names: bool = False, newline: str = "\n") -> bytes:
    """An SSE body: dicts become JSON data lines (named by their ``type`` when ``names``); bytes go as they are."""
    out = []
    for event in events:
        if isinstance(event, bytes):
            out.append(event)
            continue
        name = f"event: {event['type']}{newline}" if names else ""
        out.append(f"{name}data: {json.dumps(event)}{newline}{newline}".encode())
    return b"".join(out)


def decode(protocol: str, body: bytes) -> list[Event]:
    decoder = DECODERS[protocol]()
    events: list[Event] = []
    for name, data in iter_events([body]):
        events += decoder.feed(name, data)
    return events + decoder.finish()


def chat_chunk(delta: dict[str, Any] | None = None, finish: str | None = None) -> dict[str, Any]:
    return {"id": "c1", "object": "chat.completion.chunk", "model": "m",
            "choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish}]}


def chat_call(index: int, arguments: str, name: str | None = "add", id_: str | None = "call_1") -> dict[str, Any]:
    function = {"arguments": arguments, **({"name": name} if name else {})}
    return {"tool_calls": [{"index": index, **({"id": id_, "type": "function"} if id_ else {}), "function": function}]}


def anthropic_start() -> dict[str, Any]:
    return {"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant", "content": [],
                                                 "usage": {"input_tokens": 10, "output_tokens": 1}}}


ANTHROPIC_END = [{"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 5}},
                 {"type": "message_stop"}]


def responses_text(text: str) -> dict[str, Any]:
    return {"type": "response.output_text.delta", "item_id": "msg_1", "output_index": 0, "content_index": 0,
            "delta": text}


def responses_end(status: str = "completed", reason: str | None = None) -> dict[str, Any]:
    kind = "response.completed" if status == "completed" else "response.incomplete"
    return {"type": kind, "response": {"id": "resp_1", "status": status, "output": [],
                                       "incomplete_details": {"reason": reason} if reason else None,
                                       "usage": {"input_tokens": 10, "output_tokens": 5}}}


def responses_call(arguments: str, status: str | None = "completed", **drop: bool) -> dict[str, Any]:
    item = {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "add", "arguments": arguments}
    if status:
        item["status"] = status
    item = {k: v for k, v in item.items() if not drop.get(k)}
    return {"type": "response.output_item.done", "output_index": 1, "item": item}


# 1. Well-formed JSON of an unexpected shape --------------------------------------------------------------------


@pytest.mark.parametrize("protocol", sorted(DECODERS))
@pytest.mark.parametrize("data", [b"[1]", b'"text"', b"3", b"null", b"true"])
def test_json_that_is_not_an_object_is_a_stream_error(protocol: str, data: bytes) -> None:
    with pytest.raises(StreamError, match=f"{protocol}: .*not a JSON object"):
        DECODERS[protocol]().feed(None, data)


@pytest.mark.parametrize(("protocol", "body", "expected"), [
    ("openai_chat", sse({"choices": "abc"}), r"openai_chat: .*'chunk'"),
    ("openai_chat", sse({"choices": {"0": {}}}), r"openai_chat: .*'chunk'.*no 0 field"),
    ("openai_chat", sse(chat_chunk({"tool_calls": [{"index": 0, "function": "add"}]})), r"openai_chat: .*'chunk'"),
    ("openai_chat", sse(chat_chunk({"tool_calls": {"index": 0}})), r"openai_chat: .*'chunk'"),
    ("anthropic_messages", sse(anthropic_start(), {"type": "content_block_delta", "delta": {"type": "text_delta", "text": "hi"}},
                               names=True), r"anthropic_messages: .*'content_block_delta'.*no 'index' field"),
    ("anthropic_messages", sse(anthropic_start(), {"type": "content_block_start", "index": 0}, names=True),
     r"anthropic_messages: .*'content_block_start'.*no 'content_block' field"),
    ("anthropic_messages", sse({"type": "message_start", "message": "msg_1"}, names=True),
     r"anthropic_messages: .*'message_start'"),
    ("anthropic_messages", sse(anthropic_start(), {"type": "content_block_start", "index": 0,
                                                   "content_block": {"type": "tool_use", "name": "add", "input": {}}},
                               {"type": "content_block_stop", "index": 0}, names=True),
     r"anthropic_messages: .*'content_block_stop'.*no 'id' field"),
    ("openai_responses", sse(responses_call('{"a": 1, "b": 2}', call_id=True), names=True),
     r"openai_responses: .*'response.output_item.done'.*no 'call_id' field"),
    ("openai_responses", sse({"type": "response.output_text.delta"}, names=True),
     r"openai_responses: .*'response.output_text.delta'.*no 'delta' field"),
    ("openai_responses", sse({"type": "response.completed", "response": []}, names=True),
     r"openai_responses: .*'response.completed'"),
    ("gemini", sse({"candidates": [{"content": {"parts": [{"functionCall": {"args": {}}}]}}]}),
     r"gemini: .*no 'name' field"),
    ("gemini", sse({"candidates": "none"}), r"gemini: "),
])
def test_unexpected_shapes_are_stream_errors_naming_protocol_and_event(protocol: str, body: bytes, expected: str) -> None:
    with pytest.raises(StreamError, match=expected):
        decode(protocol, body)


@pytest.mark.parametrize(("protocol", "body"), [
    ("openai_chat", sse(chat_chunk({"content": 5}, "stop"))),
    ("gemini", sse({"candidates": [{"content": {"parts": [{"text": 5}]}, "finishReason": "STOP"}]})),
    ("gemini", sse({"candidates": [{"finishReason": ["STOP"]}]})),
    ("openai_chat", sse(chat_chunk({"tool_calls": [{"index": 0, "function": {"name": "a", "arguments": "{}"}}]}),
                        chat_chunk({}, {"reason": "tool_calls"}))),
])
def test_unexpected_shapes_found_at_the_end_are_stream_errors_too(protocol: str, body: bytes) -> None:
    with pytest.raises(StreamError, match=f"{protocol}: "):
        decode(protocol, body)


@pytest.mark.parametrize(("protocol", "body"), [
    ("openai_chat", sse({"error": "model overloaded"})),
    ("anthropic_messages", sse({"type": "error", "error": "model overloaded"}, names=True)),
    ("openai_responses", sse({"type": "response.failed", "response": {"error": "model overloaded"}}, names=True)),
    ("gemini", sse({"error": "model overloaded"})),
])
def test_an_error_event_whose_error_is_a_string_still_reports_its_message(protocol: str, body: bytes) -> None:
    with pytest.raises(ProviderError, match="model overloaded"):
        decode(protocol, body)


# field names and event types each protocol reads: the fuzzer below builds events from them
FIELDS = {
    "openai_chat": ["choices", "delta", "index", "content", "refusal", "tool_calls", "function", "name", "arguments",
                    "id", "finish_reason", "usage", "prompt_tokens", "error", "message", "executed_tools", "type",
                    "reasoning", "x_groq"],
    "anthropic_messages": ["type", "index", "delta", "content_block", "message", "usage", "input_tokens", "text",
                           "thinking", "partial_json", "signature", "citation", "stop_reason", "id", "name", "input",
                           "error"],
    "openai_responses": ["type", "delta", "item", "response", "call_id", "name", "arguments", "status", "usage",
                         "incomplete_details", "reason", "error", "message", "input_tokens", "id"],
    "gemini": ["candidates", "content", "parts", "text", "thought", "functionCall", "name", "args", "finishReason",
               "usageMetadata", "groundingMetadata", "webSearchQueries", "groundingChunks", "executableCode",
               "codeExecutionResult", "promptFeedback", "blockReason", "error", "status"],
}
TYPES = ["content_block_delta", "content_block_start", "content_block_stop", "message_start", "message_delta",
         "message_stop", "text_delta", "thinking_delta", "signature_delta", "input_json_delta", "citations_delta",
         "tool_use", "server_tool_use", "mcp_tool_use", "web_search_tool_result", "text", "error",
         "response.output_text.delta", "response.refusal.delta", "response.reasoning_text.delta",
         "response.output_item.done", "response.completed", "response.incomplete", "response.failed", "function_call",
         "web_search_call", "message", "completed", "incomplete", "STOP", "MAX_TOKENS", "length", "tool_calls"]


def json_values(keys: list[str]) -> st.SearchStrategy[Any]:
    leaves = st.none() | st.booleans() | st.integers(-2, 3) | st.sampled_from(TYPES) | st.text(max_size=3)
    return st.recursive(leaves, lambda inner: st.lists(inner, max_size=3)
                        | st.dictionaries(st.sampled_from(keys), inner, max_size=4), max_leaves=12)


@pytest.mark.parametrize("protocol", sorted(DECODERS))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_json_the_provider_sends_ends_in_events_or_a_massgen_error(protocol: str, data: st.DataObject) -> None:
    events = data.draw(st.lists(st.dictionaries(st.sampled_from(FIELDS[protocol]), json_values(FIELDS[protocol]),
                                                max_size=5), min_size=1, max_size=5))
    decoder = DECODERS[protocol]()
    try:
        for event in events:
            decoder.feed(event.get("type") if isinstance(event.get("type"), str) else None, json.dumps(event).encode())
        decoder.finish()
    except MassGenError:
        pass


@pytest.mark.anyio
async def test_a_malformed_event_reaches_the_caller_as_a_stream_error(protocol_server: ProtocolServer) -> None:
    protocol_server.script(Reply.sse(sse(anthropic_start(), {"type": "content_block_delta", "delta": {"type": "text_delta", "text": "hi"}},
                                         *ANTHROPIC_END, names=True)))
    with pytest.raises(StreamError, match="content_block_delta"):
        await collect(backend_for(protocol_server, "claude", model="claude-sonnet-4-6"))


def test_massgen_run_shows_a_malformed_event_as_an_error_event(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    protocol_server.script(Reply.sse(sse(anthropic_start(), {"type": "content_block_delta", "delta": {"type": "text_delta", "text": "hi"}},
                                         *ANTHROPIC_END, names=True)))
    code, events, output = massgen_run(protocol_server, tmp_path)
    errors = [e for e in events if e["type"] == "error"]
    assert code != 0
    assert errors and "content_block_delta" in errors[0]["message"], output
    assert "internal error" not in output.lower() and "Traceback" not in output


# 2. Tool calls cut off by the length limit; invalid tool arguments ----------------------------------------------


def test_chat_tool_call_cut_off_by_the_length_limit_is_dropped_and_the_text_kept() -> None:
    events = decode("openai_chat", sse(chat_chunk({"role": "assistant", "content": "Let me check."}),
                                       chat_chunk(chat_call(0, '{"a": 1')), chat_chunk(finish="length"), b"data: [DONE]\n\n"))
    assert not [e for e in events if isinstance(e, ToolCall)]
    finish = events[-1]
    assert isinstance(finish, Finish) and finish.reason == "length" and finish.raw_reason == "length"
    assert finish.message.content == "Let me check." and finish.message.tool_calls == []
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Let me check."


def test_chat_length_limit_keeps_the_calls_that_were_complete() -> None:
    events = decode("openai_chat", sse(chat_chunk(chat_call(0, '{"a": 1, "b": 2}')),
                                       chat_chunk(chat_call(1, "", id_="call_2")), chat_chunk(chat_call(1, '{"a": ', name=None, id_=None)),
                                       chat_chunk(finish="length")))
    calls = [e for e in events if isinstance(e, ToolCall)]
    assert [(c.id, c.arguments) for c in calls] == [("call_1", {"a": 1, "b": 2})]
    assert events[-1].reason == "length" and events[-1].message.tool_calls == calls


def test_chat_length_limit_drops_a_call_whose_arguments_never_started() -> None:
    events = decode("openai_chat", sse(chat_chunk({"content": "Hm."}), chat_chunk(chat_call(0, "")), chat_chunk(finish="length")))
    assert not [e for e in events if isinstance(e, ToolCall)] and events[-1].message.content == "Hm."


def test_chat_invalid_arguments_on_a_normal_finish_name_the_tool_and_show_the_arguments() -> None:
    body = sse(chat_chunk({"content": "Let me check."}), chat_chunk(chat_call(0, '{"a": 1 "b": 2}')), chat_chunk(finish="tool_calls"))
    [call] = [e for e in decode("openai_chat", body) if isinstance(e, ToolCall)]
    assert call.name == "add" and call.arguments == {}
    assert re.search(r"""tool 'add'.*not valid JSON.*'\{"a": 1 "b": 2\}'""", call.error)


def test_long_invalid_arguments_are_shown_as_a_short_excerpt() -> None:
    arguments = '{"text": "' + "x" * 5000 + '"'
    [call] = [e for e in decode("openai_chat", sse(chat_chunk(chat_call(0, arguments)), chat_chunk(finish="tool_calls")))
              if isinstance(e, ToolCall)]
    assert "tool 'add'" in call.error and '{"text": "xxx' in call.error and "5,011 characters" in call.error
    assert len(call.error) < 400


@pytest.mark.anyio
async def test_chat_length_cut_end_to_end(protocol_server: ProtocolServer) -> None:
    protocol_server.script(Reply.sse(sse(chat_chunk({"role": "assistant", "content": "Let me check."}),
                                         chat_chunk(chat_call(0, '{"a": 1')), chat_chunk(finish="length"), b"data: [DONE]\n\n")))
    events = await collect(backend_for(protocol_server, "vllm", base_url=protocol_server.openai_base_url), tools=[ADD])
    assert not [e for e in events if isinstance(e, ToolCall)]
    assert events[-1].reason == "length" and events[-1].message.content == "Let me check."


@pytest.mark.parametrize("item_status", ["incomplete", None, "completed"])
def test_responses_tool_call_cut_off_by_the_length_limit_is_dropped_and_the_text_kept(item_status: str | None) -> None:
    events = decode("openai_responses", sse(responses_text("Let me check."), responses_call('{"a": 1', item_status),
                                            responses_end("incomplete", "max_output_tokens"), names=True))
    assert not [e for e in events if isinstance(e, ToolCall)]
    finish = events[-1]
    assert isinstance(finish, Finish) and finish.reason == "length" and finish.raw_reason == "max_output_tokens"
    assert finish.message.content == "Let me check." and finish.message.tool_calls == []
    assert all(item.get("type") != "function_call" for item in finish.message.provider_state["output"])


def test_responses_item_marked_incomplete_is_dropped_even_when_its_arguments_parse() -> None:
    events = decode("openai_responses", sse(responses_call('{"a": 1}', "incomplete"),
                                            responses_end("incomplete", "max_output_tokens"), names=True))
    assert not [e for e in events if isinstance(e, ToolCall)] and events[-1].reason == "length"


def test_responses_length_limit_keeps_the_calls_that_were_complete() -> None:
    events = decode("openai_responses", sse(responses_call('{"a": 1, "b": 2}'), responses_end("incomplete", "max_output_tokens"),
                                            names=True))
    assert [(e.name, e.arguments) for e in events if isinstance(e, ToolCall)] == [("add", {"a": 1, "b": 2})]
    assert events[-1].reason == "length"


def test_responses_reasoning_that_led_only_to_a_dropped_call_is_not_replayed() -> None:
    reasoning = {"type": "response.output_item.done", "output_index": 0,
                 "item": {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "x"}}
    events = decode("openai_responses", sse(reasoning, responses_call('{"a": 1', "incomplete"),
                                            responses_end("incomplete", "max_output_tokens"), names=True))
    assert events[-1].reason == "length" and events[-1].message.provider_state["output"] == []
    kept = decode("openai_responses", sse(reasoning, {"type": "response.output_item.done", "output_index": 1, "item": {
        "type": "message", "id": "msg_1", "role": "assistant", "content": [{"type": "output_text", "text": "Hi"}]}},
        responses_end("incomplete", "max_output_tokens"), names=True))
    assert [i["type"] for i in kept[-1].message.provider_state["output"]] == ["reasoning", "message"]

def test_responses_invalid_arguments_on_a_normal_finish_name_the_tool() -> None:
    events = decode("openai_responses", sse(responses_text("Let me check."), responses_call('{"a": 1'), responses_end(),
                                            names=True))
    [call] = [e for e in events if isinstance(e, ToolCall)]
    assert call.arguments == {} and re.search(r"tool 'add'.*not valid JSON.*\{\"a\": 1", call.error)
    assert events[-1].reason == "tool_calls" and events[-1].message.content == "Let me check."
    assert [i["type"] for i in events[-1].message.provider_state["output"]][-1] == "function_call"  # replayed in place
    with pytest.raises(StreamError, match=r"openai_responses: tool call 'add' is marked incomplete in a completed response"):
        decode("openai_responses", sse(responses_call('{"a": 1}', "incomplete"), responses_end(), names=True))


# 3. Responses refusals ----------------------------------------------------------------------------------------


def refusal_delta(text: str) -> dict[str, Any]:
    return {"type": "response.refusal.delta", "item_id": "msg_1", "output_index": 0, "content_index": 0, "delta": text}


def test_responses_refusal_is_the_answer_with_finish_reason_refusal() -> None:
    events = decode("openai_responses", sse(refusal_delta("I'm sorry, "), refusal_delta("I can't help with that."),
                                            responses_end(), names=True))
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["I'm sorry, ", "I can't help with that."]
    finish = events[-1]
    assert finish.reason == "refusal" and finish.raw_reason == "completed"
    assert finish.message.content == "I'm sorry, I can't help with that."


def test_chat_and_responses_report_a_refusal_alike() -> None:
    chat = decode("openai_chat", sse(chat_chunk({"refusal": "No."}), chat_chunk(finish="stop")))
    responses = decode("openai_responses", sse(refusal_delta("No."), responses_end(), names=True))
    assert (chat[-1].reason, chat[-1].message.content) == (responses[-1].reason, responses[-1].message.content) == ("refusal", "No.")


@pytest.mark.anyio
async def test_responses_refusal_end_to_end(protocol_server: ProtocolServer) -> None:
    protocol_server.script(Reply.sse(sse(refusal_delta("I can't help with that."), responses_end(), names=True)))
    events = await collect(backend_for(protocol_server, "openai", model="gpt-4.1"))
    assert events[-1].reason == "refusal" and events[-1].message.content == "I can't help with that."


# 4. A prompt Gemini blocked -----------------------------------------------------------------------------------

BLOCKED = {"promptFeedback": {"blockReason": "PROHIBITED_CONTENT", "blockReasonMessage": "The prompt mentions forbidden things."},
           "usageMetadata": {"promptTokenCount": 12, "totalTokenCount": 12}, "modelVersion": "gemini-2.5-flash"}


def test_a_blocked_gemini_prompt_says_it_was_blocked_and_why() -> None:
    with pytest.raises(BadRequestError, match=r"gemini: .*prompt was blocked.*PROHIBITED_CONTENT.*forbidden things") as raised:
        decode("gemini", sse(BLOCKED, newline="\r\n"))
    assert not raised.value.retryable and "ended before" not in str(raised.value)


def test_a_blocked_gemini_prompt_without_a_message_still_names_the_reason() -> None:
    with pytest.raises(BadRequestError, match=r"prompt was blocked \(SAFETY\)"):
        decode("gemini", sse({"promptFeedback": {"blockReason": "SAFETY", "safetyRatings": []}}))


def test_gemini_prompt_feedback_without_a_block_reason_changes_nothing() -> None:
    events = decode("gemini", sse({"promptFeedback": {"safetyRatings": []}},
                                  {"candidates": [{"content": {"role": "model", "parts": [{"text": "Hi"}]}, "finishReason": "STOP"}]}))
    assert events[-1].reason == "stop" and events[-1].message.content == "Hi"


@pytest.mark.anyio
async def test_a_blocked_gemini_prompt_end_to_end(protocol_server: ProtocolServer) -> None:
    protocol_server.script(Reply.sse(sse(BLOCKED, newline="\r\n")))
    with pytest.raises(BadRequestError, match="PROHIBITED_CONTENT"):
        await collect(backend_for(protocol_server, "gemini", model="gemini-2.5-flash"))


# 5. SSE events without data -----------------------------------------------------------------------------------


def test_an_anthropic_stream_with_data_less_events_decodes() -> None:
    body = sse(anthropic_start(), b"event: ping\n\n",
               {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
               b"event: keepalive\n\n",
               {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}},
               {"type": "content_block_stop", "index": 0}, *ANTHROPIC_END, b"event: keepalive", names=True)
    events = decode("anthropic_messages", body)
    assert events[-1].reason == "stop" and events[-1].message.content == "Hi"


@pytest.mark.anyio
async def test_data_less_events_end_to_end(protocol_server: ProtocolServer) -> None:
    protocol_server.script(Reply.sse(b"event: keepalive\n\n" + sse(chat_chunk({"content": "Hi"}), b"event: keepalive\n\n",
                                                                    chat_chunk(finish="stop"), b"data: [DONE]\n\n")))
    events = await collect(backend_for(protocol_server, "vllm", base_url=protocol_server.openai_base_url))
    assert events[-1].reason == "stop" and events[-1].message.content == "Hi"

