"""The coordination board: every agent's latest answer, its vote, and whether it is still in the game.

MassGen's rules live here. Agents are known to each other only by anonymous ids (``agent1``, ``agent2``...,
numbered over the sorted real ids). A new answer clears every recorded vote, because a vote judged a set of
answers that no longer exists; each agent then works again with the new answer in view. Coordination is
complete when every agent still running has voted.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


def anonymous_ids(agent_ids: list[str]) -> dict[str, str]:
    """Real id -> ``agentN``, numbered over the sorted real ids as MassGen numbers them."""
    return {real: f"agent{i}" for i, real in enumerate(sorted(agent_ids), 1)}


@dataclass(slots=True)
class VoteRecord:
    for_agent: str
    reason: str


@dataclass(slots=True)
class AgentState:
    id: str
    answer: str | None = None
    answer_count: int = 0
    answered_at: float | None = None
    vote: VoteRecord | None = None
    dropped: bool = False
    error: str | None = None


@dataclass(slots=True)
class Board:
    """Shared state of one coordination. ``revision`` grows with every accepted answer."""

    agent_ids: list[str]
    states: dict[str, AgentState] = field(init=False)
    revision: int = 0
    anon_of: dict[str, str] = field(init=False)
    real_of: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.states = {agent_id: AgentState(agent_id) for agent_id in self.agent_ids}
        self.anon_of = anonymous_ids(self.agent_ids)
        self.real_of = {anon: real for real, anon in self.anon_of.items()}

    # -- reading -----------------------------------------------------------------------------------

    def answers(self) -> dict[str, str]:
        """Current answers by real id, in config order (the order ties are broken in)."""
        return {a: s.answer for a, s in self.states.items() if s.answer is not None}

    def live(self) -> list[str]:
        return [a for a, s in self.states.items() if not s.dropped]

    def votes(self) -> dict[str, VoteRecord]:
        return {a: s.vote for a, s in self.states.items() if s.vote is not None}

    def is_complete(self) -> bool:
        live = self.live()
        return not live or all(self.states[a].vote is not None for a in live)

    # -- MassGen's transitions ---------------------------------------------------------------------

    def record_answer(self, agent_id: str, content: str) -> None:
        state = self.states[agent_id]
        state.answer = content
        state.answer_count += 1
        state.answered_at = time.monotonic()
        self.revision += 1
        for other in self.states.values():
            other.vote = None

    def record_vote(self, agent_id: str, for_agent: str, reason: str) -> None:
        self.states[agent_id].vote = VoteRecord(for_agent, reason)

    def drop(self, agent_id: str, error: str) -> None:
        """A failed agent leaves the game; its last answer (if any) stays on the board."""
        state = self.states[agent_id]
        state.dropped = True
        state.error = error
        state.vote = None
