"""The protocol server is itself tested against the official SDKs: if they parse it, it is faithful."""

from __future__ import annotations

import json
import socket

import anthropic
import httpx
import openai
import pytest
from google import genai
from google.genai import types as genai_types

from tests.conftest import RECORDED
from tests.protocol_server import Call, Fault, ProtocolServer, Reply, Turn

TURN = Turn(text="Hello there, world", reasoning="think first", tool_calls=[Call("add", {"a": 1, "b": [2, 3]})], usage=(12, 7))


def test_openai_chat_stream_parsed_by_sdk(protocol_server: ProtocolServer) -> None:
    protocol_server.script(TURN)
    client = openai.OpenAI(base_url=protocol_server.openai_base_url, api_key="sk-test-123456789")
    with client.chat.completions.stream(
        model="gpt-x", messages=[{"role": "user", "content": "hi"}], stream_options={"include_usage": True}
    ) as stream:
        final = stream.get_final_completion()
    message = final.choices[0].message
    assert message.content == "Hello there, world"
    assert message.tool_calls[0].function.name == "add"
    assert json.loads(message.tool_calls[0].function.arguments) == {"a": 1, "b": [2, 3]}
    assert final.choices[0].finish_reason == "tool_calls"
    assert (final.usage.prompt_tokens, final.usage.completion_tokens) == (12, 7)
    request = protocol_server.requests[-1]
    assert request.protocol == "openai_chat" and request.body["stream"] is True
    assert request.headers["authorization"] == "Bearer sk-test-123456789"


def test_openai_chat_raw_stream_ends_with_done_and_no_usage_unless_asked(protocol_server: ProtocolServer) -> None:
    protocol_server.script(Turn(text="hi"))
    response = httpx.post(f"{protocol_server.openai_base_url}/chat/completions", json={"model": "m", "stream": True, "messages": []})
    events = response.text.split("\n\n")
    assert events[-2] == "data: [DONE]" and events[-1] == ""
    assert all('"usage"' not in e for e in events)


def test_openai_chat_non_streaming_and_azure_path(protocol_server: ProtocolServer) -> None:
    protocol_server.script(Turn(text="plain answer"))
    client = openai.AzureOpenAI(azure_endpoint=protocol_server.base_url, api_key="azure-key", api_version="2024-10-21")
    completion = client.chat.completions.create(model="my-deployment", messages=[{"role": "user", "content": "q"}])
    assert completion.choices[0].message.content == "plain answer"
    request = protocol_server.requests[-1]
    assert request.path == "/openai/deployments/my-deployment/chat/completions"
    assert request.query == {"api-version": "2024-10-21"}
    assert request.headers["api-key"] == "azure-key"
    assert completion.model == "my-deployment"


def test_responses_stream_parsed_by_sdk(protocol_server: ProtocolServer) -> None:
    protocol_server.script(TURN)
    client = openai.OpenAI(base_url=protocol_server.openai_base_url, api_key="k")
    with client.responses.stream(model="gpt-x", input="hi", instructions="be brief") as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_response()
    assert final.output_text == "Hello there, world"
    call = next(item for item in final.output if item.type == "function_call")
    assert (call.name, json.loads(call.arguments)) == ("add", {"a": 1, "b": [2, 3]})
    assert final.output[0].type == "reasoning" and final.output[0].summary[0].text == "think first"
    assert (final.usage.input_tokens, final.usage.output_tokens) == (12, 7)
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    assert protocol_server.requests[-1].system_text() == "be brief"


