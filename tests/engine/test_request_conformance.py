"""For equivalent calls, the engine sends what the official SDK sends (both captured by the loopback server).

Compared: method, path, query, the JSON body (whole), and the headers that carry meaning (auth,
content-type, accept, versions, betas). SDK bookkeeping headers (user-agent, x-stainless-*, retry counts)
are not compared. Deliberate differences, asserted rather than skipped:

- Anthropic: this SDK release authenticates with ``Authorization: Bearer`` and pins ``anthropic-version:
  2026-10-21``; the engine sends ``x-api-key`` (the issue's and the Claude Code CLI's form) and
  ``2023-06-01``, the version whose stream shapes the recorded fixtures pin down (the SDK's version no longer
  takes temperature/top_k, so sampling parameters are left out of this comparison). Both values are data
  (``templates/requests/anthropic_messages.yaml`` and the ``request:`` block of ``claude.yaml``).
- Gemini: this SDK release defaults to the ``v1`` API; the engine uses ``v1beta`` (DESIGN.md; it carries
  googleSearch, codeExecution, thinkingConfig and parametersJsonSchema). The SDK is asked for ``v1beta``
  here so the rest compares exactly.
- Gemini tools: the SDK sends ``parameters_json_schema`` in snake_case, the engine ``parametersJsonSchema``
  like every other field (the API's JSON mapping accepts both).
- Azure: the engine sends the ``api-key`` header on both URL forms; on the ``/openai/v1`` form the plain
  OpenAI SDK sends ``Authorization: Bearer`` (Azure accepts both).
"""

from __future__ import annotations

from typing import Any

import anthropic
import openai
import pytest
from google import genai
from google.genai import types as gt

from massgen.conversation import Message
from tests.engine.helpers import ADD, KEY, backend_for, collect
from tests.protocol_server import ProtocolServer, Request, Turn

SYSTEM, QUESTION = "You are agent_a. Be brief.", "What is 2+3?"
MEANINGFUL_HEADERS = ("authorization", "x-api-key", "x-goog-api-key", "api-key", "content-type", "accept",
                      "anthropic-version", "anthropic-beta")


def headers(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.headers.items() if k in MEANINGFUL_HEADERS}


async def engine_request(server: ProtocolServer, type_: str, **settings: Any) -> Request:
    server.script(Turn(text="ok"))
    await collect(backend_for(server, type_, **settings), [Message("system", SYSTEM), Message("user", QUESTION)], [ADD])
    return server.requests[-1]


def sdk_request(server: ProtocolServer, call) -> Request:
    server.script(Turn(text="ok"))
    for _ in call():  # drain the stream
        pass
    return server.requests[-1]


def assert_same(ours: Request, theirs: Request, header_differences: dict[str, tuple[Any, Any]] | None = None) -> None:
    assert (ours.method, ours.path, ours.query) == (theirs.method, theirs.path, theirs.query)
    assert ours.body == theirs.body
    mine, sdk = headers(ours), headers(theirs)
    for name, (expected_ours, expected_sdk) in (header_differences or {}).items():
        assert (mine.pop(name, None), sdk.pop(name, None)) == (expected_ours, expected_sdk)
    assert mine == sdk


@pytest.mark.anyio
async def test_chat_completions(protocol_server: ProtocolServer) -> None:
    client = openai.OpenAI(base_url=protocol_server.openai_base_url, api_key=KEY, max_retries=0)
    theirs = sdk_request(protocol_server, lambda: client.chat.completions.create(
        model="qwen3", stream=True, stream_options={"include_usage": True}, temperature=0.5, max_tokens=100,
        messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": QUESTION}],
        tools=[{"type": "function", "function": {"name": ADD.name, "description": ADD.description, "parameters": ADD.parameters}}],
        extra_body={"top_k": 20}))
    ours = await engine_request(protocol_server, "vllm", model="qwen3", temperature=0.5, max_tokens=100, top_k=20)
    assert_same(ours, theirs)


@pytest.mark.anyio
async def test_responses(protocol_server: ProtocolServer) -> None:
    client = openai.OpenAI(base_url=protocol_server.openai_base_url, api_key=KEY, max_retries=0)
    theirs = sdk_request(protocol_server, lambda: client.responses.create(
        model="gpt-4.1", stream=True, instructions=SYSTEM, input=[{"role": "user", "content": QUESTION}],
        temperature=0.5, max_output_tokens=100,
        tools=[{"type": "function", "name": ADD.name, "description": ADD.description, "parameters": ADD.parameters, "strict": False}]))
    ours = await engine_request(protocol_server, "openai", model="gpt-4.1", temperature=0.5, max_tokens=100)
    assert_same(ours, theirs)


@pytest.mark.anyio
async def test_anthropic_messages(protocol_server: ProtocolServer) -> None:
    client = anthropic.Anthropic(base_url=protocol_server.base_url, api_key=KEY, max_retries=0)
    theirs = sdk_request(protocol_server, lambda: client.messages.create(
        model="claude-sonnet-4", stream=True, max_tokens=100, system=SYSTEM, stop_sequences=["END"],
        thinking={"type": "enabled", "budget_tokens": 1024},
        messages=[{"role": "user", "content": [{"type": "text", "text": QUESTION}]}],
        tools=[{"name": ADD.name, "description": ADD.description, "input_schema": ADD.parameters}]))
    ours = await engine_request(protocol_server, "claude", model="claude-sonnet-4", max_tokens=100, stop_sequences=["END"],
                                thinking={"type": "enabled", "budget_tokens": 1024})
    assert_same(ours, theirs, {
        "authorization": (None, f"Bearer {KEY}"),
        "x-api-key": (KEY, None),
        "anthropic-version": ("2023-06-01", anthropic._constants.ANTHROPIC_API_VERSION),
    })


@pytest.mark.anyio
async def test_gemini(protocol_server: ProtocolServer) -> None:
    client = genai.Client(api_key=KEY, http_options=gt.HttpOptions(base_url=protocol_server.base_url, api_version="v1beta"))
    config = gt.GenerateContentConfig(
        system_instruction=SYSTEM, temperature=0.5, max_output_tokens=100,
        tools=[gt.Tool(function_declarations=[gt.FunctionDeclaration(
            name=ADD.name, description=ADD.description, parameters_json_schema=ADD.parameters)])])
    theirs = sdk_request(protocol_server, lambda: client.models.generate_content_stream(
        model="gemini-2.5-flash", contents=[gt.Content(role="user", parts=[gt.Part(text=QUESTION)])], config=config))
    ours = await engine_request(protocol_server, "gemini", model="gemini-2.5-flash", temperature=0.5, max_tokens=100)
    # the SDK sends systemInstruction with a role-less content; the API reads both the same way
    assert theirs.body["systemInstruction"] == {"parts": [{"text": SYSTEM}], "role": "user"} or \
        theirs.body["systemInstruction"] == {"parts": [{"text": SYSTEM}]}
    theirs.body["systemInstruction"] = {"parts": [{"text": SYSTEM}]}
    # the SDK passes parameters_json_schema through in snake_case; the API's JSON mapping takes both spellings
    for declaration in theirs.body["tools"][0]["functionDeclarations"]:
        declaration["parametersJsonSchema"] = declaration.pop("parameters_json_schema")
    assert_same(ours, theirs)
