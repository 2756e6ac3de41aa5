"""The two workflow tools every coordinating agent gets, and MassGen's rules for accepting a call to them.

``new_answer(content)`` posts an answer; ``vote(agent_id, reason)`` votes for one of the answers the agent
was shown, by anonymous id. A rejected call is answered with a tool error saying what to do instead, and
costs the agent one of its workflow attempts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..conversation import ToolSpec
from .settings import CoordinationSettings

NEW_ANSWER = "new_answer"
VOTE = "vote"
WORKFLOW_TOOLS = frozenset({NEW_ANSWER, VOTE})

# Word-set overlap above which an answer is "the same answer again" (MassGen's thresholds).
_NOVELTY_THRESHOLD = {"balanced": 0.70, "strict": 0.50}


def workflow_tools(shown_anon_ids: list[str], *, vote_only: bool) -> list[ToolSpec]:
    """Tool specs for one round; the vote enum lists exactly the anonymous ids whose answers were shown."""
    agent_id: dict[str, Any] = {"type": "string", "description": "Anonymous id of the agent whose answer is best"}
    if shown_anon_ids:
        agent_id["enum"] = list(shown_anon_ids)
    vote = ToolSpec(
        VOTE,
        "Vote for the agent whose current answer should be presented as the final answer.",
        {
            "type": "object",
            "properties": {
                "agent_id": agent_id,
                "reason": {"type": "string", "description": "Why that answer is the best one"},
            },
            "required": ["agent_id", "reason"],
        },
    )
    if vote_only:
        return [vote]
    new_answer = ToolSpec(
        NEW_ANSWER,
        "Post a new, improved answer to the original message.",
        {
            "type": "object",
            "properties": {"content": {"type": "string", "description": "Your complete answer"}},
            "required": ["content"],
        },
    )
    return [new_answer, vote]


@dataclass(frozen=True, slots=True)
class RoundView:
    """What one agent was shown when its round started: the answers (by real id) and its own limits."""

    agent_id: str
    answers: dict[str, str]
    anon_of: dict[str, str]
    answers_posted: int
    vote_only: bool

    def shown_anon_ids(self) -> list[str]:
        return sorted(self.anon_of[a] for a in self.answers)


@dataclass(frozen=True, slots=True)
class Accepted:
    kind: str  # NEW_ANSWER or VOTE
    content: str = ""
    for_agent: str = ""  # real id
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Rejected:
    message: str


def judge(name: str, arguments: dict[str, Any], view: RoundView, settings: CoordinationSettings) -> Accepted | Rejected:
    if name == VOTE:
        return _judge_vote(arguments, view)
    return _judge_new_answer(arguments, view, settings)


def _judge_vote(arguments: dict[str, Any], view: RoundView) -> Accepted | Rejected:
    if not view.answers:
        return Rejected("There are no answers to vote for yet. Use the new_answer tool to post your answer.")
    anon = str(arguments.get("agent_id", "")).strip()
    real_of = {view.anon_of[a]: a for a in view.answers}
    if anon not in real_of:
        valid = ", ".join(view.shown_anon_ids())
        return Rejected(f"Invalid agent_id {anon!r}. Vote for one of: {valid}.")
    return Accepted(VOTE, for_agent=real_of[anon], reason=str(arguments.get("reason", "")).strip())


def _judge_new_answer(
    arguments: dict[str, Any], view: RoundView, settings: CoordinationSettings
) -> Accepted | Rejected:
    limit = settings.max_new_answers_per_agent
    if view.vote_only or (limit is not None and view.answers_posted >= limit):
        return Rejected(
            f"You have reached the maximum of {limit} new answer(s); new_answer is not available. "
            "Use the vote tool to vote for the best existing answer."
        )
    content = arguments.get("content")
    if not isinstance(content, str) or not content.strip():
        return Rejected("new_answer needs a non-empty 'content' string with your complete answer.")
    for other, existing in view.answers.items():
        if content.strip() == existing.strip():
            return Rejected(
                f"That answer was already given by {view.anon_of[other]}. "
                "Post a different answer or vote for the existing one."
            )
    threshold = _NOVELTY_THRESHOLD.get(settings.answer_novelty_requirement)
    if threshold is not None and any(word_overlap(content, e) > threshold for e in view.answers.values()):
        return Rejected(
            f"Your answer is too similar to an existing answer (more than {threshold:.0%} word overlap). "
            "Bring a meaningfully different approach, or vote for the existing answer."
        )
    return Accepted(NEW_ANSWER, content=content)


def word_overlap(a: str, b: str) -> float:
    """Jaccard similarity of the lower-cased word sets, as MassGen measures answer novelty."""
    words_a, words_b = set(a.lower().split()), set(b.lower().split())
    if not words_a and not words_b:
        return 1.0
    if not words_a or not words_b:
        return 0.0
    return len(words_a & words_b) / len(words_a | words_b)
