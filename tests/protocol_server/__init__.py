"""The loopback server speaking the four LLM wire protocols, for tests that need a real provider socket.

It is the product's own mock provider (``massgen.mock``, behind ``massgen run --mock``) used with scripted
answers; this package only re-exports it and adds the ``protocol_server`` pytest fixture.

Quick start::

    from tests.protocol_server import ProtocolServer, Turn, Call, Reply, Fault

    with ProtocolServer() as server:
        server.script(
            Turn(tool_calls=[Call("add", {"a": 1, "b": 2})]),     # first request: a tool call
            Turn(text="The sum is 3.", usage=(20, 6)),            # second request: the answer
        )
        client = openai.OpenAI(base_url=server.openai_base_url, api_key="test")
        ...
        server.requests[-1].tool_results()  # -> ['3']

Endpoints (any path prefix is accepted, so Azure's ``/openai/deployments/{d}/chat/completions?api-version=``
and ``/openai/v1/...`` work too):

- ``POST .../chat/completions``                      OpenAI Chat Completions (``server.openai_base_url``)
- ``POST .../responses``                             OpenAI Responses
- ``POST .../messages`` (``?beta=true`` too), ``.../messages/count_tokens``   Anthropic (``server.base_url``)
- ``POST .../models/{m}:streamGenerateContent?alt=sse``, ``:generateContent``, ``:countTokens``   Gemini
- ``GET .../models`` answers an empty list; anything else answers 404.

A ``Turn`` (text, reasoning, tool calls, usage, finish reason, optional ``Fault``) is rendered in the
protocol of the request: streamed, shaped like the recorded streams in ``shared/fixtures/recorded`` (event
names, field layout, ``[DONE]`` only for Chat Completions, CRLF for Gemini), or as one JSON body when the
request did not ask for a stream. ``Reply(status, body, headers)`` answers exactly; ``Reply.error(429,
"slow down", {"retry-after": "1"})`` renders the protocol's own error body; ``Reply.sse(bytes)`` replays a
recorded body.

Answers come from ``server.handler`` (a function ``Request -> Turn | Reply``, for answers that depend on
the system message, the tools offered or whether a tool result is present) or, when no handler is set,
from the ``script(...)`` queue. Every request is kept in ``server.requests`` (method, path, query,
lower-case headers, raw bytes, parsed JSON ``body``, ``protocol``) with neutral views ``system_text()``,
``tool_names()``, ``tool_schemas()``, ``tool_calls_made()``, ``tool_results()``, ``last_user_text()``.

In pytest, import the fixture into a test module or conftest: ``from tests.protocol_server import
protocol_server  # noqa: F401`` then take ``protocol_server`` as an argument.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from massgen.mock import Call, Fault, ProtocolServer, Reply, Request, Turn, detect_protocol

__all__ = ["Call", "Fault", "ProtocolServer", "Reply", "Request", "Turn", "detect_protocol", "protocol_server"]


@pytest.fixture
def protocol_server() -> Iterator[ProtocolServer]:
    with ProtocolServer() as server:
        yield server
