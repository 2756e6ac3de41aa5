"""The AG2 backend end to end: real AG2 agents (built from agent_config as MassGen configs write it) talk
through AG2's own OpenAI client to the loopback Chat Completions server; code runs in AG2's local executor
in a temporary directory."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import anyio
import pytest

from massgen.backend import create_backend
from massgen.config.plan import AgentPlan
from massgen.conversation import Message, ToolSpec
from massgen.errors import AuthenticationError, ConfigError, TimeoutError_
from massgen.events import Event, Finish, TextDelta, ToolCall, ToolResult, Usage
from tests.protocol_server import Call, ProtocolServer, Reply, Turn, protocol_server  # noqa: F401

pytest.importorskip("autogen", reason="ag2 is not installed (pip install 'massgen[ag2]')")

KEY = "sk-test-ag2-0123456789abcdef"
RUN_TIMEOUT = 60


def spec_for(agent_config: dict[str, Any], cwd: Path) -> AgentPlan:
    return AgentPlan(
        id="ag2_coder",
        backend_type="ag2",
        protocol="ag2",
        model=None,
        cwd=str(cwd),
        backend={"type": "ag2", "agent_config": agent_config},
    )


def coder_config(server: ProtocolServer, **extra: Any) -> dict[str, Any]:
    return {
        "type": "assistant",
        "name": "AG2_coder",
        "system_message": "You are AG2 coder Q-9. Write Python in ```python blocks; it will be run.",
        "llm_config": {"api_type": "openai", "model": "gpt-4o-mini", "base_url": server.openai_base_url, "api_key": KEY},
        "code_execution_config": {"executor": {"type": "LocalCommandLineCodeExecutor", "timeout": 30, "work_dir": "workspace"}},
        **extra,
    }


async def collect(backend: Any, messages: list[Message], tools: list[ToolSpec] | None = None) -> list[Event]:
    with anyio.fail_after(RUN_TIMEOUT):
        return [event async for event in backend.stream(messages, tools or [])]


@pytest.mark.anyio
async def test_code_blocks_run_in_the_local_executor_and_the_output_reaches_the_next_request(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    protocol_server.script(
        Turn(text="Computing.\n```python\nimport pathlib\npathlib.Path('made_by_code.txt').write_text('x')\nprint(6 * 7)\n```", usage=(30, 12)),
        Turn(text="The answer is 42.\nTERMINATE", usage=(60, 8)),
    )
    backend = create_backend(spec_for(coder_config(protocol_server), tmp_path))
    try:
        events = await collect(backend, [Message("user", "What is 6 times 7? Compute it.")])
    finally:
        await backend.aclose()

    call, result = (e for e in events if isinstance(e, (ToolCall, ToolResult)))
    assert isinstance(call, ToolCall) and call.name == "code_execution"
    assert call.arguments["blocks"][0]["language"] == "python" and "print(6 * 7)" in call.arguments["blocks"][0]["code"]
    assert isinstance(result, ToolResult) and result.id == call.id and not result.is_error
    assert result.content.strip() == "42"
    assert (tmp_path / "workspace" / "made_by_code.txt").read_text() == "x"  # ran in work_dir under the agent's cwd

    finish = events[-1]
    assert isinstance(finish, Finish) and finish.reason == "stop"
    assert finish.message.content == "The answer is 42."
    assert "Computing." in "".join(e.text for e in events if isinstance(e, TextDelta))
    assert [(u.input_tokens, u.output_tokens) for u in events if isinstance(u, Usage)] == [(30, 12), (60, 8)]

    first, second = protocol_server.requests
    assert first.headers["authorization"] == f"Bearer {KEY}"
    assert first.body["model"] == "gpt-4o-mini"
    assert "AG2 coder Q-9" in first.system_text()
    assert first.last_user_text() == "What is 6 times 7? Compute it."
    assert "42" in second.last_user_text() and "succeeded" in second.last_user_text()


@pytest.mark.anyio
async def test_failing_code_is_reported_to_the_agent_as_an_error(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    protocol_server.script(
        Turn(text="```python\nraise SystemExit('boom-17')\n```"),
        Turn(text="It failed with boom-17."),
    )
    backend = create_backend(spec_for(coder_config(protocol_server), tmp_path))
    events = await collect(backend, [Message("user", "try it")])
    (result,) = (e for e in events if isinstance(e, ToolResult))
    assert result.is_error and "boom-17" in result.content
    assert "failed" in protocol_server.requests[1].last_user_text()
    assert events[-1].message.content == "It failed with boom-17."


@pytest.mark.anyio
async def test_function_tools_are_offered_and_answered_by_the_caller(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    new_answer = ToolSpec("new_answer", "Post your answer.", {"type": "object", "properties": {"content": {"type": "string"}}, "required": ["content"]})
    protocol_server.script(
        Turn(tool_calls=[Call("new_answer", {"content": "42"}, id="call_7")]),
        Turn(text="Posted."),
    )
    config = {k: v for k, v in coder_config(protocol_server).items() if k != "code_execution_config"}
    backend = create_backend(spec_for({**config, "type": "conversable"}, tmp_path))
    history = [Message("system", "Coordinate with the others."), Message("user", "Answer: 6*7?")]
    first = await collect(backend, history, [new_answer])
    finish = first[-1]
    assert finish.reason == "tool_calls"
    assert finish.message.tool_calls == [ToolCall("call_7", "new_answer", {"content": "42"})]
    assert [e for e in first if isinstance(e, ToolResult)] == []  # the backend never runs function tools

    history += [finish.message, Message("tool", "answer recorded", tool_call_id="call_7", name="new_answer")]
    second = await collect(backend, history, [new_answer])
    assert second[-1].message.content == "Posted."
    # Registering the tools again gives the AG2 agent a new client; the second reply is still counted.
    assert [(u.input_tokens, u.output_tokens) for u in first + second if isinstance(u, Usage)] == [(10, 5), (10, 5)]

    request_one, request_two = protocol_server.requests
    assert request_one.tool_names() == ["new_answer"]
    assert request_one.body["tools"][0]["function"]["parameters"]["required"] == ["content"]
    assert "Coordinate with the others." in request_one.system_text()
    assert request_two.tool_results() == ["answer recorded"]


@pytest.mark.anyio
async def test_list_form_llm_config_and_a_rejected_key(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    protocol_server.handler = lambda request: Reply.error(401, "Incorrect API key provided")
    config = coder_config(protocol_server)
    config["llm_config"] = [config["llm_config"]]
    backend = create_backend(spec_for(config, tmp_path))
    with pytest.raises(AuthenticationError) as caught:
        await collect(backend, [Message("user", "hi")])
    assert caught.value.status == 401
    assert KEY not in str(caught.value) and KEY not in repr(caught.value)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"type": "teachable"}, "agent type 'teachable' is not supported"),
        ({"code_execution_config": {"executor": {"type": "Sandbox"}}}, "code executor 'Sandbox' is not supported"),
        ({"llm_config": {"api_type": "openai"}}, "needs a model"),
        ({"is_termination_msg": 5}, "is_termination_msg of agent 'a' must be a non-empty text .* got 5"),
        ({"is_termination_msg": " "}, "is_termination_msg of agent 'a' must be a non-empty text"),
        ({"is_termination_msg": {"equals": "DONE"}}, "a mapping with one key, contains or endswith"),
        ({"is_termination_msg": {"contains": "A", "endswith": "B"}}, "a mapping with one key"),
        ({"is_termination_msg": {"endswith": ["DONE"]}}, "got {'endswith': \\['DONE'\\]}"),
    ],
)
def test_config_mistakes_are_clear_errors(tmp_path: Path, change: dict[str, Any], expected: str) -> None:
    config = {"name": "a", "llm_config": {"model": "gpt-4o-mini", "api_key": KEY}, **change}
    with pytest.raises(ConfigError, match=expected):
        create_backend(spec_for(config, tmp_path))


@pytest.mark.parametrize(
    ("rule", "reply", "ends"),
    [
        ("ALL DONE", "Here:\n```python\nprint(1)\n```\nALL DONE", True),
        ({"contains": "ALL DONE"}, "ALL DONE, yet:\n```python\nprint(1)\n```", True),
        ({"endswith": "DONE"}, "Here:\n```python\nprint(1)\n```\nALL DONE  \n", True),
        ({"endswith": "DONE"}, "DONE? Not yet:\n```python\nprint(1)\n```", False),
    ],
)
@pytest.mark.anyio
async def test_is_termination_msg_ends_a_single_agents_turn_at_a_matching_reply(
    protocol_server: ProtocolServer, tmp_path: Path, rule: Any, reply: str, ends: bool
) -> None:
    protocol_server.script(Turn(text=reply), Turn(text="Printed 1."))
    backend = create_backend(spec_for(coder_config(protocol_server, is_termination_msg=rule), tmp_path))
    events = await collect(backend, [Message("user", "Print 1.")])
    ran = [e for e in events if isinstance(e, ToolResult)]
    assert len(ran) == (0 if ends else 1)  # a matching reply's code is not run
    assert len(protocol_server.requests) == (1 if ends else 2)
    assert events[-1].message.content == (reply if ends else "Printed 1.")


def test_a_missing_provider_key_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="cannot create the agent 'a': .*OPENAI_API_KEY"):
        create_backend(spec_for({"name": "a", "llm_config": {"api_type": "openai", "model": "gpt-4o-mini"}}, tmp_path))


def team_handler(server: ProtocolServer, answer_with_tool: bool):
    """The scripted models of a group: each agent answers by its system message; the chat manager picks
    the next speaker (Tester after Coder, then User, who ends the chat)."""

    def handle(request: Any) -> Turn:
        system = request.system_text()
        if "select the next role" in str(request.body["messages"][-1].get("content")):
            picks = sum("select the next role" in str(r.body["messages"][-1].get("content")) for r in server.requests)
            return Turn(text=["Tester", "User"][min(picks, 2) - 1])
        if "expert programmer" in system:
            return Turn(text="```python\nprint(6 * 7)\n```")
        if "QA engineer" in system:
            return Turn(text="unused: the Tester's reply is its executor's output")
        if "speak for a team" in system:
            if request.tool_results():
                return Turn(text="Posted for the team.")
            return Turn(tool_calls=[Call("new_answer", {"content": "6 * 7 = 42"}, id="call_team")]) if answer_with_tool else Turn(text="?")
        return Turn(text="TERMINATE")  # the User agent

    return handle


def team_config(server: ProtocolServer, pattern: str) -> dict[str, Any]:
    llm = {"api_type": "openai", "model": "gpt-4o-mini", "base_url": server.openai_base_url, "api_key": KEY}
    return {
        "llm_config": llm,
        "agents": [
            {"type": "assistant", "name": "Coder", "system_message": "You are an expert programmer."},
            {
                "type": "assistant",
                "name": "Tester",
                "description": "QA engineer who runs the code.",
                "system_message": "You are a QA engineer.",
                "code_execution_config": {"executor": {"type": "LocalCommandLineCodeExecutor", "timeout": 30, "work_dir": "team_ws"}},
            },
        ],
        "pattern": {"type": pattern, "initial_agent": "Coder", "group_manager_args": {"llm_config": llm}},
        "max_rounds": 8,
    }


def team_spec(server: ProtocolServer, cwd: Path, pattern: str) -> AgentPlan:
    return AgentPlan(id="team", backend_type="ag2", protocol="ag2", model=None, cwd=str(cwd), backend={"type": "ag2", "group_config": team_config(server, pattern)})


@pytest.mark.anyio
async def test_a_group_chat_discusses_then_its_user_agent_answers_with_the_workflow_tools(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    protocol_server.handler = team_handler(protocol_server, answer_with_tool=True)
    new_answer = ToolSpec("new_answer", "Post your answer.", {"type": "object", "properties": {"content": {"type": "string"}}})
    backend = create_backend(team_spec(protocol_server, tmp_path, "auto"))
    history = [Message("user", "What is 6 times 7?")]
    first = await collect(backend, history, [new_answer])
    said = "".join(e.text for e in first if isinstance(e, TextDelta))
    assert "[Coder] ```python\nprint(6 * 7)\n```" in said
    assert "[Tester] exitcode: 0" in said and "42" in said  # AG2's executor ran the Coder's code
    assert "[User] TERMINATE" in said
    finish = first[-1]
    assert finish.reason == "tool_calls" and finish.message.tool_calls == [ToolCall("call_team", "new_answer", {"content": "6 * 7 = 42"})]

    history += [finish.message, Message("tool", "answer recorded", tool_call_id="call_team", name="new_answer")]
    second = await collect(backend, history, [new_answer])
    assert second[-1].message.content == "Posted for the team."
    assert not any(isinstance(e, TextDelta) and e.text.startswith("[Coder]") for e in second)  # no second discussion

    answering = [r for r in protocol_server.requests if "speak for a team" in r.system_text()]
    assert len(answering) == 2 and answering[0].tool_names() == ["new_answer"]
    assert "[Tester] exitcode: 0" in str(answering[0].body["messages"])  # the answer sees the discussion
    assert answering[1].tool_results() == ["answer recorded"]
    assert not any("new_answer" in r.tool_names() for r in protocol_server.requests if "speak for a team" not in r.system_text())


@pytest.mark.anyio
async def test_a_group_chat_without_tools_answers_with_the_teams_last_word(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    protocol_server.handler = team_handler(protocol_server, answer_with_tool=False)
    backend = create_backend(team_spec(protocol_server, tmp_path, "round_robin"))
    events = await collect(backend, [Message("user", "What is 6 times 7?")])
    finish = events[-1]
    assert finish.reason == "stop" and "42" in finish.message.content and finish.message.content.startswith("exitcode: 0")
    assert not [r for r in protocol_server.requests if "select the next role" in str(r.body)]  # round robin needs no manager


def recording(handler: Any, served: list[tuple[int, int]]) -> Any:
    """``handler``, noting the usage the server reports with each answer: what the run's usage must add up to."""

    def handle(request: Any) -> Turn:
        turn = handler(request)
        served.append(turn.usage)
        return turn

    return handle


