"""Coordination limits and knobs, read from a RunPlan's ``orchestrator`` and ``timeout_settings`` mappings.

Defaults are MassGen's: no per-agent answer cap, a 30-minute orchestrator timeout, lenient voting and
novelty, three workflow attempts per round (the first try plus two reminders), planning mode off.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

Strictness = Literal["lenient", "balanced", "strict"]
_STRICTNESS = ("lenient", "balanced", "strict")


@dataclass(frozen=True, slots=True)
class CoordinationSettings:
    max_new_answers_per_agent: int | None = None
    orchestrator_timeout_seconds: float = 1800.0
    voting_sensitivity: Strictness = "lenient"
    answer_novelty_requirement: Strictness = "lenient"
    skip_coordination_rounds: bool = False
    workflow_attempts: int = 3
    # MassGen's planning mode (orchestrator.coordination.enable_planning_mode): coordination rounds offer only
    # the workflow tools, with the planning instruction; the final presenter runs the agent's own tools.
    planning_mode: bool = False
    planning_instruction: str | None = None  # planning_mode_instruction; None: prompts.PLANNING_INSTRUCTION

    @classmethod
    def from_spec(cls, orchestrator: dict[str, Any], timeout_settings: dict[str, Any]) -> CoordinationSettings:
        defaults = cls()
        coordination = orchestrator.get("coordination") or {}
        timeout = timeout_settings.get("orchestrator_timeout_seconds", defaults.orchestrator_timeout_seconds)
        return cls(
            max_new_answers_per_agent=orchestrator.get("max_new_answers_per_agent"),
            orchestrator_timeout_seconds=float(timeout),
            voting_sensitivity=_strictness(orchestrator.get("voting_sensitivity")),
            answer_novelty_requirement=_strictness(orchestrator.get("answer_novelty_requirement")),
            skip_coordination_rounds=bool(orchestrator.get("skip_coordination_rounds", False)),
            planning_mode=bool(coordination.get("enable_planning_mode", False)),
            planning_instruction=coordination.get("planning_mode_instruction") or None,
        )


    def for_agent(self, own_sensitivity: str | None) -> CoordinationSettings:
        """An agent's own ``voting_sensitivity`` wins over the orchestrator's."""
        return replace(self, voting_sensitivity=_strictness(own_sensitivity)) if own_sensitivity else self


def _strictness(value: Any) -> Strictness:
    # The compiler has already validated the value; anything MassGen does not grade counts as lenient,
    # as MassGen's own prompt builder does.
    return value if value in _STRICTNESS else "lenient"
