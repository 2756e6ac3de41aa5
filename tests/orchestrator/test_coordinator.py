"""The coordination loop against scripted in-process backends: consensus, invalidated votes, failures,
reminders, limits and the timeout."""

from __future__ import annotations

import asyncio

import pytest

from massgen.errors import ProviderError
from massgen.events import Answer, Event, Final, Notice, TextDelta, Vote
from massgen.orchestrator import CoordinationError, CoordinationSettings, Coordinator, Participant
from massgen.orchestrator.coordinator import _outcome
from massgen.output.lines import OutputClosed
from tests.orchestrator.scripted import Reply, Request, ScriptedBackend, answer, spec, vote


def build(
    policies: dict[str, object], **settings: object
) -> tuple[Coordinator, list[Event], dict[str, ScriptedBackend]]:
    backends = {agent_id: ScriptedBackend(spec(agent_id), policy) for agent_id, policy in policies.items()}
    events: list[Event] = []
    participants = [Participant(b.spec, b) for b in backends.values()]
    return Coordinator(participants, CoordinationSettings(**settings), events.append), events, backends


def of(events: list[Event], kind: type) -> list:
    return [e for e in events if isinstance(e, kind)]


def presenting(text: str):
    """Decorates a coordination policy: with no workflow tools offered, this is the final presentation."""

    def wrap(policy):
        def run(req: Request) -> Reply:
            return Reply(text=text) if not req.tools else policy(req)

        return run

    return wrap


def answer_then_vote_for(target: str, content: str):
    """Answers while no answer is shown; then votes for ``target`` once it is shown (else the first shown)."""

    @presenting(f"presented: {content}")
    def policy(req: Request) -> Reply:
        shown = sorted(req.shown())
        if not shown:
            return answer(content)
        choice = target if target in shown else shown[0]
        return vote(choice, f"{choice} is right")

    return policy


@pytest.mark.anyio
async def test_consensus_all_vote_and_the_winner_presents():
    coordinator, events, backends = build({
        "alpha": answer_then_vote_for("agent2", "alpha says 4"),
        "beta": answer_then_vote_for("agent2", "beta says four"),
        "gamma": answer_then_vote_for("agent2", "gamma says 2+2=4"),
    })
    result = await coordinator.run("What is 2+2?")
    assert result.winner == "beta" and not result.timed_out
    assert result.final == "presented: beta says four"
    assert {a.agent for a in of(events, Answer)} == {"alpha", "beta", "gamma"}
    final_votes = {v.agent: v.for_agent for v in of(events, Vote)}
    assert final_votes == {"alpha": "agent2", "beta": "agent2", "gamma": "agent2"}
    assert of(events, Final) == [Final("presented: beta says four", agent="beta")]
    presentation = backends["beta"].requests[-1]
    assert presentation.tools == [] and "beta says four" in presentation.messages[-1].content
    assert "3 vote(s)" in presentation.messages[-1].content


@pytest.mark.anyio
async def test_agents_see_each_other_only_by_anonymous_ids_and_vote_from_an_enum():
    coordinator, _, backends = build({
        "zed": answer_then_vote_for("agent1", "answer Z"),
        "amy": answer_then_vote_for("agent1", "answer A"),
    })
    await coordinator.run("Q")
    voting_round = next(r for r in backends["zed"].requests if r.shown() and r.tools)
    assert "zed" not in voting_round.messages[-1].content and "amy" not in voting_round.messages[-1].content
    vote_tool = next(t for t in voting_round.tools if t.name == "vote")
    assert vote_tool.parameters["properties"]["agent_id"]["enum"] == sorted(voting_round.shown())
    assert voting_round.shown().get("agent1") == "answer A"  # sorted real ids: amy=agent1, zed=agent2


