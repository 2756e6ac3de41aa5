"""What the official SDKs make of a recorded body, served by the protocol server: the reference the
engine's decoders are held to (text, tool calls with parsed arguments, usage)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anthropic
import openai
from google import genai
from google.genai import types as genai_types

from tests.protocol_server import ProtocolServer, Reply


@dataclass
class Outcome:
    text: str
    tool_calls: list[tuple[str, dict[str, Any]]]
    usage: tuple[int, int] | None


def sdk_outcome(server: ProtocolServer, protocol: str, body: bytes) -> Outcome:
    server.script(Reply.sse(body))
    return READERS[protocol](server)


def _chat(server: ProtocolServer) -> Outcome:
    client = openai.OpenAI(base_url=server.openai_base_url, api_key="k", max_retries=0)
    try:
        with client.chat.completions.stream(model="m", messages=[{"role": "user", "content": "q"}]) as stream:
            final = stream.get_final_completion()
    except openai.LengthFinishReasonError as cut:  # the helper refuses to parse a length-cut answer
        final = cut.completion
    message = final.choices[0].message
    calls = [(c.function.name, json.loads(c.function.arguments or "{}")) for c in message.tool_calls or ()]
    usage = (final.usage.prompt_tokens, final.usage.completion_tokens) if final.usage else None
    return Outcome(message.content or message.refusal or "", calls, usage)


def _responses(server: ProtocolServer) -> Outcome:
    client = openai.OpenAI(base_url=server.openai_base_url, api_key="k", max_retries=0)
    with client.responses.stream(model="m", input="q") as stream:
        final = stream.get_final_response()
    calls = [(i.name, json.loads(i.arguments or "{}")) for i in final.output if i.type == "function_call"]
    return Outcome(final.output_text, calls, (final.usage.input_tokens, final.usage.output_tokens))


def _anthropic(server: ProtocolServer) -> Outcome:
    client = anthropic.Anthropic(base_url=server.base_url, api_key="k", max_retries=0)
    with client.messages.stream(model="m", max_tokens=10, messages=[{"role": "user", "content": "q"}]) as stream:
        final = stream.get_final_message()
    text = "".join(b.text for b in final.content if b.type == "text")
    calls = [(b.name, b.input) for b in final.content if b.type == "tool_use"]
    return Outcome(text, calls, (final.usage.input_tokens, final.usage.output_tokens))


def _gemini(server: ProtocolServer) -> Outcome:
    client = genai.Client(api_key="k", http_options=genai_types.HttpOptions(base_url=server.base_url))
    chunks = list(client.models.generate_content_stream(model="g", contents="q"))
    parts = [p for c in chunks if c.candidates and c.candidates[0].content for p in c.candidates[0].content.parts or ()]
    text = "".join(p.text for p in parts if p.text and not p.thought)
    calls = [(p.function_call.name, dict(p.function_call.args or {})) for p in parts if p.function_call]
    usage = chunks[-1].usage_metadata
    return Outcome(text, calls, (usage.prompt_token_count or 0, usage.candidates_token_count or 0))


READERS = {"openai_chat": _chat, "openai_responses": _responses, "anthropic_messages": _anthropic, "gemini": _gemini}


def recorded(protocol: str) -> list[Path]:
    from tests.conftest import RECORDED

    return sorted((RECORDED / protocol).glob("*.sse"))
