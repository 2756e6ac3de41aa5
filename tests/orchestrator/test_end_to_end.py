"""Three agents on three wire protocols (Chat Completions, Anthropic Messages, Gemini) coordinating through
the real engine against the loopback protocol server: consensus, an answer that invalidates votes, a
failing agent, the orchestrator timeout; and the ``massgen run`` command line around it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from massgen.config import compile_text
from massgen.events import Answer, Event, Final, Notice, Vote
from massgen.session import run_session
from tests.conftest import REPO
from tests.protocol_server import Call, Fault, ProtocolServer, Reply, Request, Turn

AGENTS = {"openai_chat": "chatter", "anthropic_messages": "claudia", "gemini": "gemma"}
# Anonymous ids follow the sorted real ids: chatter=agent1, claudia=agent2, gemma=agent3.
ANON = {"chatter": "agent1", "claudia": "agent2", "gemma": "agent3"}
KEY = "e2e-test-key-7f3a9c"


def config(server: ProtocolServer, orchestrator: str = "", timeout: float = 60, chatter_extra: str = "") -> str:
    return textwrap.dedent(f"""\
        agents:
          - id: chatter
          # a gateway on no known host gets only the key the config names (massgen.config.routing)
            backend: {{type: chatcompletion, base_url: "{server.openai_base_url}", api_key: "${{OPENAI_API_KEY}}", model: gpt-4o-mini{chatter_extra}}}
          - id: claudia
            backend: {{type: claude, base_url: "{server.base_url}", model: claude-sonnet-4-6}}
          - id: gemma
            backend: {{type: gemini, base_url: "{server.base_url}", model: gemini-2.5-flash}}
        orchestrator: {{{orchestrator}}}
        timeout_settings: {{orchestrator_timeout_seconds: {timeout}}}
        """)


def who(request: Request) -> str:
    return AGENTS[request.protocol]


def shown(request: Request) -> list[str]:
    """Anonymous ids of the answers the agent was shown in this request."""
    return sorted(set(re.findall(r"<(agent\d)> ", request.raw.decode())))


def presenting(request: Request) -> bool:
    return "new_answer" not in request.tool_names() and "vote" not in request.tool_names()


class Team:
    """Per-agent behaviour as functions of the request; the server calls them from its own thread."""

    def __init__(self, **behaviours: Callable[[Request], Turn | Reply]) -> None:
        self.behaviours = behaviours
        self.lock = threading.Lock()

    def __call__(self, request: Request) -> Turn | Reply:
        with self.lock:
            if presenting(request):
                return Turn(text=f"Final answer presented by {who(request)}.")
            return self.behaviours[who(request)](request)


def answers_then_votes_for(anon: str, content: str, delay: float = 0.0) -> Callable[[Request], Turn]:
    """Answers while no answer is shown; then votes for ``anon`` once its answer is shown (else the first)."""

    def behave(request: Request) -> Turn:
        ids = shown(request)
        if not ids:
            return Turn(tool_calls=[Call("new_answer", {"content": content})], delay=delay)
        target = anon if anon in ids else ids[0]
        return Turn(tool_calls=[Call("vote", {"agent_id": target, "reason": f"{target} is correct"})])

    return behave


def agreeing_team(target: str, chatter: str = "4", claudia: str = "2+2=4", gemma: str = "four") -> Team:
    """Each agent answers once, then all vote for ``target``."""
    return Team(chatter=answers_then_votes_for(target, chatter), claudia=answers_then_votes_for(target, claudia),
                gemma=answers_then_votes_for(target, gemma))


async def run(server: ProtocolServer, team: Team, **kw) -> tuple[list[Event], str]:
    server.handler = team
    result = compile_text(config(server, **kw), "team.yaml")
    assert result.spec is not None, result.diagnostics
    events: list[Event] = []
    final = await run_session(result.spec, "What is 2+2?", events.append)
    return events, final


def of(events: list[Event], kind: type) -> list:
    return [e for e in events if isinstance(e, kind)]


@pytest.fixture
def server():
    with ProtocolServer() as s:
        yield s


@pytest.fixture(autouse=True)
def in_tmp_with_keys(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # transcripts go to ./.massgen/sessions
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.setenv(name, KEY)


@pytest.mark.anyio
async def test_consensus_across_three_protocols(server):
    team = agreeing_team("agent2", chatter="4, by counting", claudia="2+2 = 4")
    events, final = await run(server, team)
    assert final == "Final answer presented by claudia."
    assert {a.agent for a in of(events, Answer)} == set(ANON)
    assert {v.agent: v.for_agent for v in of(events, Vote)} == {a: "agent2" for a in ANON}
    assert of(events, Final) == [Final(final, agent="claudia")]
    # Each protocol carried the workflow tools in its own form, the vote enum included.
    for protocol in AGENTS:
        first = next(r for r in server.requests if r.protocol == protocol)
        assert first.tool_names() == ["new_answer", "vote"]
    gemini_vote_round = next(r for r in server.requests if r.protocol == "gemini" and len(shown(r)) == 3)
    declarations = gemini_vote_round.body["tools"][0]["functionDeclarations"]
    vote = next(d for d in declarations if d["name"] == "vote")
    assert json.dumps(vote).count("agent3") == 1 and "enum" in json.dumps(vote)
    presentation = [r for r in server.requests if presenting(r)]
    assert len(presentation) == 1 and presentation[0].protocol == "anthropic_messages"
    assert "3 vote(s)" in presentation[0].last_user_text()


@pytest.mark.anyio
async def test_a_new_answer_invalidates_votes(server):
    def slow_gemma(request: Request) -> Turn:
        if "agent3" not in shown(request):
            return Turn(tool_calls=[Call("new_answer", {"content": "a deeper answer: 4"})], delay=0.05)
        return Turn(tool_calls=[Call("vote", {"agent_id": "agent3", "reason": "deeper"})])

    def follows_gemma(request: Request) -> Turn:
        ids = shown(request)
        if not ids:
            return Turn(tool_calls=[Call("new_answer", {"content": "quick 4"})])
        target = "agent3" if "agent3" in ids else ids[0]
        return Turn(tool_calls=[Call("vote", {"agent_id": target, "reason": "best seen"})])

    events, final = await run(server, Team(chatter=follows_gemma, claudia=follows_gemma, gemma=slow_gemma))
    votes = of(events, Vote)
    gemma_answer = events.index(next(a for a in of(events, Answer) if a.agent == "gemma"))
    early = [v for v in votes if events.index(v) < gemma_answer]
    assert early, "someone voted before gemma's answer arrived"
    assert {v.agent: v.for_agent for v in votes} == {"chatter": "agent3", "claudia": "agent3", "gemma": "agent3"}
    assert final == "Final answer presented by gemma."


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("failure", "message"),
    [
        (Reply.error(400, "model is not available to this key"), "not available"),
        (Turn(text="I will answer that " * 5, fault=Fault("reset", after=3)), ""),
        (Turn(text="half an answer", fault=Fault("truncate", after=2)), ""),
    ],
    ids=["http-400", "connection-reset-mid-stream", "stream-ends-early"],
)
async def test_a_failing_agent_drops_out_and_the_rest_finish(server, failure, message):
    def broken(request: Request) -> Turn | Reply:
        return failure

    events, final = await run(server, Team(
        chatter=answers_then_votes_for("agent3", "4"),
        claudia=broken,
        gemma=answers_then_votes_for("agent3", "four"),
    ))
    (dropped,) = [n for n in of(events, Notice) if n.kind == "agent_failed"]
    assert dropped.agent == "claudia" and message in dropped.message
    assert final == "Final answer presented by gemma."
    assert {v.agent for v in of(events, Vote)} == {"chatter", "gemma"}


@pytest.mark.anyio
async def test_orchestrator_timeout_presents_the_best_available_answer(server):
    def stalls(request: Request) -> Turn:
        return Turn(text="thinking", fault=Fault("stall", after=1))

    def answers_then_stalls(request: Request) -> Turn:
        if not shown(request):
            return Turn(tool_calls=[Call("new_answer", {"content": "the only answer: 4"})])
        return stalls(request)

    events, final = await run(
        server, Team(chatter=stalls, claudia=answers_then_stalls, gemma=stalls), timeout=1.5
    )
    assert final == "the only answer: 4"
    notice = next(n for n in of(events, Notice) if n.kind == "timeout")
    assert notice.agent == "claudia" and "orchestrator timeout" in notice.message
    assert of(events, Final)[-1].agent == "claudia"


def massgen(args: list[str], cwd: Path, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "massgen.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def test_massgen_run_jsonl_and_the_transcript(server, tmp_path):
    server.handler = agreeing_team("agent1")
    (tmp_path / "team.yaml").write_text(config(server))
    done = massgen(["run", "--config", "team.yaml", "--output", "jsonl", "What is 2+2?"], tmp_path)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert all("type" in line and "agent" in line for line in lines)
    answers = [line for line in lines if line["type"] == "answer"]
    votes = [line for line in lines if line["type"] == "vote"]
    assert {a["agent"] for a in answers} == set(ANON) and all(a["content"] for a in answers)
    assert {(v["agent"], v["for"]) for v in votes} == {(a, "agent1") for a in ANON}
    assert all(v["reason"] == "agent1 is correct" for v in votes)
    assert [line["type"] for line in lines].count("final") == 1 and lines[-1]["type"] == "final"
    assert lines[-1] == {"type": "final", "agent": "chatter", "content": "Final answer presented by chatter."}
    (transcript,) = (tmp_path / ".massgen" / "sessions").glob("*.jsonl")
    text = transcript.read_text()
    assert all(KEY in json.dumps(r.headers) for r in server.requests)  # the key was really in use
    assert KEY not in text
    records = [json.loads(line) for line in text.splitlines()]
    assert records[-1]["type"] == "session_end" and records[-1]["status"] == "ok"
    assert set(records[-1]["usage"]) == set(ANON)


def test_massgen_run_single_agent_skips_coordination(server, tmp_path):
    server.handler = lambda request: Turn(text=f"direct answer from {who(request)}")
    (tmp_path / "team.yaml").write_text(config(server))
    done = massgen(["run", "--config", "team.yaml", "--single-agent", "gemma", "--output", "jsonl", "Q"], tmp_path)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines[-1] == {"type": "final", "agent": "gemma", "content": "direct answer from gemma"}
    assert [r.protocol for r in server.requests] == ["gemini"] and server.requests[0].tool_names() == []


def test_massgen_run_text_display_shows_agents_and_the_final_answer(server, tmp_path):
    server.handler = agreeing_team("agent3")
    (tmp_path / "team.yaml").write_text(config(server))
    done = massgen(["run", "--config", "team.yaml", "What is 2+2?"], tmp_path, {"COLUMNS": "160"})
    assert done.returncode == 0, done.stderr
    for agent, anon in ANON.items():
        assert f"{agent} ({anon})" in done.stdout
    assert "Final answer presented by gemma." in done.stdout and "voted" in done.stdout


@pytest.mark.anyio
async def test_a_second_question_sees_the_first_exchange(server):
    from massgen.session import Session

    server.handler = agreeing_team("agent1", claudia="four", gemma="2+2=4")
    spec = compile_text(config(server), "team.yaml").spec
    history: list = []
    events: list[Event] = []
    async with Session(spec, events.append) as session:
        await session.ask("What is 2+2?", history)
        first = len(server.requests)
        await session.ask("And doubled?", history)
    assert [m.role for m in history] == ["user", "assistant", "user", "assistant"]
    later = server.requests[first:]
    assert later and all("What is 2+2?" in r.raw.decode() for r in later)
    assert all("Final answer presented by chatter." in r.raw.decode() for r in later)
    assert len(of(events, Final)) == 2


@pytest.mark.anyio
async def test_orchestrator_settings_flow_from_the_yaml(server):
    def keeps_answering(request: Request) -> Turn:
        if "new_answer" in request.tool_names():
            return Turn(tool_calls=[Call("new_answer", {"content": f"{who(request)} answer {len(server.requests)}"})])
        return Turn(tool_calls=[Call("vote", {"agent_id": "agent1", "reason": "fine"})])

    team = Team(chatter=keeps_answering, claudia=keeps_answering, gemma=keeps_answering)
    events, _ = await run(server, team, orchestrator="max_new_answers_per_agent: 1, voting_sensitivity: strict")
    assert sorted(a.agent for a in of(events, Answer)) == sorted(ANON)  # one answer each, then votes only
    vote_only = [r for r in server.requests if r.tool_names() == ["vote"]]
    assert {who(r) for r in vote_only} == set(ANON)
    first = next(r for r in server.requests if r.protocol == "openai_chat")
    assert "Vote only if it cannot be improved" in first.system_text()


@pytest.mark.anyio
async def test_skip_coordination_rounds_from_the_yaml(server):
    server.handler = lambda request: Turn(text=f"straight from {who(request)}")
    spec = compile_text(config(server, orchestrator="skip_coordination_rounds: true"), "team.yaml").spec
    events: list[Event] = []
    assert await run_session(spec, "Q", events.append) == "straight from chatter"
    assert [r.protocol for r in server.requests] == ["openai_chat"]


def test_massgen_run_no_display_prints_only_the_final_answer_on_stdout(server, tmp_path):
    server.handler = agreeing_team("agent2")
    (tmp_path / "team.yaml").write_text(config(server))
    done = massgen(["run", "--config", "team.yaml", "--no-display", "What is 2+2?"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Final answer presented by claudia.\n"
    assert "[gemma] votes for agent2 (claudia): agent2 is correct" in done.stderr
    assert "[chatter] new answer: 4" in done.stderr


@pytest.mark.anyio
async def test_an_agent_uses_its_mcp_tools_while_coordinating_and_presenting(server):
    from tests.mcp.helpers import demo

    def with_mcp(request: Request) -> Turn:
        results = request.tool_results()
        if not results:
            return Turn(tool_calls=[Call("mcp__demo__add", {"a": 2, "b": 2})])
        if presenting(request):
            return Turn(text=f"Presented with the tool's help: {results[-1]}")
        if not shown(request):
            return Turn(tool_calls=[Call("new_answer", {"content": f"the add tool says {results[-1]}"})])
        return Turn(tool_calls=[Call("vote", {"agent_id": "agent1", "reason": "tool-checked"})])

    class McpTeam(Team):
        def __call__(self, request: Request) -> Turn | Reply:
            if who(request) == "chatter":
                return with_mcp(request)
            return super().__call__(request)

    server.handler = McpTeam(
        claudia=answers_then_votes_for("agent1", "4"), gemma=answers_then_votes_for("agent1", "four")
    )
    command, (script,) = demo()["command"], demo()["args"]
    server_yaml = (f', mcp_servers: [{{name: demo, type: stdio, command: "{command}", args: ["{script}"]}}], '
                   "allowed_tools: [mcp__demo__add]")
    spec = compile_text(config(server, chatter_extra=server_yaml), "team.yaml").spec
    events: list[Event] = []
    final = await run_session(spec, "What is 2+2?", events.append)
    first = next(r for r in server.requests if r.protocol == "openai_chat")
    assert first.tool_names() == ["mcp__demo__add", "new_answer", "vote"]
    assert next(r for r in server.requests if r.protocol == "gemini").tool_names() == ["new_answer", "vote"]
    assert "the add tool says 4" in [a.content for a in of(events, Answer)]
    assert final == "Presented with the tool's help: 4"


@pytest.mark.anyio
async def test_an_mcp_server_that_cannot_start_is_a_notice_in_a_multi_agent_run_too(server):
    from tests.mcp.helpers import EXITS_AT_START, demo

    command, (script,) = demo()["command"], demo()["args"]
    servers = (f', mcp_servers: [{{name: demo, type: stdio, command: "{command}", args: ["{script}"]}}, '
               f'{{name: db, type: stdio, command: "{sys.executable}", args: ["-c", "{EXITS_AT_START}"]}}]')
    server.handler = agreeing_team("agent2")
    spec = compile_text(config(server, chatter_extra=servers), "team.yaml").spec
    assert spec is not None
    events: list[Event] = []
    assert await run_session(spec, "What is 2+2?", events.append) == "Final answer presented by claudia."
    [unavailable] = [n for n in of(events, Notice) if n.kind == "mcp_server_unavailable"]
    assert unavailable.agent == "chatter"
    assert "'db' is not available" in unavailable.message and "cannot open the database" in unavailable.message
