"""The multi-agent terminal display, fed by a real coordination over scripted backends."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from massgen.orchestrator import CoordinationSettings, Coordinator, Participant
from massgen.output.multi_agent import MultiAgentDisplay
from tests.orchestrator.scripted import Reply, Request, ScriptedBackend, answer, spec, vote


def policy(content: str, target: str, *, present: str = ""):
    def run(req: Request) -> Reply:
        if not req.tools:
            return Reply(text=present)
        shown = sorted(req.shown())
        if not shown:
            return answer(content)
        choice = target if target in shown else shown[0]
        return vote(choice, f"{choice} explains best")

    return run


async def run_displayed(policies: dict, width: int = 200, **settings) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=False, color_system=None)
    participants = [Participant(spec(a), ScriptedBackend(spec(a), p)) for a, p in policies.items()]
    display = MultiAgentDisplay(list(policies), console)
    try:
        await Coordinator(participants, CoordinationSettings(**settings), display).run("Q")
    finally:
        display.close()
    return out.getvalue()


@pytest.mark.anyio
async def test_side_by_side_panels_votes_and_the_final_answer():
    text = await run_displayed({
        "alpha": policy("Alpha thinks 4", "agent2"),
        "beta": policy("Beta thinks four", "agent2", present="# The answer\n\nIt is **four**."),
    })
    assert "alpha (agent1)" in text and "beta (agent2)" in text
    assert "answer #1: Alpha thinks 4" in text
    assert "vote: agent2 (beta): agent2 explains best" in text
    assert "Final answer" in text and "It is four." in text
    assert "presents the final answer" in text


@pytest.mark.anyio
async def test_many_agents_are_rows_and_a_timeout_is_explained():
    def hangs(req: Request) -> Reply:
        return Reply(delay=3600)

    policies = {f"a{i}": hangs for i in range(5)}
    policies["a9"] = lambda req: answer("the only answer") if not req.shown() else Reply(delay=3600)
    text = await run_displayed(policies, orchestrator_timeout_seconds=0.3)
    assert "a9 (agent6)" in text and "answered (#1)" in text
    assert "orchestrator timeout" in text and "the only answer" in text