@pytest.mark.anyio
async def test_a_new_answer_invalidates_votes_and_the_voters_go_again_with_it_in_view():
    @presenting("final from slow")
    def slow(req: Request) -> Reply:
        shown = req.shown()
        if "agent2" not in shown:
            return answer("slow but thorough answer", delay=0.2)
        return vote("agent2", "thorough")

    @presenting("final from fast")
    def fast(req: Request) -> Reply:
        shown = req.shown()
        if not shown:
            return answer("fast answer")
        return vote("agent2" if "agent2" in shown else "agent1", "pick")

    coordinator, events, backends = build({"fast": fast, "slow": slow})
    result = await coordinator.run("Q")
    fast_votes = [v.for_agent for v in of(events, Vote) if v.agent == "fast"]
    assert fast_votes == ["agent1", "agent2"]  # the first vote was cleared by slow's answer, then re-cast
    order = [(type(e).__name__, e.agent) for e in events if isinstance(e, (Answer, Vote))]
    assert order.index(("Answer", "slow")) > order.index(("Vote", "fast"))
    assert result.winner == "slow"
    assert any("slow but thorough answer" in r.messages[-1].content for r in backends["fast"].requests[1:])


@pytest.mark.anyio
async def test_a_vote_from_a_round_that_started_before_a_new_answer_is_ignored():
    @presenting("p")
    def early(req: Request) -> Reply:
        if not req.shown():
            return answer("early answer")
        return vote("agent1", "only one", delay=0.1 if len(req.shown()) == 1 else 0)

    @presenting("p")
    def late(req: Request) -> Reply:
        return answer("late answer", delay=0.05) if "agent2" not in req.shown() else vote("agent2", "mine")

    coordinator, events, _ = build({"early": early, "late": late})
    await coordinator.run("Q")
    ignored = [n for n in of(events, Notice) if n.kind == "vote_ignored"]
    assert ignored and ignored[0].agent == "early"
    assert {v.agent: v.for_agent for v in of(events, Vote)}["early"] == "agent1"


@pytest.mark.anyio
async def test_a_failing_agent_drops_out_and_the_rest_go_on():
    def broken(req: Request) -> Reply:
        return Reply(error=ProviderError("upstream exploded", status=500))

    coordinator, events, _ = build({
        "ok1": answer_then_vote_for("agent3", "one"),
        "broken": broken,
        "ok2": answer_then_vote_for("agent3", "two"),
    })
    result = await coordinator.run("Q")
    dropped = [n for n in of(events, Notice) if n.kind == "agent_failed"]
    assert [n.agent for n in dropped] == ["broken"] and "upstream exploded" in dropped[0].message
    assert result.winner == "ok2" and result.final == "presented: two"


@pytest.mark.anyio
async def test_a_failed_agent_keeps_its_last_answer():
    @presenting("never")
    def answers_then_breaks(req: Request) -> Reply:
        if not req.shown():
            return answer("answer from the flaky agent")
        return Reply(error=ProviderError("gone", status=503))

    coordinator, events, _ = build({
        "flaky": answers_then_breaks,
        "steady": answer_then_vote_for("agent1", "steady answer"),
    })
    result = await coordinator.run("Q")
    assert result.winner == "flaky"  # steady voted for it; its backend is gone, so its answer stands as is
    assert result.final == "answer from the flaky agent"
    assert any(n.kind == "fallback" for n in of(events, Notice))


@pytest.mark.anyio
async def test_everyone_failing_is_a_clear_error():
    def broken(req: Request) -> Reply:
        return Reply(error=ProviderError("down", status=500))

    coordinator, _, _ = build({"a": broken, "b": broken})
    with pytest.raises(CoordinationError, match="every agent failed.*a: down"):
        await coordinator.run("Q")


@pytest.mark.anyio
async def test_plain_text_gets_a_reminder_then_the_agent_complies():
    @presenting("final")
    def chatty(req: Request) -> Reply:
        if req.shown():
            return vote("agent1")
        if req.last.role == "user" and "workflow tool" in req.last.content:
            return answer("now as a tool call")
        return Reply(text="The answer is 4.")

    coordinator, events, backends = build({"chatty": chatty, "other": answer_then_vote_for("agent1", "x")})
    result = await coordinator.run("Q")
    assert [n.agent for n in of(events, Notice) if n.kind == "reminder"] == ["chatty"]
    assert "now as a tool call" in [a.content for a in of(events, Answer)]
    second = backends["chatty"].requests[1]
    assert second.messages[-2].content == "The answer is 4." and second.messages[-1].role == "user"
    assert result.final == "final"


