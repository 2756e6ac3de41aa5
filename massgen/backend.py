"""The one interface every runtime backend implements, and the factory that picks one by protocol.

Code exists per wire protocol, never per provider: the catalog names each backend's ``protocol`` and
this factory maps it to an implementation, importing it only then (``massgen validate`` never gets here).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from importlib import import_module
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .config.plan import AgentPlan
    from .conversation import Message, ToolSpec
    from .events import Event

# "module:factory" of each runtime; a factory takes an AgentPlan and returns a Backend. The catalog's list of
# protocols (massgen.catalog.PROTOCOLS) is the one list: its HTTP protocols all go to the engine.
HTTP_ENGINE = "massgen.engine.adapters:create"
RUNTIMES: dict[str, str] = {
    "claude_code": "massgen.runtimes.claude_code:create",
    "ag2": "massgen.runtimes.ag2:create",
}


class Backend(Protocol):
    """Streams one model turn as events.

    ``stream`` yields TextDelta / ReasoningDelta / ToolCall / BuiltinTool / Usage events and ends with
    exactly one ``Finish`` (whose ``message`` is the assistant turn to append), or raises an
    ``massgen.errors.BackendError``. It never executes function tools itself: the agent loop does.
    """

    spec: AgentPlan

    def stream(self, messages: list[Message], tools: list[ToolSpec]) -> AsyncIterator[Event]: ...

    async def aclose(self) -> None: ...


def create_backend(spec: AgentPlan) -> Backend:
    from .catalog import HTTP_PROTOCOLS

    target = HTTP_ENGINE if spec.protocol in HTTP_PROTOCOLS else RUNTIMES.get(spec.protocol)
    if target is None:
        raise ValueError(f"no runtime for protocol {spec.protocol!r} (backend {spec.backend_type!r})")
    module_name, _, attr = target.partition(":")
    return getattr(import_module(module_name), attr)(spec)