def test_anthropic_stream_parsed_by_sdk(protocol_server: ProtocolServer) -> None:
    protocol_server.script(TURN)
    client = anthropic.Anthropic(base_url=protocol_server.base_url, api_key="ak")
    with client.messages.stream(model="claude-x", max_tokens=64, system="SYS", messages=[{"role": "user", "content": "hi"}]) as stream:
        final = stream.get_final_message()
    kinds = [block.type for block in final.content]
    assert kinds == ["thinking", "text", "tool_use"]
    assert final.content[0].thinking == "think first" and final.content[0].signature
    assert final.content[1].text == "Hello there, world"
    assert (final.content[2].name, final.content[2].input) == ("add", {"a": 1, "b": [2, 3]})
    assert final.stop_reason == "tool_use"
    assert (final.usage.input_tokens, final.usage.output_tokens) == (12, 7)
    request = protocol_server.requests[-1]
    # this SDK release sends the key as a Bearer token; older ones (and the claude CLI) use x-api-key
    assert "ak" in (request.headers.get("x-api-key"), request.headers.get("authorization", "").removeprefix("Bearer "))
    assert "anthropic-version" in request.headers
    assert request.system_text() == "SYS"


def test_anthropic_non_streaming_beta_and_count_tokens(protocol_server: ProtocolServer) -> None:
    protocol_server.script(Turn(text="short"))
    client = anthropic.Anthropic(base_url=protocol_server.base_url, api_key="ak")
    message = client.messages.create(model="claude-x", max_tokens=10, messages=[{"role": "user", "content": "hi"}])
    assert message.content[0].text == "short"
    protocol_server.script(Turn(text="beta"))  # the claude CLI posts to /v1/messages?beta=true
    reply = httpx.post(f"{protocol_server.base_url}/v1/messages?beta=true", json={"model": "c", "messages": []})
    assert reply.json()["content"] == [{"type": "text", "text": "beta"}]
    count = client.messages.count_tokens(model="claude-x", messages=[{"role": "user", "content": "hello"}])
    assert count.input_tokens >= 1
    assert protocol_server.pending == 0  # count_tokens does not consume a scripted turn


def test_gemini_stream_parsed_by_sdk(protocol_server: ProtocolServer) -> None:
    protocol_server.script(TURN)
    client = genai.Client(api_key="gk", http_options=genai_types.HttpOptions(base_url=protocol_server.base_url))
    chunks = list(client.models.generate_content_stream(model="gemini-x", contents="hi"))
    parts = [part for chunk in chunks for part in chunk.candidates[0].content.parts]
    assert "".join(p.text for p in parts if p.text and not p.thought) == "Hello there, world"
    assert "".join(p.text for p in parts if p.thought) == "think first"
    calls = [p.function_call for p in parts if p.function_call]
    assert (calls[0].name, calls[0].args) == ("add", {"a": 1, "b": [2, 3]})
    assert chunks[-1].candidates[0].finish_reason == "STOP"
    assert chunks[-1].usage_metadata.candidates_token_count == 7
    request = protocol_server.requests[-1]
    assert request.headers["x-goog-api-key"] == "gk" and request.query == {"alt": "sse"}


def test_gemini_stream_uses_crlf_and_no_terminator(protocol_server: ProtocolServer) -> None:
    protocol_server.script(Turn(text="a b"))
    response = httpx.post(f"{protocol_server.base_url}/v1beta/models/g:streamGenerateContent?alt=sse", json={"contents": []})
    assert response.text.endswith("}\r\n\r\n") and "[DONE]" not in response.text
    assert response.text.count("data: ") == 2


def test_handler_answers_by_request_content(protocol_server: ProtocolServer) -> None:
    def handler(request):
        if request.tool_results():
            return Turn(text=f"result was {request.tool_results()[-1]}")
        return Turn(text=f"I am {request.system_text()} with {','.join(request.tool_names())}")

    protocol_server.handler = handler
    client = openai.OpenAI(base_url=protocol_server.openai_base_url, api_key="k")
    tool = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}
    first = client.chat.completions.create(model="m", tools=[tool], messages=[{"role": "system", "content": "agent_a"}, {"role": "user", "content": "q"}])
    assert first.choices[0].message.content == "I am agent_a with lookup"
    second = client.chat.completions.create(model="m", messages=[
        {"role": "user", "content": "q"},
        {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "42"},
    ])
    assert second.choices[0].message.content == "result was 42"