@pytest.mark.anyio
async def test_reminders_are_bounded_then_the_agent_drops_out():
    def stubborn(req: Request) -> Reply:
        return Reply(text="I refuse to use tools.")

    coordinator, events, backends = build({"stubborn": stubborn, "good": answer_then_vote_for("agent1", "good")})
    result = await coordinator.run("Q")
    assert len(backends["stubborn"].requests) == 3  # the first try plus two reminders
    assert [n.kind for n in of(events, Notice) if n.agent == "stubborn"] == ["reminder", "reminder", "agent_failed"]
    assert result.winner == "good"


@pytest.mark.anyio
async def test_a_rejected_workflow_call_is_a_tool_error_the_agent_can_fix():
    @presenting("final")
    def confused(req: Request) -> Reply:
        if req.last.role == "tool" and req.last.is_error:
            return vote("agent1", "fixed")
        return vote("agent9", "typo") if req.shown() else answer("mine")

    coordinator, events, backends = build({"confused": confused, "other": answer_then_vote_for("agent1", "o")})
    await coordinator.run("Q")
    error = next(r.last for r in backends["confused"].requests if r.last.role == "tool")
    assert error.is_error and "Invalid agent_id 'agent9'" in error.content and "agent1, agent2" in error.content
    assert {v.agent: v.for_agent for v in of(events, Vote)}["confused"] == "agent1"


@pytest.mark.anyio
async def test_answer_limit_leaves_only_the_vote_tool():
    @presenting("final")
    def eager(req: Request) -> Reply:
        if "new_answer" in req.tool_names:
            return answer(f"answer number {len(req.shown()) + 1} " + "x" * len(req.messages))
        return vote("agent1")

    coordinator, events, backends = build(
        {"eager": eager, "calm": answer_then_vote_for("agent2", "calm")}, max_new_answers_per_agent=1
    )
    await coordinator.run("Q")
    assert len([a for a in of(events, Answer) if a.agent == "eager"]) == 1
    later = [r for r in backends["eager"].requests if r.tools][1:]
    assert later and all(r.tool_names == ["vote"] for r in later)
    assert "posted as many new answers as you may" in later[0].system


@pytest.mark.anyio
async def test_orchestrator_timeout_presents_the_best_available_answer_and_says_why():
    @presenting("never")
    def answers_then_thinks_forever(req: Request) -> Reply:
        return answer("quick answer") if not req.shown() else Reply(text="...", delay=3600)

    def hangs(req: Request) -> Reply:
        return Reply(delay=3600)

    coordinator, events, _ = build(
        {"quick": answers_then_thinks_forever, "stuck": hangs}, orchestrator_timeout_seconds=0.3
    )
    result = await coordinator.run("Q")
    assert result.timed_out and result.winner == "quick" and result.final == "quick answer"
    notice = next(n for n in of(events, Notice) if n.kind == "timeout")
    assert "orchestrator timeout" in notice.message and "of 0.3s" in notice.message
    assert of(events, Final)[-1].content == "quick answer"


@pytest.mark.anyio
async def test_timeout_with_no_answer_at_all_is_an_error():
    def hangs(req: Request) -> Reply:
        return Reply(delay=3600)

    coordinator, _, _ = build({"a": hangs, "b": hangs}, orchestrator_timeout_seconds=0.2)
    with pytest.raises(CoordinationError, match="before any agent gave an answer"):
        await coordinator.run("Q")


@pytest.mark.anyio
async def test_skip_coordination_rounds_lets_the_first_agent_answer_directly():
    def direct(req: Request) -> Reply:
        assert req.tools == []
        return Reply(text="direct answer")

    def never(req: Request) -> Reply:
        raise AssertionError("second agent must not run")

    coordinator, events, backends = build({"first": direct, "second": never}, skip_coordination_rounds=True)
    result = await coordinator.run("Q?")
    assert result.final == "direct answer" and result.winner == "first"
    assert backends["first"].requests[0].messages[-1].content == "Q?"
    assert [e.text for e in of(events, TextDelta)] == ["direct answer"]


