"""Who presents the final answer, decided as MassGen decides it.

- After coordination: most votes wins; a tie goes to the tied agent that comes first in the config; with
  no votes at all, the first agent (in config order) that has an answer presents.
- After a timeout agents still running count: most votes among them, else the latest answer; when none of
  them has an answer, the answers of agents that dropped out are presented rather than none at all.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .state import Board


@dataclass(frozen=True, slots=True)
class Selection:
    agent_id: str
    votes: int
    tie: bool
    basis: str  # "most votes", "first answer" (nobody voted) or "latest answer" (timeout, nobody voted)


def vote_counts(board: Board) -> Counter[str]:
    return Counter(vote.for_agent for vote in board.votes().values())


def select_winner(board: Board) -> Selection | None:
    answers = board.answers()
    if not answers:
        return None
    return _by_votes(board, list(answers)) or Selection(next(iter(answers)), 0, False, "first answer")


def select_after_timeout(board: Board) -> Selection | None:
    answered = list(board.answers())
    live = [a for a in answered if not board.states[a].dropped] or answered
    if not live:
        return None
    latest = max(live, key=lambda a: board.states[a].answered_at or 0.0)
    return _by_votes(board, live) or Selection(latest, 0, False, "latest answer")


def _by_votes(board: Board, candidates: list[str]) -> Selection | None:
    counts = vote_counts(board)
    counted = {a: counts[a] for a in candidates if counts[a]}
    if not counted:
        return None
    top = max(counted.values())
    tied = [a for a in candidates if counted.get(a) == top]
    return Selection(tied[0], top, len(tied) > 1, "most votes")