@pytest.mark.parametrize("status", [429, 500])
def test_error_replies_carry_protocol_body_and_headers(protocol_server: ProtocolServer, status: int) -> None:
    protocol_server.script(Reply.error(status, "slow down", {"retry-after": "0", "retry-after-ms": "5"}), Turn(text="ok"))
    client = anthropic.Anthropic(base_url=protocol_server.base_url, api_key="ak", max_retries=2)
    message = client.messages.create(model="c", max_tokens=5, messages=[{"role": "user", "content": "hi"}])
    assert message.content[0].text == "ok"  # the SDK retried after our error, honouring retry-after
    assert len(protocol_server.requests) == 2


def test_error_body_shape_per_protocol(protocol_server: ProtocolServer) -> None:
    protocol_server.script(Reply.error(401, "bad key"))
    client = openai.OpenAI(base_url=protocol_server.openai_base_url, api_key="k", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        client.chat.completions.create(model="m", messages=[])
    assert caught.value.body["message"] == "bad key"
    assert caught.value.request_id == "req_000001"


def test_exhausted_script_is_a_clear_500(protocol_server: ProtocolServer) -> None:
    response = httpx.post(f"{protocol_server.openai_base_url}/chat/completions", json={"model": "m"})
    assert response.status_code == 500
    assert "no scripted answer left" in response.json()["error"]["message"]


def test_truncated_stream_lacks_its_terminal_event(protocol_server: ProtocolServer) -> None:
    protocol_server.script(Turn(text="one two three four", fault=Fault("truncate", after=3)))
    body = httpx.post(f"{protocol_server.base_url}/v1/messages", json={"model": "c", "stream": True}).text
    assert body.count("event: ") == 3 and "message_stop" not in body


@pytest.mark.parametrize("kind", ["malformed", "error_event"])
def test_stream_faults_reach_the_sdk(protocol_server: ProtocolServer, kind: str) -> None:
    protocol_server.script(Turn(text="one two three four", fault=Fault(kind, after=3)))
    client = anthropic.Anthropic(base_url=protocol_server.base_url, api_key="ak", max_retries=0)
    with pytest.raises(Exception) as caught:
        with client.messages.stream(model="c", max_tokens=5, messages=[{"role": "user", "content": "hi"}]) as stream:
            stream.get_final_message()
    assert caught.type is not AssertionError
    if kind == "error_event":
        assert "scripted fault" in str(caught.value)


def test_reset_mid_stream_breaks_the_connection(protocol_server: ProtocolServer) -> None:
    protocol_server.script(Turn(text="one two three four", fault=Fault("reset", after=2)))
    with pytest.raises(httpx.TransportError):
        with httpx.stream("POST", f"{protocol_server.openai_base_url}/chat/completions", json={"model": "m", "stream": True}) as response:
            for _ in response.iter_bytes():
                pass


def test_stall_trips_the_client_read_timeout(protocol_server: ProtocolServer) -> None:
    protocol_server.script(Turn(text="one two", fault=Fault("stall", after=1)))
    received = b""
    with pytest.raises(httpx.ReadTimeout):
        with httpx.stream("POST", f"{protocol_server.openai_base_url}/chat/completions", json={"model": "m", "stream": True},
                          timeout=httpx.Timeout(5, read=0.3)) as response:
            for chunk in response.iter_bytes():
                received += chunk
    assert received.startswith(b"data: {")


def test_recorded_body_replayed_byte_for_byte(protocol_server: ProtocolServer) -> None:
    body = (RECORDED / "gemini" / "text_stream.sse").read_bytes()
    protocol_server.script(Reply.sse(body))
    response = httpx.post(f"{protocol_server.base_url}/v1beta/models/g:streamGenerateContent?alt=sse", json={})
    assert response.content == body


def test_unknown_route_is_404_and_connection_survives(protocol_server: ProtocolServer) -> None:
    with httpx.Client(base_url=protocol_server.base_url) as client:
        assert client.get("/nothing/here").status_code == 404
        protocol_server.script(Turn(text="still alive"))
        reply = client.post("/v1/chat/completions", json={"model": "m", "messages": []})
        assert reply.json()["choices"][0]["message"]["content"] == "still alive"


def test_server_stops_and_releases_its_port() -> None:
    with ProtocolServer() as server:
        port = server.port
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1)