@pytest.mark.anyio
async def test_voting_sensitivity_and_novelty_shape_the_brief():
    @presenting("f")
    def solo(req: Request) -> Reply:
        return vote("agent1") if req.shown() else answer("a")

    coordinator, _, backends = build(
        {"a": solo, "b": answer_then_vote_for("agent1", "b")},
        voting_sensitivity="strict", answer_novelty_requirement="balanced",
    )
    await coordinator.run("Q")
    system = backends["a"].requests[0].system
    assert "Vote only if it cannot be improved" in system and "differ meaningfully" in system


@pytest.mark.anyio
async def test_an_agent_s_own_voting_sensitivity_overrides_the_orchestrator_s():
    @presenting("f")
    def solo(req: Request) -> Reply:
        return vote("agent1") if req.shown() else answer("a")

    backends = {
        "picky": ScriptedBackend(spec("picky", voting_sensitivity="strict"), solo),
        "easy": ScriptedBackend(spec("easy"), answer_then_vote_for("agent1", "b")),
    }
    participants = [Participant(b.spec, b) for b in backends.values()]
    await Coordinator(participants, CoordinationSettings(voting_sensitivity="balanced"), [].append).run("Q")
    assert "Vote only if it cannot be improved" in backends["picky"].requests[0].system
    assert "Name at least one weakness" in backends["easy"].requests[0].system


@pytest.mark.anyio
async def test_own_tools_are_offered_beside_the_workflow_tools_and_the_winner_presents_with_them():
    from massgen.agent import Tool, ToolOutcome, Toolset
    from massgen.conversation import ToolSpec
    from massgen.events import ToolResult

    lookups: list[dict] = []

    async def lookup(arguments: dict) -> ToolOutcome:
        lookups.append(arguments)
        return ToolOutcome("2+2=4 according to the table")

    def with_tool(req: Request) -> Reply:
        if not req.tools or "vote" not in req.tool_names:
            if req.last.role == "tool":
                return Reply(text=f"Presented after checking: {req.last.content}")
            return Reply(calls=[("lookup", {"q": "2+2"})])
        return vote("agent1") if req.shown() else answer("4")

    toolset = Toolset().add(Tool(ToolSpec("lookup", "Look a sum up", {"type": "object"}), lookup))
    backend = ScriptedBackend(spec("tooled"), with_tool)
    other = ScriptedBackend(spec("zplain"), answer_then_vote_for("agent1", "four"))
    events: list[Event] = []
    participants = [Participant(backend.spec, backend, toolset), Participant(other.spec, other)]
    result = await Coordinator(participants, CoordinationSettings(), events.append).run("Q")
    assert backend.requests[0].tool_names == ["lookup", "new_answer", "vote"]
    assert other.requests[0].tool_names == ["new_answer", "vote"]
    assert result.final == "Presented after checking: 2+2=4 according to the table"
    assert lookups == [{"q": "2+2"}]
    assert any(isinstance(e, ToolResult) and e.name == "lookup" and e.agent == "tooled" for e in events)


@pytest.mark.anyio
async def test_vote_and_new_answer_in_one_turn_keep_the_first_and_refuse_the_second():
    @presenting("final")
    def both(req: Request) -> Reply:
        if req.shown():
            return vote("agent1")
        return Reply(calls=[("new_answer", {"content": "mine"}), ("vote", {"agent_id": "agent1", "reason": "r"})])

    coordinator, events, backends = build({"both": both, "other": answer_then_vote_for("agent1", "o")})
    await coordinator.run("Q")
    from massgen.events import ToolResult

    first_round = [e for e in events if isinstance(e, ToolResult) and e.agent == "both"][:2]
    assert [(r.name, r.is_error) for r in first_round] == [("new_answer", False), ("vote", True)]
    assert "already has a workflow action" in first_round[1].content
    assert "mine" in [a.content for a in of(events, Answer) if a.agent == "both"]


class ClosedOutput:
    """A sink whose reader went away at the first streamed text (``massgen run --no-display ... | head``):
    every text write raises, as ``LineWriter`` and the terminal consoles do; the coordination steps still get
    through (they go to stderr)."""

    def __init__(self, error: type[BaseException]) -> None:
        self.error = error
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        if isinstance(event, TextDelta):
            raise self.error
        self.events.append(event)


