"""One agent's coordination round: run its agent loop with the workflow tools beside its own tools until
it posts an answer or a vote that MassGen's rules accept.

A plain-text reply earns a reminder and a rejected workflow call earns a tool error; either costs one of
``settings.workflow_attempts``. When they are spent, or the backend fails, the round fails and the
coordinator drops the agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..agent import Tool, ToolOutcome
from ..conversation import Message
from ..errors import MassGenError
from ..events import EventSink, Notice
from .participant import Participant
from .prompts import REMINDER, VOTE_ONLY_REMINDER
from .settings import CoordinationSettings
from .workflow import Accepted, Rejected, RoundView, judge, workflow_tools


@dataclass(frozen=True, slots=True)
class RoundOutcome:
    action: Accepted | None = None
    failure: str | None = None


class _Referee:
    """Judges the workflow calls of one round; the first accepted call ends the round."""

    def __init__(self, view: RoundView, settings: CoordinationSettings) -> None:
        self.view = view
        self.settings = settings
        self.accepted: Accepted | None = None
        self.failures = 0

    @property
    def done(self) -> bool:
        return self.accepted is not None or self.failures >= self.settings.workflow_attempts

    def tools(self) -> list[Tool]:
        def handler(name: str):
            async def handle(arguments: dict[str, Any]) -> ToolOutcome:
                text, is_error = self.judge(name, arguments)
                return ToolOutcome(text, is_error=is_error, ends_turn=self.done)

            return handle

        specs = workflow_tools(self.view.shown_anon_ids(), vote_only=self.view.vote_only)
        return [Tool(spec, handler(spec.name)) for spec in specs]

    def judge(self, name: str, arguments: dict[str, Any]) -> tuple[str, bool]:
        """The tool result text and whether it is an error."""
        if self.accepted is not None:
            return "Ignored: this round already has a workflow action.", True
        verdict = judge(name, arguments, self.view, self.settings)
        if isinstance(verdict, Rejected):
            self.failures += 1
            return verdict.message, True
        self.accepted = verdict
        return ("Answer recorded." if verdict.kind == "new_answer" else "Vote recorded."), False


async def play_round(
    participant: Participant,
    messages: list[Message],
    view: RoundView,
    settings: CoordinationSettings,
    sink: EventSink,
) -> RoundOutcome:
    referee = _Referee(view, settings)
    tools = referee.tools()
    history = list(messages)
    reminder = VOTE_ONLY_REMINDER if view.vote_only else REMINDER
    while True:
        try:
            ended_with_text = await participant.run_turns(history, tools, sink, own_tools=not settings.planning_mode)
        except MassGenError as exc:
            return RoundOutcome(failure=str(exc))
        if referee.accepted is not None:
            return RoundOutcome(action=referee.accepted)
        if ended_with_text:
            referee.failures += 1
            if not referee.done:
                sink(Notice(kind="reminder", message="answered in plain text; reminded to use vote or new_answer",
                            agent=participant.id))
                history.append(Message("user", reminder))
                continue
        return RoundOutcome(
            failure=f"made no accepted vote or new_answer call in {settings.workflow_attempts} attempts"
        )

