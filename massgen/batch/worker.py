"""A batch worker: one session kept open across the questions it answers, one question at a time.

The session's backends and MCP servers start with the worker's first question and serve the next ones (a
stdio MCP server is one process per worker, not per question), unless ``session_per_question`` asks for a
fresh session each time (for MCP servers that keep state between calls). After an error that is not a
provider's answer (an MCP server that died, a bug), the worker opens a new session for its next question.
A question that failed with a retryable provider error (429, 5xx, a timeout, after the engine's own retries)
is asked again, up to ``retries`` times; its usage counts every attempt.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import BackendError
from ..session import Session
from .limits import RateLimits
from .questions import Question
from .record import Recorder, Router, describe_error
from .results import Outcome

if TYPE_CHECKING:
    from ..config.plan import RunPlan

RETRY_BACKOFF = (1.0, 2.0, 4.0, 8.0, 16.0)  # seconds before asking a failed question again (then the last)


@dataclass(frozen=True)
class BatchOptions:
    """``concurrency``: questions in flight at once (local workers, or Ray tasks in flight); ``retries``: how
    often a question is asked again after a retryable provider error; ``rate_limits``: see ``limits``."""

    concurrency: int = 4
    retries: int = 2
    rate_limits: RateLimits = field(default_factory=RateLimits)
    session_per_question: bool = False


def agent_facts(plan: RunPlan) -> dict[str, dict[str, Any]]:
    """Each agent's provider (the preset, else the backend type) and model, as its usage is reported."""
    return {a.id: {"provider": a.provider or a.backend_type, "model": a.model} for a in plan.agents}


class Worker:
    def __init__(self, plan: RunPlan, options: BatchOptions,
                 on_tokens: Callable[[str | None, int], None] | None = None) -> None:
        self.plan = plan
        self.options = options
        self._agents = agent_facts(plan)
        self._on_tokens = on_tokens
        self._router = Router()
        self._session: Session | None = None
        self.sessions_opened = 0

    async def ask(self, question: Question) -> Outcome:
        started = time.monotonic()
        recorder = Recorder(self._agents, self._on_tokens)
        retries = 0
        while True:
            self._router.target = recorder
            try:
                session = await self._open()
                await session.ask(question.text)
                recorder.outcome.error = None
                break
            except Exception as exc:  # every failure is this question's result, never the end of the batch
                if not isinstance(exc, BackendError):
                    await self.close()  # the session may be broken (a dead MCP server): a new one next time
                if getattr(exc, "retryable", False) and retries < self.options.retries:
                    await asyncio.sleep(RETRY_BACKOFF[min(retries, len(RETRY_BACKOFF) - 1)])
                    retries += 1
                    recorder.restart()
                    continue
                recorder.outcome.error = describe_error(exc, self.plan.secrets)
                break
            finally:
                self._router.target = None
        if self.options.session_per_question:
            await self.close()
        outcome = recorder.outcome
        outcome.wall_seconds = time.monotonic() - started
        outcome.retries = retries
        return outcome

    async def _open(self) -> Session:
        if self._session is None:
            session = Session(self.plan, self._router, close_http_pool=False)
            self._session = await session.__aenter__()
            self.sessions_opened += 1
        return self._session

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.__aexit__(None, None, None)
