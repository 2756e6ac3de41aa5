"""One question's events turned into its result: answers, votes, usage per agent, the final answer, the error."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..errors import BackendError, MassGenError, redact
from ..events import Answer, Event, Final, Usage, Vote
from ..secret import Secret
from .results import Outcome


class Recorder:
    """The sink of one question: fills an ``Outcome``. ``on_tokens(agent, tokens)`` hears each usage report."""

    def __init__(self, agents: dict[str, dict[str, Any]], on_tokens: Callable[[str | None, int], None] | None = None):
        self.outcome = Outcome()
        self._agents = agents  # agent id -> {"provider", "model"}
        self._on_tokens = on_tokens
        self.tokens = 0

    def __call__(self, event: Event) -> None:
        outcome = self.outcome
        if isinstance(event, Usage):
            agent = event.agent or "?"
            usage = outcome.usage.get(agent)
            if usage is None:
                usage = outcome.usage[agent] = {**self._agents.get(agent, {}), "input_tokens": 0, "output_tokens": 0}
            usage["input_tokens"] += event.input_tokens
            usage["output_tokens"] += event.output_tokens
            self.tokens += event.input_tokens + event.output_tokens
            if self._on_tokens is not None:
                self._on_tokens(event.agent, event.input_tokens + event.output_tokens)
        elif isinstance(event, Answer) and event.agent:
            outcome.answers[event.agent] = event.content
        elif isinstance(event, Vote) and event.agent:
            outcome.votes[event.agent] = {"for": event.for_agent, "reason": event.reason}
        elif isinstance(event, Final):
            outcome.final, outcome.winner = event.content, event.agent
            if not outcome.answers and event.agent:  # a single agent: its answer is the final one
                outcome.answers[event.agent] = event.content

    def restart(self) -> None:
        """The question is asked again: forget the failed attempt's answers, keep the tokens it spent."""
        self.outcome = Outcome(usage=self.outcome.usage)

    def close(self) -> None:
        """Nothing to release (a ``massgen.output.Sink``)."""


class Router:
    """The one sink a worker's session keeps: it passes each event to the ``Recorder`` of the current question."""

    def __init__(self) -> None:
        self.target: Callable[[Event], None] | None = None

    def __call__(self, event: Event) -> None:
        if self.target is not None:
            self.target(event)

    def close(self) -> None:
        self.target = None


def error_kind(exc: BaseException) -> str:
    """A stable word for an error's kind, from its class: ``RateLimitError`` -> ``rate_limit``,
    ``TimeoutError_`` -> ``timeout``; ``internal`` for anything that is not a ``MassGenError`` (a bug of ours)."""
    if not isinstance(exc, MassGenError):
        return "internal"
    name = type(exc).__name__.rstrip("_")
    name = name.removesuffix("Error") or name
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def describe_error(exc: BaseException, secrets: tuple[Secret, ...]) -> dict[str, Any]:
    """``{"kind", "message", "retryable", "status"}`` of an error, its message redacted."""
    message = str(exc) if isinstance(exc, MassGenError) else f"{type(exc).__name__}: {exc}"
    if isinstance(exc, BackendError) and exc.provider and not message.startswith(exc.provider):
        message = f"{exc.provider}: {message}"
    return {"kind": error_kind(exc), "message": redact(message, secrets),
            "retryable": bool(getattr(exc, "retryable", False)), "status": getattr(exc, "status", None)}