@pytest.mark.anyio
@pytest.mark.parametrize("error", [OutputClosed, BrokenPipeError])
async def test_a_closed_output_ends_the_whole_run_at_once(error):
    def thinks_aloud(req: Request) -> Reply:
        return Reply(text="Let me think...", delay=0.01)

    def slow(req: Request) -> Reply:
        return Reply(delay=3600)  # still working when the output closes: must be cancelled, not waited for

    backends = {a: ScriptedBackend(spec(a), p) for a, p in {"a": thinks_aloud, "b": slow, "c": slow}.items()}
    sink = ClosedOutput(error)
    coordinator = Coordinator([Participant(b.spec, b) for b in backends.values()], CoordinationSettings(), sink)
    before = asyncio.all_tasks()
    with pytest.raises(error):
        await asyncio.wait_for(coordinator.run("Q"), timeout=5)
    assert not [t for t in asyncio.all_tasks() - before if not t.done()]  # no round left running
    assert not of(sink.events, Notice)  # nobody was "dropped out": the run ended


@pytest.mark.anyio
async def test_any_other_exception_of_a_round_only_drops_that_agent():
    def breaks(req: Request) -> Reply:
        return Reply(error=RuntimeError("the SDK tripped over itself"))

    coordinator, events, _ = build({"alpha": breaks, "beta": answer_then_vote_for("agent2", "beta says 4")})
    result = await coordinator.run("Q")
    assert result.winner == "beta"
    [dropped] = [n for n in of(events, Notice) if n.kind == "agent_failed"]
    assert dropped.agent == "alpha" and "RuntimeError: the SDK tripped over itself" in dropped.message


@pytest.mark.anyio
async def test_cancelling_the_run_cancels_its_rounds():
    def slow(req: Request) -> Reply:
        return Reply(delay=3600)

    coordinator, _, _ = build({"a": slow, "b": slow, "c": slow})
    before = asyncio.all_tasks()
    run = asyncio.create_task(coordinator.run("Q"))
    await asyncio.sleep(0.05)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert not [t for t in asyncio.all_tasks() - before if not t.done()]


@pytest.mark.anyio
@pytest.mark.parametrize("error", [KeyboardInterrupt, SystemExit])
async def test_ctrl_c_or_exit_in_a_round_is_not_an_agent_failure(error):
    finished = asyncio.get_running_loop().create_future()
    finished.set_exception(error())
    with pytest.raises(error):
        _outcome(finished)


@pytest.mark.anyio
async def test_skipping_coordination_still_keeps_the_orchestrator_timeout():
    coordinator, _, _ = build({"slow": lambda req: Reply(text="late", delay=30)},
                              skip_coordination_rounds=True, orchestrator_timeout_seconds=0.5)
    with pytest.raises(CoordinationError, match="orchestrator timeout"):
        await asyncio.wait_for(coordinator.run("Q"), 10)


@pytest.mark.anyio
async def test_a_presenter_failing_with_any_exception_falls_back_to_its_answer():
    def winner(req: Request) -> Reply:
        if not req.tools:
            return Reply(error=RuntimeError("socket closed"))
        return vote("agent1") if req.shown() else answer("the answer")

    coordinator, events, _ = build({"a": winner, "b": answer_then_vote_for("agent1", "b")})
    result = await coordinator.run("Q")
    assert result.final == "the answer" and result.winner == "a"
    assert any(n.kind == "fallback" and "socket closed" in n.message for n in of(events, Notice))


@pytest.mark.anyio
async def test_after_a_timeout_a_dropped_agent_s_answer_is_presented_rather_than_none():
    def answers_then_fails(req: Request) -> Reply:
        if req.shown():
            return Reply(error=ProviderError("HTTP 503 overloaded"))
        return answer("alpha's answer")

    coordinator, _, _ = build({"alpha": answers_then_fails, "beta": lambda req: Reply(text="...", delay=30)},
                              orchestrator_timeout_seconds=1)
    result = await asyncio.wait_for(coordinator.run("Q"), 10)
    assert (result.final, result.winner, result.timed_out) == ("alpha's answer", "alpha", True)
