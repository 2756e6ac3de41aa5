"""MassGen's local mock provider (``massgen run --mock``, ``mock: true`` on a backend): an HTTP server on
127.0.0.1 that speaks the four wire protocols the engine sends (OpenAI Chat Completions and Responses,
Anthropic Messages, Gemini generateContent) and answers as a deterministic scripted model
(``massgen.mock.scripted``), calling the agent's tools and taking part in coordination.

``MockServer().address()`` starts the server on first use (a background thread with its own event loop, an
ephemeral port) and returns ``http://127.0.0.1:PORT``; ``close()`` stops it. The plan of a mocked agent points
at ``address()`` (``massgen.config.routing.MockRoute``).

The pieces (also the test suite's protocol server, ``tests/protocol_server``): ``ProtocolServer`` (the
socket, request parsing, streaming and faults), ``Request`` (a recorded request with protocol-neutral views),
``Turn`` / ``Call`` / ``Reply`` / ``Fault`` (what to answer) and one renderer per protocol.
"""

from __future__ import annotations

from .request import Request, detect_protocol
from .script import Call, Fault, Reply, Turn
from .scripted import answer
from .server import ProtocolServer

__all__ = ["Call", "Fault", "MockServer", "ProtocolServer", "Reply", "Request", "Turn", "answer", "detect_protocol"]


class MockServer:
    """The scripted model behind a ``ProtocolServer``, started on first ``address()``."""

    def __init__(self) -> None:
        self._server: ProtocolServer | None = None

    def address(self) -> str:
        if self._server is None:
            self._server = ProtocolServer(handler=answer, record=False).start()
        return self._server.base_url

    @property
    def started(self) -> bool:
        return self._server is not None

    def close(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
