"""The multi-agent branch of a session: open every agent (backend + own tools) once, then coordinate each
question, keeping the conversation for the next one."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

from ..config.plan import RunPlan
from ..conversation import Message
from ..events import EventSink
from .coordinator import Coordinator
from .participant import Participant
from .settings import CoordinationSettings


async def open_team(spec: RunPlan, stack: AsyncExitStack, sink: EventSink | None = None) -> list[Participant]:
    """Backends first (a missing key fails before any MCP server starts), then all toolsets concurrently.

    An MCP server that could not start is a ``notice`` to ``sink`` with its agent's id, as in a single-agent run.
    """
    from ..agent.setup import open_toolset, runs_own_servers
    from ..backend import create_backend

    backends = []
    for agent in spec.agents:
        backend = create_backend(agent)
        stack.push_async_callback(backend.aclose)
        backends.append(backend)
    toolsets = await asyncio.gather(*(open_toolset(agent, stack, sink, backend_runs_servers=runs_own_servers(backend))
                                      for agent, backend in zip(spec.agents, backends, strict=True)))
    return [Participant(a, b, t) for a, b, t in zip(spec.agents, backends, toolsets, strict=True)]


async def ask_team(
    spec: RunPlan, team: list[Participant], question: str, sink: EventSink, history: list[Message] | None
) -> str:
    settings = CoordinationSettings.from_spec(spec.orchestrator, spec.timeout_settings)
    for participant in team:
        participant.history = list(history or [])
    result = await Coordinator(team, settings, sink).run(question)
    if history is not None:
        history += [Message("user", question), Message("assistant", result.final)]
    return result.final

