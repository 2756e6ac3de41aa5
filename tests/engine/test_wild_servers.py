"""Streams rebuilt from public bug reports of servers in the wild (vLLM, MiniMax/Ollama, DeepSeek, Gemini), each
replayed over loopback HTTP through the engine, and the kinds they stand for: tool-call assembly on
OpenAI-compatible streams, reasoning replay, finish reasons that mean "no answer", in-stream error shapes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from massgen.conversation import Message, ToolSpec
from massgen.engine.decoders import DECODERS, ChatDecoder
from massgen.engine.sse import iter_events
from massgen.errors import (
    AuthenticationError,
    BadRequestError,
    NoAnswerError,
    ProviderError,
    RateLimitError,
)
from massgen.events import Event, Finish, Retry, TextDelta, ToolCall
from massgen.session import run_session
from tests.engine.helpers import agent_spec, backend_for, collect
from tests.protocol_server import ProtocolServer, Reply, Turn

LOOKUP = ToolSpec("lookup", "Look something up", {"type": "object", "properties": {"q": {"type": "string"}}})


def sse(*chunks: Any, done: bool = True) -> bytes:
    body = b"".join(b"data: " + (c if isinstance(c, bytes) else json.dumps(c, ensure_ascii=False).encode()) + b"\n\n" for c in chunks)
    return body + (b"data: [DONE]\n\n" if done else b"")


def chat_decode(*chunks: Any, facts: dict[str, Any] | None = None) -> list[Event]:
    decoder = ChatDecoder(facts)
    events: list[Event] = []
    for name, data in iter_events([sse(*chunks)]):
        events += decoder.feed(name, data)
    return events + decoder.finish()


def calls_of(events: list[Event]) -> list[tuple[str, dict[str, Any]]]:
    return [(e.name, e.arguments) for e in events if isinstance(e, ToolCall)]


def delta(d: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": d, **({"finish_reason": finish} if finish else {})}]}


# -- input 1: vLLM streams tool calls without ids ------------------------------------------------------------

VLLM_NO_IDS = (
    b'data: {"choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"type":"function","function":'
    b'{"name":"lookup","arguments":"{\\"q\\": \\"alpha\\"}"}}]}}]}\n\n'
    b'data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"type":"function","function":{"name":"lookup",'
    b'"arguments":"{\\"q\\": \\"beta\\"}"}}]}}]}\n\n'
    b'data: {"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}\n\n'
    b"data: [DONE]\n\n"
)


@pytest.mark.anyio
async def test_input_1_vllm_tool_calls_without_ids_get_distinct_ids_the_follow_up_matches(
    protocol_server: ProtocolServer,
) -> None:
    protocol_server.script(Reply.sse(VLLM_NO_IDS), Turn(text="alpha and beta found"))
    spec = agent_spec({"type": "vllm", "model": "m", "base_url": protocol_server.openai_base_url})
    tools_seen: list[Any] = []

    async def lookup(arguments: dict[str, Any]) -> Any:
        from massgen.agent import ToolOutcome

        tools_seen.append(arguments["q"])
        return ToolOutcome(f"found {arguments['q']}")

    from massgen.agent import Tool, Toolset, run_agent
    from massgen.engine.adapters import create

    result = await run_agent(create(spec), [Message("user", "look up alpha and beta")],
                             Toolset().add(Tool(LOOKUP, lookup)), lambda event: None)
    assert result.answer == "alpha and beta found" and tools_seen == ["alpha", "beta"]
    follow_up = protocol_server.requests[1].body["messages"]
    [assistant] = [m for m in follow_up if m["role"] == "assistant"]
    ids = [c["id"] for c in assistant["tool_calls"]]
    assert all(ids) and len(set(ids)) == 2
    assert [m["tool_call_id"] for m in follow_up if m["role"] == "tool"] == ids
    assert [json.loads(c["function"]["arguments"]) for c in assistant["tool_calls"]] == [{"q": "alpha"}, {"q": "beta"}]


# -- input 2: MiniMax / Ollama send arguments as a JSON object ------------------------------------------------

@pytest.mark.anyio
async def test_input_2_arguments_as_a_json_object(protocol_server: ProtocolServer) -> None:
    body = sse(delta({"role": "assistant", "tool_calls": [
        {"index": 0, "id": "call_1", "type": "function", "function": {"name": "run", "arguments": {"command": "echo ok"}}}]}),
        delta({}, "tool_calls"))
    protocol_server.script(Reply.sse(body))
    events = await collect(backend_for(protocol_server, "vllm"))
    [call] = [e for e in events if isinstance(e, ToolCall)]
    assert call.to_json() == {"type": "tool_call", "agent": "agent_a", "id": "call_1", "name": "run",
                              "arguments": {"command": "echo ok"}}
    assert events[-1].reason == "tool_calls"


# -- input 3: DeepSeek's thinking mode needs its reasoning_content back ---------------------------------------

@pytest.mark.anyio
async def test_input_3_deepseek_reasoning_content_is_sent_back_on_the_tool_call_turn(
    protocol_server: ProtocolServer,
) -> None:
    first = sse(delta({"role": "assistant", "content": None, "reasoning_content": "Need "}),
                delta({"content": None, "reasoning_content": "the forecast."}),
                delta({"tool_calls": [{"index": 0, "id": "call_w", "type": "function",
                                       "function": {"name": "lookup", "arguments": '{"q": "forecast"}'}}]}),
                delta({}, "tool_calls"))
    protocol_server.script(Reply.sse(first), Turn(text="Sunny."))
    spec = agent_spec({"type": "chatcompletion", "model": "deepseek-reasoner", "api_key": "k",
                       "base_url": protocol_server.openai_base_url})
    from massgen.agent import Tool, ToolOutcome, Toolset, run_agent
    from massgen.engine.adapters import create

    async def lookup(arguments: dict[str, Any]) -> ToolOutcome:
        return ToolOutcome("sunny")

    await run_agent(create(spec), [Message("user", "Weather?")], Toolset().add(Tool(LOOKUP, lookup)), lambda e: None)
    [assistant] = [m for m in protocol_server.requests[1].body["messages"] if m["role"] == "assistant"]
    assert assistant["reasoning_content"] == "Need the forecast."
    assert assistant["tool_calls"][0]["id"] == "call_w"


# -- input 4: Gemini finishes with MALFORMED_FUNCTION_CALL and no content -------------------------------------

GEMINI_MALFORMED = (b'data: {"candidates": [{"content": {}, "finishReason": "MALFORMED_FUNCTION_CALL", '
                    b'"finishMessage": "Malformed function call: print(default_api.lookup(q=))", "index": 0}], '
                    b'"usageMetadata": {"promptTokenCount": 7, "totalTokenCount": 7}}\r\n\r\n')


@pytest.mark.anyio
async def test_input_4_gemini_malformed_function_call_is_retried_then_answers(protocol_server: ProtocolServer) -> None:
    protocol_server.script(Reply.sse(GEMINI_MALFORMED), Turn(text="fine now"))
    events = await collect(backend_for(protocol_server, "gemini", model="gemini-2.5-flash"))
    assert events[-1].message.content == "fine now" and len(protocol_server.requests) == 2


@pytest.mark.anyio
async def test_input_4_gemini_malformed_function_call_every_time_is_an_error_event_and_exit_1(
    protocol_server: ProtocolServer, tmp_path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import subprocess
    import sys

    protocol_server.handler = lambda request: Reply.sse(GEMINI_MALFORMED)
    config = tmp_path / "config.yaml"
    config.write_text(f"agents:\n  - id: solo\n    backend:\n      type: gemini\n      model: gemini-2.5-flash\n"
                      f"      base_url: {protocol_server.base_url}\n      max_retries: 1\n")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "GEMINI_API_KEY": "test-key"}
    done = subprocess.run([sys.executable, "-m", "massgen.cli", "run", "--config", str(config), "--output", "jsonl",
                           "hi"], capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert done.returncode == 1, done.stdout + done.stderr
    [error] = [e for e in events if e["type"] == "error"]
    assert "MALFORMED_FUNCTION_CALL" in error["message"] and "print(default_api.lookup(q=))" in error["message"]
    assert not [e for e in events if e["type"] == "final"] and len(protocol_server.requests) == 2


# -- the kind: tool-call assembly on OpenAI-compatible streams -----------------------------------------------

def call(index: int | None, *, id_: str | None = None, name: str | None = None, arguments: Any = None,
         omit_index: bool = False) -> dict[str, Any]:
    fragment: dict[str, Any] = {} if omit_index else {"index": index}
    if id_:
        fragment.update(id=id_, type="function")
    function = {k: v for k, v in (("name", name), ("arguments", arguments)) if v is not None}
    return {**fragment, "function": function}


def tool_chunk(*fragments: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return delta({"tool_calls": list(fragments)}, finish)


def test_assembly_id_type_and_name_sent_once_arguments_in_pieces() -> None:
    events = chat_decode(tool_chunk(call(0, id_="a", name="lookup", arguments="")),
                         tool_chunk(call(0, arguments='{"q"')), tool_chunk(call(0, arguments=': "x"}')),
                         delta({}, "tool_calls"))
    assert calls_of(events) == [("lookup", {"q": "x"})] and events[0].id == "a"


def test_assembly_whole_calls_in_one_chunk() -> None:
    events = chat_decode(tool_chunk(call(0, id_="a", name="f", arguments='{"n": 1}'),
                                    call(1, id_="b", name="g", arguments='{"n": 2}'), finish="tool_calls"))
    assert calls_of(events) == [("f", {"n": 1}), ("g", {"n": 2})]


def test_assembly_interleaved_parallel_calls() -> None:
    events = chat_decode(tool_chunk(call(0, id_="a", name="f", arguments='{"n"')),
                         tool_chunk(call(1, id_="b", name="g", arguments='{"m"')),
                         tool_chunk(call(0, arguments=": 1}")), tool_chunk(call(1, arguments=": 2}")),
                         delta({}, "tool_calls"))
    assert calls_of(events) == [("f", {"n": 1}), ("g", {"m": 2})]
    assert [e.id for e in events if isinstance(e, ToolCall)] == ["a", "b"]


def test_assembly_a_new_id_at_an_index_in_use_is_a_new_call() -> None:
    events = chat_decode(tool_chunk(call(0, id_="a", name="f", arguments='{"n": 1}')),
                         tool_chunk(call(0, id_="b", name="g", arguments='{"n": 2}')), delta({}, "tool_calls"))
    assert calls_of(events) == [("f", {"n": 1}), ("g", {"n": 2})]


@pytest.mark.parametrize("missing", ["null", "absent"])
def test_assembly_a_null_or_missing_index(missing: str) -> None:
    def frag(**kw: Any) -> dict[str, Any]:
        return call(None, omit_index=missing == "absent", **kw)

    events = chat_decode(tool_chunk(frag(id_="a", name="f", arguments='{"n"')), tool_chunk(frag(arguments=": 1}")),
                         tool_chunk(frag(id_="b", name="g", arguments="{}")),
                         tool_chunk(frag(name="h", arguments='{"z": 0}')), delta({}, "tool_calls"))
    assert calls_of(events) == [("f", {"n": 1}), ("g", {}), ("h", {"z": 0})]
    ids = [e.id for e in events if isinstance(e, ToolCall)]
    assert ids[:2] == ["a", "b"] and ids[2] and len(set(ids)) == 3


def test_assembly_a_name_repeated_while_arguments_stream_continues_the_call() -> None:
    events = chat_decode(tool_chunk(call(0, name="f", arguments='{"n"')), tool_chunk(call(0, name="f", arguments=": 1}")),
                         delta({}, "tool_calls"))
    assert calls_of(events) == [("f", {"n": 1})]


def test_assembly_missing_ids_are_unique_across_turns() -> None:
    first = chat_decode(tool_chunk(call(0, name="f", arguments="{}"), finish="tool_calls"))
    second = chat_decode(tool_chunk(call(0, name="f", arguments="{}"), finish="tool_calls"))
    assert first[0].id and first[0].id != second[0].id


@pytest.mark.parametrize("cut", range(1, 14))
def test_assembly_arguments_split_inside_an_escape(cut: int) -> None:
    text = json.dumps({"q": 'é "\\ \u00e9'})  # \u00e9 escapes, an escaped quote and backslash
    events = chat_decode(tool_chunk(call(0, id_="a", name="f", arguments=text[:cut])),
                         tool_chunk(call(0, arguments=text[cut:])), delta({}, "tool_calls"))
    assert calls_of(events) == [("f", {"q": 'é "\\ é'})]


def test_assembly_arguments_split_inside_a_utf8_sequence_on_the_wire() -> None:
    body = sse(tool_chunk(call(0, id_="a", name="f", arguments='{"q": "日本"}'), finish="tool_calls"))
    cut = body.index("日".encode()) + 1  # the network read ends inside the character
    decoder = ChatDecoder()
    events = [e for name, data in iter_events([body[:cut], body[cut:]]) for e in decoder.feed(name, data)]
    assert calls_of(events + decoder.finish()) == [("f", {"q": "日本"})]


# -- the kind: reasoning replay, as data -----------------------------------------------------------------------

def replayed(provider_state: Any, preset: str | None = None, tool_calls: bool = True) -> dict[str, Any]:
    """The assistant message the chat codec sends for a turn with ``provider_state`` (through a real request)."""
    backend: dict[str, Any] = {"type": preset or "chatcompletion", "model": "m", "api_key": "k"}
    if not preset:
        backend["base_url"] = "http://127.0.0.1:9/v1"
    spec = agent_spec(backend)
    from massgen.engine.adapters import create

    calls = [ToolCall(id="c1", name="lookup", arguments={})] if tool_calls else []
    turn = Message("assistant", "", tool_calls=calls, provider_state=provider_state)
    request = create(spec).build_request([Message("user", "hi"), turn], [])
    return next(m for m in request.body["messages"] if m["role"] == "assistant")


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_reasoning_is_kept_per_turn_under_the_field_it_came_in(field: str) -> None:
    events = chat_decode(delta({field: "think "}), delta({field: "hard"}), delta({"content": "done"}, "stop"))
    assert events[-1].message.provider_state == {"reasoning": {field: "think hard"}}
    assert replayed(events[-1].message.provider_state)[field] == "think hard"


def test_openrouter_reasoning_details_are_merged_by_index_and_sent_back() -> None:
    events = chat_decode(
        delta({"reasoning": "a", "reasoning_details": [{"type": "reasoning.text", "text": "a", "index": 0, "format": "x"}]}),
        delta({"reasoning": "b", "reasoning_details": [{"type": "reasoning.text", "text": "b", "index": 0}]}),
        delta({"reasoning_details": [{"type": "reasoning.text", "index": 0, "signature": "sig"}]}),
        delta({"reasoning_details": [{"type": "reasoning.encrypted", "data": "xyz", "index": 1}]}),
        tool_chunk(call(0, id_="c1", name="lookup", arguments="{}"), finish="tool_calls"))
    state = events[-1].message.provider_state
    details = [{"type": "reasoning.text", "text": "ab", "index": 0, "format": "x", "signature": "sig"},
               {"type": "reasoning.encrypted", "data": "xyz", "index": 1}]
    assert state == {"reasoning": {"reasoning": "ab"}, "reasoning_details": details}
    sent = replayed(state, "openrouter")
    assert sent["reasoning_details"] == details and sent["reasoning"] == "ab"


def test_groq_never_gets_reasoning_back_it_rejects_the_field() -> None:
    # Groq answers 400 "property 'reasoning' is unsupported" (and the same for reasoning_content)
    state = {"reasoning": {"reasoning": "hm", "reasoning_content": "hm"}}
    sent = replayed(state, "groq")
    assert "reasoning" not in sent and "reasoning_content" not in sent and sent["tool_calls"]


def test_no_reasoning_no_extra_fields() -> None:
    events = chat_decode(delta({"content": "plain"}, "stop"))
    assert events[-1].message.provider_state is None
    assert set(replayed(None, tool_calls=False)) == {"role", "content"}


@pytest.mark.parametrize(("protocol", "body", "state_key"), [
    ("anthropic_messages", b"".join(
        f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in [
            {"type": "message_start", "message": {"usage": {"input_tokens": 1, "output_tokens": 0}}},
            {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": ""}},
            {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "hm"}},
            {"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "SIG"}},
            {"type": "content_block_stop", "index": 0},
            {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 3}},
            {"type": "message_stop"}]), "SIG"),
    ("gemini", sse({"candidates": [{"content": {"role": "model", "parts": [
        {"functionCall": {"name": "lookup", "args": {}}, "thoughtSignature": "GSIG"}]}, "finishReason": "STOP"}]},
        done=False), "GSIG"),
    ("openai_responses", b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in [
        {"type": "response.output_item.done", "item": {"type": "reasoning", "id": "rs_1", "encrypted_content": "ENC",
                                                        "summary": []}},
        {"type": "response.output_item.done", "item": {"type": "function_call", "call_id": "c", "name": "lookup",
                                                        "arguments": "{}"}},
        {"type": "response.completed", "response": {"id": "r", "status": "completed"}}]), "ENC"),
])
def test_reasoning_of_the_other_protocols_is_replayed_in_their_own_form(protocol: str, body: bytes, state_key: str) -> None:
    from massgen.engine.codecs import CODECS

    decoder = DECODERS[protocol]()
    events = [e for name, data in iter_events([body]) for e in decoder.feed(name, data)] + decoder.finish()
    message = events[-1].message
    rendered = CODECS[protocol].render([Message("user", "q"), message], [])
    assert state_key in json.dumps(rendered)


# -- the kind: finish reasons that mean "no usable answer" ----------------------------------------------------

GEMINI_NO_ANSWER = ["SAFETY", "RECITATION", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "MALFORMED_FUNCTION_CALL",
                    "UNEXPECTED_TOOL_CALL", "OTHER"]


@pytest.mark.parametrize("reason", GEMINI_NO_ANSWER)
def test_gemini_finish_reasons_without_an_answer_are_never_an_empty_success(reason: str) -> None:
    decoder = DECODERS["gemini"]()
    decoder.feed(None, json.dumps({"candidates": [{"content": {}, "finishReason": reason,
                                                   "finishMessage": f"why {reason}"}]}).encode())
    with pytest.raises(NoAnswerError, match=f"{reason}: why {reason}") as raised:
        decoder.finish()
    assert raised.value.retryable == (reason in ("MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL"))
    assert ("withheld" in str(raised.value)) == (reason not in ("MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL", "OTHER"))


def test_a_safety_stop_after_some_text_is_that_text_marked_refusal() -> None:
    decoder = DECODERS["gemini"]()
    decoder.feed(None, json.dumps({"candidates": [{"content": {"parts": [{"text": "Partly"}]}, "finishReason": "SAFETY"}]}).encode())
    assert decoder.finish()[-1].reason == "refusal"


def test_openai_content_filter_with_nothing_written_is_a_refusal_error() -> None:
    with pytest.raises(NoAnswerError, match="withheld the answer .content_filter"):
        chat_decode(delta({}, "content_filter"))
    assert chat_decode(delta({"content": "I can't"}, "content_filter"))[-1].reason == "refusal"


def test_anthropic_refusal_stop_reason_with_nothing_written() -> None:
    decoder = DECODERS["anthropic_messages"]()
    for event in [{"type": "message_start", "message": {"usage": {}}},
                  {"type": "message_delta", "delta": {"stop_reason": "refusal",
                                                      "stop_details": {"explanation": "policy"}}},
                  {"type": "message_stop"}]:
        decoder.feed(event["type"], json.dumps(event).encode())
    with pytest.raises(NoAnswerError, match=r"withheld the answer \(refusal: policy\)"):
        decoder.finish()


@pytest.mark.parametrize(("reason", "outcome"), [("max_output_tokens", "length"), ("content_filter", NoAnswerError),
                                                 ("something_new", "other")])
def test_responses_incomplete_with_its_reason(reason: str, outcome: Any) -> None:
    decoder = DECODERS["openai_responses"]()
    event = {"type": "response.incomplete", "response": {"status": "incomplete", "incomplete_details": {"reason": reason}}}
    if isinstance(outcome, str):
        assert decoder.feed(None, json.dumps(event).encode())[-1].reason == outcome
    else:
        with pytest.raises(outcome, match=reason):
            decoder.feed(None, json.dumps(event).encode())


def test_openrouter_finish_reason_error_is_an_error() -> None:
    with pytest.raises(NoAnswerError, match=r"no usable answer \(error\)"):
        chat_decode(delta({"content": ""}, "error"))


def test_finish_reasons_are_data_a_preset_can_override() -> None:
    from massgen.engine.template import load_template

    facts = load_template("openai_chat")[0]
    custom = {**facts, "finish_reasons": {**facts["finish_reasons"], "abort": "retry"}}
    with pytest.raises(NoAnswerError) as raised:
        chat_decode(delta({"content": "par"}, "abort"), facts=custom)
    assert raised.value.retryable
    assert chat_decode(delta({"content": "par"}, "abort"))[-1].reason == "other"


@pytest.mark.anyio
async def test_a_retried_no_answer_after_text_sends_a_retry_event(protocol_server: ProtocolServer) -> None:
    malformed = sse({"candidates": [{"content": {"parts": [{"text": "Let me call"}]}}]},
                    {"candidates": [{"content": {}, "finishReason": "MALFORMED_FUNCTION_CALL"}]}, done=False)
    protocol_server.script(Reply.sse(malformed), Turn(text="answer"))
    events = await collect(backend_for(protocol_server, "gemini", model="gemini-2.5-flash"))
    [retry] = [e for e in events if isinstance(e, Retry)]
    assert "MALFORMED_FUNCTION_CALL" in retry.reason and events[-1].message.content == "answer"
    assert [e.text for e in events[:events.index(retry)] if isinstance(e, TextDelta)] == ["Let me call"]


# -- the kind: in-stream errors in every shape, classified by the status mapping ------------------------------

@pytest.mark.parametrize(("protocol", "chunk", "error", "fragment"), [
    ("openai_chat", {"error": {"message": "busy", "code": 503}}, ProviderError, "busy"),
    ("openai_chat", {"error": {"message": "bad", "code": "400"}}, BadRequestError, "bad"),
    ("openai_chat", {"error": {"message": "slow", "code": "rate_limit_exceeded", "type": "requests"}}, RateLimitError,
     "rate_limit_exceeded"),
    ("openai_chat", {"error": {"message": "no", "status_code": 401}}, AuthenticationError, "no"),
    ("openai_chat", {"object": "error", "message": "vllm says no", "type": "BadRequestError", "code": 400},
     BadRequestError, "vllm says no"),
    ("openai_chat", {"error": {"message": "gone", "type": "server_error"}}, ProviderError, "server_error"),
    ("openai_chat", {"error": "plain words"}, ProviderError, "plain words"),
    ("gemini", {"error": {"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED"}}, RateLimitError,
     "RESOURCE_EXHAUSTED"),
    ("gemini", {"error": {"message": "bad arg", "status": "INVALID_ARGUMENT"}}, BadRequestError, "bad arg"),
    ("gemini", {"error": {"message": "later", "status": "UNAVAILABLE"}}, ProviderError, "later"),
    ("anthropic_messages", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
     ProviderError, "overloaded_error"),
    ("anthropic_messages", {"type": "error", "error": {"type": "invalid_request_error", "message": "nope"}},
     BadRequestError, "nope"),
    ("openai_responses", {"type": "error", "code": "rate_limit_exceeded", "message": "slow down"}, RateLimitError,
     "slow down"),
    ("openai_responses", {"type": "error", "error": {"type": "invalid_request_error", "code": "bad", "message": "x"}},
     BadRequestError, "invalid_request_error"),
    ("openai_responses", {"type": "response.failed", "response": {"error": {"code": "server_error", "message": "boom"}}},
     ProviderError, "boom"),
])
def test_in_stream_error_shapes(protocol: str, chunk: dict[str, Any], error: type, fragment: str) -> None:
    decoder = DECODERS[protocol]()
    with pytest.raises(error, match=fragment) as raised:
        decoder.feed(chunk.get("type"), json.dumps(chunk).encode())
    assert type(raised.value) is error  # the status it stands for decides the class, so retryable or not
    assert raised.value.retryable == (error in (ProviderError, RateLimitError))


@pytest.mark.anyio
async def test_an_in_stream_error_reaches_the_run_as_an_error_event_with_retryable(protocol_server: ProtocolServer) -> None:
    body = sse(delta({"content": "par"}), {"error": {"message": "Overloaded", "type": "overloaded_error"}}, done=False)
    protocol_server.script(Reply.sse(body))
    spec = agent_spec({"type": "vllm", "model": "m", "base_url": protocol_server.openai_base_url, "max_retries": 0})
    from massgen.config.plan import RunPlan

    seen: list[dict[str, Any]] = []
    with pytest.raises(ProviderError):
        await run_session(RunPlan(agents=[spec]), "hi", lambda e: seen.append(e.to_json()))
    [error] = [e for e in seen if e["type"] == "error"]
    assert error["retryable"] is True and "Overloaded" in error["message"]


def test_finish_events_end_every_decoded_turn() -> None:
    assert isinstance(chat_decode(delta({"content": "x"}, "stop"))[-1], Finish)
