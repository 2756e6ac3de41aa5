"""Claude Code and AG2 taking part in MassGen's coordination: both answer with ``new_answer`` and vote with
``vote`` (offered to the real claude CLI through the in-process MCP server, to AG2 as tool signatures),
then the winner presents; everything through the real orchestrator against the loopback server."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from massgen.config import compile_text
from massgen.events import Answer, Event, Final, Vote
from massgen.session import run_session
from tests.protocol_server import Call, ProtocolServer, Reply, Request, Turn, protocol_server  # noqa: F401

pytest.importorskip("claude_agent_sdk", reason="claude-agent-sdk is not installed")
pytest.importorskip("autogen", reason="ag2 is not installed")

# Anonymous ids follow the sorted real ids: ag2_helper=agent1, coder=agent2.
CLAUDE_TOOL = "mcp__massgen_tools__"


def workflow_tools(request: Request) -> set[str]:
    return {name.removeprefix(CLAUDE_TOOL) for name in request.tool_names()} & {"new_answer", "vote"}


def shown(request: Request) -> list[str]:
    return sorted(set(re.findall(r"<(agent\d)> ", request.raw.decode())))


class Models:
    """The scripted models: AG2 answers first, then Claude Code answers; both vote for Claude's answer."""

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def __call__(self, request: Request) -> Turn | Reply:
        with self.lock:
            claude = request.protocol == "anthropic_messages"
            if request.is_count_tokens:
                return Reply(body={"input_tokens": 1})
            if claude and not request.tool_names():
                return Turn(text="title")  # the CLI's own side requests
            if not workflow_tools(request):
                return Turn(text=f"Presented by {'coder' if claude else 'ag2_helper'}: 6 * 7 = 42.")
            prefix = CLAUDE_TOOL if claude else ""
            ids = shown(request)
            if not claude and not ids:
                return Turn(tool_calls=[Call("new_answer", {"content": "AG2 thinks 42."})])
            if claude and "agent2" not in ids:
                return Turn(tool_calls=[Call(f"{prefix}new_answer", {"content": "Claude Code computed 42 with a proof."})])
            if "agent2" not in ids:
                return Turn(tool_calls=[Call("vote", {"agent_id": "agent1", "reason": "only answer"})])
            return Turn(tool_calls=[Call(f"{prefix}vote", {"agent_id": "agent2", "reason": "has a proof"})])


@pytest.mark.anyio
async def test_claude_code_and_ag2_answer_vote_and_the_winner_presents(protocol_server: ProtocolServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    protocol_server.handler = Models()
    config = f"""
agents:
  - id: coder
    backend:
      type: claude_code
      model: claude-sonnet-4-6
      base_url: "{protocol_server.base_url}"
      api_key: sk-ant-test-multi-0123456789
      cwd: "{tmp_path / 'coder'}"
  - id: ag2_helper
    backend:
      type: ag2
      agent_config:
        type: assistant
        name: helper
        llm_config: {{api_type: openai, model: gpt-4o-mini, base_url: "{protocol_server.openai_base_url}", api_key: sk-test-multi-0123456789}}
timeout_settings: {{orchestrator_timeout_seconds: 120}}
"""
    result = compile_text(config, str(tmp_path / "config.yaml"))
    assert result.spec is not None, result.diagnostics
    events: list[Event] = []
    final = await run_session(result.spec, "What is 6 times 7?", events.append)

    answers = {(e.agent, e.content) for e in events if isinstance(e, Answer)}
    assert ("coder", "Claude Code computed 42 with a proof.") in answers
    assert ("ag2_helper", "AG2 thinks 42.") in answers
    votes = [(e.agent, e.for_agent) for e in events if isinstance(e, Vote)]
    assert ("coder", "agent2") in votes or ("coder", "coder") in votes
    assert ("ag2_helper", "agent2") in votes or ("ag2_helper", "coder") in votes
    assert final == "Presented by coder: 6 * 7 = 42."
    assert [e for e in events if isinstance(e, Final)][-1].agent == "coder"
    # The real CLI was offered the workflow tools through its MCP bridge.
    claude_requests = [r for r in protocol_server.requests if r.protocol == "anthropic_messages" and workflow_tools(r)]
    assert claude_requests and {"mcp__massgen_tools__new_answer", "mcp__massgen_tools__vote"} <= set(claude_requests[0].tool_names())