@pytest.mark.anyio
async def test_a_group_chats_usage_counts_every_model_call_ag2_made(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    served: list[tuple[int, int]] = []
    protocol_server.handler = recording(team_handler(protocol_server, answer_with_tool=True), served)
    spec = team_spec(protocol_server, tmp_path, "auto")
    spec.backend["group_config"]["pattern"]["summary_method"] = "reflection_with_llm"  # a model call of the chat manager
    new_answer = ToolSpec("new_answer", "Post your answer.", {"type": "object", "properties": {"content": {"type": "string"}}})
    backend = create_backend(spec)
    history = [Message("user", "What is 6 times 7?")]
    first = await collect(backend, history, [new_answer])
    history += [first[-1].message, Message("tool", "answer recorded", tool_call_id="call_team", name="new_answer")]
    second = await collect(backend, history, [new_answer])

    bodies = [str(r.body["messages"][-1].get("content")) for r in protocol_server.requests]
    assert sum("select the next role" in body for body in bodies) == 2  # the auto pattern's speaker picks
    assert sum("Summarize the takeaway" in body for body in bodies) == 1
    usage = [u for u in first + second if isinstance(u, Usage)]
    assert (sum(u.input_tokens for u in usage), sum(u.output_tokens for u in usage)) == tuple(map(sum, zip(*served, strict=True)))
    assert len(served) == len(protocol_server.requests) == 7


@pytest.mark.anyio
async def test_a_group_members_is_termination_msg_ends_the_chat_before_it_speaks(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    def handle(request: Any) -> Turn:
        if "expert programmer" in request.system_text():
            return Turn(text="LGTM: 6 * 7 = 42, nothing to run.")
        return Turn(text="TERMINATE")

    protocol_server.handler = handle
    spec = team_spec(protocol_server, tmp_path, "round_robin")
    spec.backend["group_config"]["agents"][1]["is_termination_msg"] = {"contains": "LGTM"}  # the Tester, next in turn
    events = await collect(create_backend(spec), [Message("user", "What is 6 times 7?")])
    said = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert said == "[Coder] LGTM: 6 * 7 = 42, nothing to run.\n\n"  # neither the Tester nor the User spoke
    assert events[-1].message.content == "LGTM: 6 * 7 = 42, nothing to run."
    assert [r.system_text() for r in protocol_server.requests] == ["You are an expert programmer."]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"pattern": {"type": "swarm", "initial_agent": "Coder"}}, "pattern.type 'swarm' is not supported"),
        ({"pattern": {"type": "auto", "initial_agent": "Nobody"}}, "initial_agent 'Nobody' names no agent"),
        ({"user_agent": {"name": "Boss"}}, "must be named 'User'"),
        ({"llm_config": None}, "needs an llm_config"),
    ],
)
def test_group_config_mistakes_are_clear_errors(tmp_path: Path, change: dict[str, Any], expected: str) -> None:
    config = {**team_config(ProtocolServer(), "auto"), **change}
    spec = AgentPlan(id="team", backend_type="ag2", protocol="ag2", model=None, cwd=str(tmp_path), backend={"group_config": config})
    with pytest.raises(ConfigError, match=expected):
        create_backend(spec)


@pytest.mark.anyio
async def test_a_silent_provider_is_a_timeout_not_a_hang(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    def slow(request: Any) -> Turn:
        time.sleep(3)  # AG2 asks without streaming: hold the whole answer back
        return Turn(text="too late")

    protocol_server.handler = slow
    spec = spec_for(coder_config(protocol_server), tmp_path)
    spec.backend["timeout"] = {"read": 1}
    backend = create_backend(spec)
    with pytest.raises(TimeoutError_, match="no reply within 1 s"):
        await collect(backend, [Message("user", "hi")])


@pytest.mark.anyio
async def test_a_failing_group_chat_is_a_clear_error(protocol_server: ProtocolServer, tmp_path: Path) -> None:
    protocol_server.handler = lambda request: Reply.error(401, "Incorrect API key provided")
    backend = create_backend(team_spec(protocol_server, tmp_path, "round_robin"))
    with pytest.raises(AuthenticationError) as caught:
        await collect(backend, [Message("user", "hi")])
    assert KEY not in str(caught.value)
