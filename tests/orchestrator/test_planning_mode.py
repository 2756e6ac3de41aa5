"""MassGen's planning mode (``orchestrator.coordination.enable_planning_mode``) over the loopback server: two
Gemini agents coordinate while their MCP server (which records every call in a file) stays untouched; they
only describe the action; the final presenter carries it out."""

from __future__ import annotations

import re
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from massgen.config import compile_text
from massgen.events import Answer, Event, Final, Vote
from massgen.session import run_session
from tests.protocol_server import Call, ProtocolServer, Request, Turn, protocol_server  # noqa: F401

RECORDER = Path(__file__).parent / "servers" / "recorder.py"
KEY = "planning-test-key-5d1e"
TOOL = "mcp__rec__record"


def config(server: ProtocolServer, record_file: Path, coordination: str) -> str:
    backend = (f'{{type: gemini, base_url: "{server.base_url}", model: gemini-2.5-flash, mcp_servers: '
               f'[{{name: rec, type: stdio, command: "{sys.executable}", args: ["{RECORDER}"], '
               f'env: {{RECORD_FILE: "{record_file}"}}}}]}}')
    return textwrap.dedent(f"""\
        agents:
          - id: alpha
            backend: {backend}
          - id: beta
            backend: {backend}
        orchestrator:
          max_new_answers_per_agent: 1
          {coordination}
        """)


class Model:
    """Coordination: answer (calling the tool first when it is offered), then vote for agent1.
    Presentation (no workflow tools): call the tool once, then present."""

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def __call__(self, request: Request) -> Turn:
        with self.lock:
            names = request.tool_names()
            results = request.tool_results()
            if "vote" not in names:  # the final presentation
                if not results:
                    return Turn(tool_calls=[Call(TOOL, {"text": "deploy by the presenter"})])
                return Turn(text="Deployed: the presenter carried out the plan.")
            if not re.findall(r"<agent\d> ", request.raw.decode()):
                if TOOL in names and not results:
                    return Turn(tool_calls=[Call(TOOL, {"text": "deploy during coordination"})])
                return Turn(tool_calls=[Call("new_answer", {"content": f"I would call record('deploy'). {len(results)}"})])
            return Turn(tool_calls=[Call("vote", {"agent_id": "agent1", "reason": "clear plan"})])


async def coordinate(server: ProtocolServer, tmp_path: Path, coordination: str) -> tuple[list[Event], str, Path]:
    record_file = tmp_path / "record.txt"
    server.handler = Model()
    result = compile_text(config(server, record_file, coordination), "team.yaml")
    assert result.spec is not None, result.diagnostics
    events: list[Event] = []
    final = await run_session(result.spec, "Deploy the service.", events.append)
    return events, final, record_file


@pytest.fixture(autouse=True)
def in_tmp_with_keys(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GEMINI_API_KEY", KEY)


@pytest.mark.anyio
async def test_agents_plan_during_coordination_and_the_presenter_acts(protocol_server, tmp_path):
    server = protocol_server
    events, final, record_file = await coordinate(
        server, tmp_path, "coordination: {enable_planning_mode: true, planning_mode_instruction: 'PLAN-ONLY-7: describe, do not act.'}")
    assert final == "Deployed: the presenter carried out the plan."
    assert record_file.read_text() == "deploy by the presenter\n"  # one call, by the presenter only
    coordination = [r for r in server.requests if "vote" in r.tool_names()]
    assert coordination and all(set(r.tool_names()) <= {"new_answer", "vote"} for r in coordination)  # no MCP tool
    assert all("PLAN-ONLY-7: describe, do not act." in r.system_text() for r in coordination)
    presenter = [r for r in server.requests if "vote" not in r.tool_names()]
    assert presenter[0].tool_names() == [TOOL] and "PLAN-ONLY-7" not in presenter[0].system_text()
    assert len([e for e in events if isinstance(e, Answer)]) == 2 and any(isinstance(e, Vote) for e in events)
    assert [e.content for e in events if isinstance(e, Final)] == [final]


@pytest.mark.anyio
async def test_the_default_instruction_is_used_without_one(protocol_server, tmp_path):
    server = protocol_server
    await coordinate(server, tmp_path, "coordination: {enable_planning_mode: true}")
    coordination = [r for r in server.requests if "vote" in r.tool_names()]
    assert all("PLANNING MODE" in r.system_text() for r in coordination)


@pytest.mark.anyio
async def test_without_planning_mode_the_agents_act_during_coordination(protocol_server, tmp_path):
    server = protocol_server
    _, _, record_file = await coordinate(server, tmp_path, "")
    calls = record_file.read_text().splitlines()
    assert calls.count("deploy during coordination") == 2 and calls[-1] == "deploy by the presenter"
    assert all("PLANNING MODE" not in r.system_text() for r in server.requests)
