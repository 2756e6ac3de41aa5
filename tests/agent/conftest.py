"""Fixtures of the agent tests: the loopback protocol server, and an event sink that keeps what it saw."""

from __future__ import annotations

from tests.protocol_server import protocol_server  # noqa: F401  (the fixture)
