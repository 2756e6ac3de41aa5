"""A hook around every HTTP request the engine sends, for whoever shares a provider's limits between runs.

``massgen batch`` sets ``REQUEST_GATE`` (a context variable, so it reaches every agent task of every
question started under it) to an object that waits for a free request slot before each attempt and hears
of every 429 with its ``Retry-After``, so that one question's rate-limit answer pauses the others' requests
to the same agent's provider too. A plain run sets nothing and pays one context-variable lookup per request.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Protocol


class RequestGate(Protocol):
    async def before_request(self, agent: str | None) -> None:
        """Wait until ``agent``'s provider may take one more request (rate limits, a 429's cool-down)."""

    def rate_limited(self, agent: str | None, retry_after: float | None) -> None:
        """``agent``'s provider answered 429; ``retry_after`` is its ``Retry-After`` in seconds, if it sent one."""


REQUEST_GATE: ContextVar[RequestGate | None] = ContextVar("massgen_request_gate", default=None)
