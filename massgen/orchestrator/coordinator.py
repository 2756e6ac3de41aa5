"""MassGen's coordination loop: all agents work in parallel on the question, see each other's answers,
and vote; the winner presents the final answer.

Each agent plays rounds (``rounds.play_round``). A round that ends in an answer puts it on the board,
which clears every vote; every agent without a vote then starts a new round with the current answers in
view. A vote from a round that began before the latest answer is ignored and that agent goes again.
Coordination ends when every agent still running has voted, or at the orchestrator timeout.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from ..config.plan import AgentPlan
from ..conversation import Message
from ..errors import MassGenError, redact
from ..events import Answer, EventSink, Notice, Vote
from .participant import Participant
from .presenter import ends_the_run, present, present_existing
from .prompts import round_messages
from .rounds import RoundOutcome, play_round
from .settings import CoordinationSettings
from .state import Board
from .winner import Selection, select_after_timeout, select_winner
from .workflow import NEW_ANSWER, RoundView

# How long cancelled rounds get to unwind (close their streams) after a timeout.
_CANCEL_GRACE_SECONDS = 5.0


class CoordinationError(MassGenError):
    """Coordination ended without any answer to present."""


@dataclass(frozen=True, slots=True)
class CoordinationResult:
    final: str
    winner: str
    timed_out: bool
    basis: str


@dataclass(slots=True)
class _Running:
    task: asyncio.Task[RoundOutcome]
    revision: int  # board revision the round started from


class Coordinator:
    def __init__(self, participants: list[Participant], settings: CoordinationSettings, sink: EventSink) -> None:
        self.participants = {p.id: p for p in participants}
        self.settings = settings
        self.sink = sink
        self.board = Board([p.id for p in participants])

    async def run(self, question: str) -> CoordinationResult:
        if self.settings.skip_coordination_rounds:
            first = next(iter(self.participants.values()))
            self.sink(Notice(kind="winner", message="coordination skipped; the first agent answers", agent=first.id))
            limit = self.settings.orchestrator_timeout_seconds
            try:
                final = await asyncio.wait_for(present(first, question, self.board, None, self.sink), limit)
            except asyncio.TimeoutError:
                raise CoordinationError(f"orchestrator timeout ({limit:g}s) before {first.id} answered") from None
            return CoordinationResult(final, first.id, False, "skip_coordination_rounds")
        started = time.monotonic()
        deadline = started + self.settings.orchestrator_timeout_seconds
        if await self._coordinate(question, deadline):
            return self._finish_after_timeout(time.monotonic() - started)
        selection = select_winner(self.board)
        if selection is None:
            raise CoordinationError("every agent failed before giving an answer: " + self._failures())
        try:
            # As in MassGen, the presentation runs under the same orchestrator timeout.
            return await asyncio.wait_for(self._present(question, selection), deadline - time.monotonic())
        except asyncio.TimeoutError:
            return self._finish_after_timeout(time.monotonic() - started)

    # -- the coordination loop ---------------------------------------------------------------------

    async def _coordinate(self, question: str, deadline: float) -> bool:
        """Runs rounds until every live agent has voted; True when the deadline cut it short."""
        running: dict[str, _Running] = {}
        try:
            while not self.board.is_complete():
                for agent_id in self.board.live():
                    if agent_id not in running and self.board.states[agent_id].vote is None:
                        running[agent_id] = self._start_round(agent_id, question)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return True
                done, _ = await asyncio.wait(
                    [r.task for r in running.values()], timeout=remaining, return_when=asyncio.FIRST_COMPLETED
                )
                if not done:
                    return True
                for agent_id in [a for a, r in running.items() if r.task in done]:
                    finished = running.pop(agent_id)
                    self._settle(agent_id, finished)
            return False
        finally:
            await _cancel([r.task for r in running.values()])

    def _start_round(self, agent_id: str, question: str) -> _Running:
        participant = self.participants[agent_id]
        settings = self.settings.for_agent(participant.spec.voting_sensitivity)
        view, messages = round_inputs(self.board, participant.spec, question, settings, participant.history)
        task = asyncio.create_task(play_round(participant, messages, view, settings, self.sink))
        return _Running(task, self.board.revision)

    def _settle(self, agent_id: str, finished: _Running) -> None:
        outcome = _outcome(finished.task)
        action = outcome.action
        if action is None:
            self.board.drop(agent_id, outcome.failure or "unknown failure")
            kept = " (its last answer stays in the running)" if self.board.states[agent_id].answer else ""
            self.sink(Notice(kind="agent_failed", message=f"dropped out: {outcome.failure}{kept}", agent=agent_id))
        elif action.kind == NEW_ANSWER:
            self.board.record_answer(agent_id, action.content)
            self.sink(Answer(action.content, agent=agent_id))
        elif finished.revision != self.board.revision:
            anon = self.board.anon_of[action.for_agent]
            self.sink(Notice(kind="vote_ignored", message=f"vote for {anon} ignored: new answers arrived",
                             agent=agent_id))
        else:
            self.board.record_vote(agent_id, action.for_agent, action.reason)
            self.sink(Vote(self.board.anon_of[action.for_agent], action.reason, agent=agent_id))

    # -- the end -----------------------------------------------------------------------------------

    async def _present(self, question: str, selection: Selection) -> CoordinationResult:
        winner = self.participants[selection.agent_id]
        anon = self.board.anon_of[winner.id]
        how = f"{selection.votes} vote(s)" if selection.basis == "most votes" else "nobody voted; first answer"
        self.sink(Notice(kind="winner", message=f"{anon} ({winner.id}) presents the final answer: {how}",
                         agent=winner.id))
        if self.board.states[winner.id].dropped:
            final = present_existing(self.board, winner.id, self.sink, "the winner's backend failed")
        else:
            final = await present(winner, question, self.board, selection, self.sink)
        return CoordinationResult(final, winner.id, False, selection.basis)

    def _finish_after_timeout(self, elapsed: float) -> CoordinationResult:
        limit = self.settings.orchestrator_timeout_seconds
        selection = select_after_timeout(self.board)
        if selection is None:
            raise CoordinationError(
                f"orchestrator timeout ({elapsed:.1f}s of {limit:g}s) before any agent gave an answer"
            )
        reason = f"orchestrator timeout ({elapsed:.1f}s of {limit:g}s); presenting the {selection.basis}"
        final = present_existing(self.board, selection.agent_id, self.sink, reason, kind="timeout")
        return CoordinationResult(final, selection.agent_id, True, selection.basis)

    def _failures(self) -> str:
        return "; ".join(f"{s.id}: {s.error}" for s in self.board.states.values() if s.error) or "no details"


def _outcome(task: asyncio.Task[RoundOutcome]) -> RoundOutcome:
    """What a finished round came to. Anything a backend raises beyond our own errors still only takes that
    one agent out; but an output nobody reads any more (``massgen run ... | head``) ends the whole run, and a
    cancellation, Ctrl-C or exit is never a failure of the agent: those propagate."""
    error = task.exception()  # raises CancelledError itself if the round was cancelled
    if error is None:
        return task.result()
    if ends_the_run(error):
        raise error
    return RoundOutcome(failure=redact(f"{type(error).__name__}: {error}"))


async def _cancel(tasks: list[asyncio.Task[RoundOutcome]]) -> None:
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=_CANCEL_GRACE_SECONDS)
    for task in tasks:  # a round that failed while the run was ending: nothing more to report about it
        if task.done() and not task.cancelled():
            task.exception()


def round_inputs(board: Board, agent: AgentPlan, question: str, settings: CoordinationSettings,
                 history: list[Message] | None = None) -> tuple[RoundView, list[Message]]:
    """What an agent's round starts from: what it is shown (and may vote for) and the messages it is sent.
    ``massgen explain`` shows the first round's through this same function."""
    state = board.states[agent.id]
    limit = settings.max_new_answers_per_agent
    answers = board.answers()
    view = RoundView(agent_id=agent.id, answers=answers, anon_of=board.anon_of, answers_posted=state.answer_count,
                     vote_only=limit is not None and state.answer_count >= limit)
    messages = round_messages(question, answers, board.anon_of, agent.system_message, settings,
                              vote_only=view.vote_only, history=history)
    return view, messages
