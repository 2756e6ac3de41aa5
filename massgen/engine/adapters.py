"""The one HTTP backend, for all four wire protocols: ``create(spec)`` is what ``massgen.backend`` calls.

Nothing here knows a provider: the profile (catalog facts), the protocol's template, codec and decoder
make every difference.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from functools import partial

from ..config.plan import AgentPlan
from ..conversation import Message, ToolSpec
from ..errors import BadRequestError
from ..events import Event
from .decoders import DECODERS
from .profile import Profile, resolve
from .request import HTTPRequest, build_request
from .tools import name_tools_in_error
from .transport import Policy, stream_events


class HTTPBackend:
    """Streams one model turn over HTTP. Keys are resolved (or reported missing) when it is created."""

    def __init__(self, spec: AgentPlan, profile: Profile) -> None:
        self.spec = spec
        self.profile = profile
        self.policy = Policy.from_params({**spec.params, **spec.backend})  # timeout/max_retries are core keys
        self._decoder = partial(DECODERS[profile.protocol], profile.facts)  # finish_reasons are request facts
        self._label = f"{spec.id} ({spec.provider or spec.backend_type})"
        # a server the user runs and MassGen may start (LM Studio): made ready before the first request only,
        # so that building a request never starts, downloads or loads anything
        self._ready = spec.local_server.get("manager") is None
        self._preparing = asyncio.Lock()

    def build_request(self, messages: list[Message], tools: list[ToolSpec]) -> HTTPRequest:
        return build_request(self.profile, self.spec, messages, tools)

    async def stream(self, messages: list[Message], tools: list[ToolSpec]) -> AsyncIterator[Event]:
        """The turn's events; a provider's refusal that points at a tool names its MCP server and tool."""
        request = self.build_request(messages, tools)
        if not self._ready:
            await self._prepare()
        try:
            async for event in stream_events(request, self._decoder, self.policy, self._label, self.spec.secrets,
                                             self.spec.id):
                yield event
        except BadRequestError as exc:
            raise name_tools_in_error(exc, tools) from None

    async def _prepare(self) -> None:
        """LM Studio (``local_server.manager``): started, downloaded and loaded once, before the first request."""
        from .local_servers import prepare_lmstudio

        async with self._preparing:
            if not self._ready:
                await asyncio.to_thread(prepare_lmstudio, self.spec.id, self.spec.local_server,
                                        self.profile.base_url, self.spec.model)
                self._ready = True

    async def aclose(self) -> None:
        """Nothing to release: connections belong to the process-wide pool."""

    def __repr__(self) -> str:
        return f"HTTPBackend({self.spec.id!r}, {self.profile.protocol}, {self.profile.base_url})"


def create(spec: AgentPlan) -> HTTPBackend:
    """The backend of one plan; raises ConfigError / MissingAPIKeyError when the plan cannot run."""
    return HTTPBackend(spec, resolve(spec))
