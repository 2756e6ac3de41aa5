"""One run of a validated config: build the agent, answer the question, report through a sink.

``run_session`` answers one question. ``Session`` keeps its backends and MCP servers open across several
questions (the interactive chat). Any ``MassGenError`` becomes one ``error`` event and is raised again,
so the caller can exit non-zero; a successful run ends with one ``final`` event.
"""

from __future__ import annotations

import sys
from contextlib import AsyncExitStack
from pathlib import Path
from typing import TYPE_CHECKING

from .conversation import Message
from .errors import BackendError, ConfigError, MassGenError
from .events import Error, Final
from .transcript import Transcript

if TYPE_CHECKING:
    from .backend import Backend
    from .config.plan import AgentPlan, RunPlan
    from .orchestrator import Participant
    from .output import Sink
    from .toolset import Toolset


class Session:
    def __init__(self, spec: RunPlan, sink: Sink, *, single_agent: str | None = None, save_transcript: bool = True,
                 close_http_pool: bool = True) -> None:
        self.spec = spec
        self.single_agent = single_agent
        # False where several sessions share the process's HTTP pool (`massgen batch`): its owner closes it.
        self._close_http_pool = close_http_pool
        self._stack = AsyncExitStack()
        self._agent: tuple[AgentPlan, Backend, Toolset] | None = None
        # ---- issue 6: every run's transcript (.massgen/sessions/*.jsonl) sees all events on their way to the sink
        self._transcript = Transcript(spec, sink, save=save_transcript)
        self._stack.callback(self._transcript.close)
        self.sink = self._transcript
        self._team: list[Participant] | None = None

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._stack.aclose()
        if not self._close_http_pool:
            return
        # The HTTP engine's pooled client outlives each backend; close it with the session that used it.
        # Looked up, not imported: a run without HTTP backends must not pay for importing httpx.
        transport = sys.modules.get("massgen.engine.transport")
        if transport is not None:
            await transport.aclose_shared_client()

    @property
    def transcript_path(self) -> Path | None:
        """The session file, once a question started the run (None before, or without one)."""
        return self._transcript.path

    async def open(self) -> None:
        """Build the backends and start the tools now (else on the first question): a missing key or an MCP
        server that cannot start fails here, as an ``error`` event, before anything is asked."""
        try:
            if self.single_agent is None and len(self.spec.agents) > 1:
                if self._team is None:
                    from .orchestrator.team import open_team

                    self._team = await open_team(self.spec, self._stack, self.sink)
            else:
                await self._single_agent()
        except MassGenError as exc:
            self.sink(Error(_describe(exc), retryable=False, agent=self._agent_id()))
            raise

    async def ask(self, question: str, history: list[Message] | None = None) -> str:
        """Answer ``question`` after ``history`` (which gets this turn's messages appended)."""
        self._transcript.question(question)
        try:
            if self.single_agent is None and len(self.spec.agents) > 1:
                return await self._ask_team(question, history)
            return await self._ask_single(question, history)
        except MassGenError as exc:
            self.sink(Error(_describe(exc), retryable=getattr(exc, "retryable", False), agent=self._agent_id()))
            raise

    # ---- multi-agent path (issue 6): MassGen's answer / vote / present, in massgen.orchestrator ----
    async def _ask_team(self, question: str, history: list[Message] | None) -> str:
        from .orchestrator.team import ask_team, open_team

        if self._team is None:
            self._team = await open_team(self.spec, self._stack, self.sink)
        return await ask_team(self.spec, self._team, question, self.sink, history)

    # ---- end of the multi-agent path ----
    async def _ask_single(self, question: str, history: list[Message] | None) -> str:
        from .agent import DEFAULT_MAX_ROUNDS, run_agent

        spec, backend, toolset = await self._single_agent()
        prior = [*(history or []), Message("user", question)]
        system = [Message("system", spec.system_message)] if spec.system_message else []
        result = await run_agent(
            backend,
            [*system, *prior],
            toolset,
            self.sink,
            max_rounds=int(spec.backend.get("max_tool_rounds") or DEFAULT_MAX_ROUNDS),
            agent=spec.id,
        )
        if history is not None:
            history[:] = result.messages[len(system):]
        self.sink(Final(result.answer, agent=spec.id))
        return result.answer

    async def _single_agent(self) -> tuple[AgentPlan, Backend, Toolset]:
        """The agent's backend and tools, built on first use and kept for the session's later questions."""
        if self._agent is None:
            from .agent.setup import open_toolset, runs_own_servers
            from .backend import create_backend

            spec = self._pick_agent()
            backend = create_backend(spec)  # a missing API key fails here, before any server starts
            self._stack.push_async_callback(backend.aclose)
            toolset = await open_toolset(spec, self._stack, self.sink, backend_runs_servers=runs_own_servers(backend))
            self._agent = (spec, backend, toolset)
        return self._agent

    def _pick_agent(self) -> AgentPlan:
        if self.single_agent is None:
            return self.spec.agents[0]
        for agent in self.spec.agents:
            if agent.id == self.single_agent:
                return agent
        known = ", ".join(a.id for a in self.spec.agents)
        raise ConfigError(f"no agent named {self.single_agent!r} in this config (agents: {known})")

    def _agent_id(self) -> str | None:
        if self._agent is not None:
            return self._agent[0].id
        return self.spec.agents[0].id if len(self.spec.agents) == 1 else self.single_agent


def _describe(exc: MassGenError) -> str:
    """One readable line; a provider error names the backend it came from (once: the engine's own messages
    already start with it)."""
    text = str(exc)
    if isinstance(exc, BackendError) and not (exc.provider and text.startswith(exc.provider)):
        return f"{exc.provider or 'provider'} error: {text}"
    return text


async def run_session(
    spec: RunPlan,
    question: str,
    sink: Sink,
    *,
    single_agent: str | None = None,
    history: list[Message] | None = None,
) -> str:
    async with Session(spec, sink, single_agent=single_agent) as session:
        return await session.ask(question, history)
