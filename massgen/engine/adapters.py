"""The one HTTP backend, for all four wire protocols: ``create(spec)`` is what ``massgen.backend`` calls.

Nothing here knows a provider: the profile (catalog facts), the protocol's template, codec and decoder
make every difference.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

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
        self._decoder = DECODERS[profile.protocol]
        self._label = f"{spec.id} ({spec.provider or spec.backend_type})"

    def build_request(self, messages: list[Message], tools: list[ToolSpec]) -> HTTPRequest:
        return build_request(self.profile, self.spec, messages, tools)

    async def stream(self, messages: list[Message], tools: list[ToolSpec]) -> AsyncIterator[Event]:
        """The turn's events; a provider's refusal that points at a tool names its MCP server and tool."""
        request = self.build_request(messages, tools)
        try:
            async for event in stream_events(request, self._decoder, self.policy, self._label, self.spec.secrets,
                                             self.spec.id):
                yield event
        except BadRequestError as exc:
            raise name_tools_in_error(exc, tools) from None

    async def aclose(self) -> None:
        """Nothing to release: connections belong to the process-wide pool."""

    def __repr__(self) -> str:
        return f"HTTPBackend({self.spec.id!r}, {self.profile.protocol}, {self.profile.base_url})"


def create(spec: AgentPlan) -> HTTPBackend:
    """The backend of one plan; raises ConfigError / MissingAPIKeyError when the plan cannot run."""
    return HTTPBackend(spec, resolve(spec))
