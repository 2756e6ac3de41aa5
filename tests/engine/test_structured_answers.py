"""Structured answers on claude: ``output_schema`` becomes the Messages API's ``output_config.format``, byte for
byte what the anthropic SDK sends for the same call, and the model's JSON answer comes back as the text."""

from __future__ import annotations

import json

import anthropic
import pytest

from tests.engine.helpers import ADD, KEY, backend_for, collect
from tests.engine.test_request_conformance import QUESTION, SYSTEM, assert_same, engine_request, sdk_request
from tests.protocol_server import ProtocolServer, Turn

SCHEMA = {"type": "object", "properties": {"sum": {"type": "integer"}}, "required": ["sum"], "additionalProperties": False}


@pytest.mark.anyio
async def test_output_schema_is_sent_as_the_sdk_sends_output_config(protocol_server: ProtocolServer) -> None:
    client = anthropic.Anthropic(base_url=protocol_server.base_url, api_key=KEY, max_retries=0)
    theirs = sdk_request(protocol_server, lambda: client.messages.create(
        model="claude-sonnet-4-6", stream=True, max_tokens=100, system=SYSTEM,
        messages=[{"role": "user", "content": [{"type": "text", "text": QUESTION}]}],
        tools=[{"name": ADD.name, "description": ADD.description, "input_schema": ADD.parameters}],
        output_config={"format": {"type": "json_schema", "schema": SCHEMA}}))
    ours = await engine_request(protocol_server, "claude", model="claude-sonnet-4-6", max_tokens=100, output_schema=SCHEMA)
    assert "output_schema" not in ours.body  # consumed, never sent under its config name
    assert_same(ours, theirs, {
        "authorization": (None, f"Bearer {KEY}"),
        "x-api-key": (KEY, None),
        "anthropic-version": ("2023-06-01", anthropic._constants.ANTHROPIC_API_VERSION),
    })


@pytest.mark.anyio
async def test_the_json_answer_streams_back_as_text(protocol_server: ProtocolServer) -> None:
    protocol_server.script(Turn(text=['{"sum"', ": 5}"]))
    events = await collect(backend_for(protocol_server, "claude", model="claude-sonnet-4-6", output_schema=SCHEMA))
    assert json.loads(events[-1].message.content) == {"sum": 5}
