"""Gemini built-in tools beside function tools, per model generation (catalog: ``builtin_with_functions``):
Gemini 3 sends both with ``toolConfig.includeServerSideToolInvocations``; Gemini 2.x, which rejects the mix,
leaves the built-in tools out whenever function tools are offered, and the linter says so."""

from __future__ import annotations

import re
import textwrap
from typing import Any

import pytest

from massgen.config import compile_text
from massgen.conversation import Message
from massgen.events import BuiltinTool
from massgen.session import run_session
from tests.engine.helpers import ADD, agent_spec, backend_for, collect
from tests.protocol_server import Call, ProtocolServer, Reply, Request, Turn


def body(model: str, tools: list[Any], **flags: bool) -> dict[str, Any]:
    from massgen.engine.adapters import create

    spec = agent_spec({"type": "gemini", "model": model, "api_key": "k", **flags})
    return create(spec).build_request([Message("user", "hi")], tools).body


def tool_kinds(request_body: dict[str, Any]) -> list[str]:
    return [key for tool in request_body.get("tools", []) for key in tool]


@pytest.mark.parametrize("model", ["gemini-3-flash-preview", "gemini-3.1-pro-preview", "models/gemini-3-pro-preview"])
def test_gemini_3_combines_builtin_and_function_tools(model: str) -> None:
    sent = body(model, [ADD], enable_web_search=True, enable_code_execution=True)
    assert tool_kinds(sent) == ["functionDeclarations", "googleSearch", "codeExecution"]
    assert sent["toolConfig"] == {"includeServerSideToolInvocations": True}


@pytest.mark.parametrize("model", ["gemini-2.5-flash", "gemini-2.5-pro", "gemini-flash-latest"])
def test_gemini_2_leaves_builtin_tools_out_when_function_tools_are_offered(model: str) -> None:
    sent = body(model, [ADD], enable_web_search=True)
    assert tool_kinds(sent) == ["functionDeclarations"] and "toolConfig" not in sent


@pytest.mark.parametrize("model", ["gemini-2.5-flash", "gemini-3-flash-preview"])
def test_builtin_tools_alone_are_sent_as_before(model: str) -> None:
    sent = body(model, [], enable_web_search=True)
    assert tool_kinds(sent) == ["googleSearch"] and "toolConfig" not in sent


def test_function_calling_mode_and_the_combination_flag_share_tool_config() -> None:
    sent = body("gemini-3-flash-preview", [ADD], enable_web_search=True, function_calling_mode="auto")
    assert sent["toolConfig"] == {"functionCallingConfig": {"mode": "AUTO"}, "includeServerSideToolInvocations": True}


@pytest.mark.anyio
async def test_gemini_3_server_side_tool_parts_are_reported_and_replayed(protocol_server: ProtocolServer) -> None:
    parts = [{"toolCall": {"toolType": "GOOGLE_SEARCH_WEB", "id": "t1", "args": {"queries": ["weather"]}}},
             {"toolResponse": {"toolType": "GOOGLE_SEARCH_WEB", "id": "t1", "response": {"ok": True}}},
             {"functionCall": {"name": "add", "args": {"a": 1, "b": 2}, "id": "fc1"}, "thoughtSignature": "SIG"}]
    chunk = {"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP"}]}
    import json

    protocol_server.script(Reply.sse(b"data: " + json.dumps(chunk).encode() + b"\r\n\r\n"), Turn(text="3"))
    backend = backend_for(protocol_server, "gemini", model="gemini-3-flash-preview", enable_web_search=True)
    events = await collect(backend, tools=[ADD])
    assert [e.tool for e in events if isinstance(e, BuiltinTool)] == ["google_search_web"] * 2
    turn = events[-1].message
    assert [c.name for c in turn.tool_calls] == ["add"] and events[-1].reason == "tool_calls"
    follow_up = [Message("user", "q"), turn, Message("tool", "3", tool_call_id="fc1", name="add")]
    await collect(backend, follow_up, [ADD])
    sent = protocol_server.requests[1].body
    assert sent["contents"][1]["parts"] == parts  # the tool context goes back as it came, signatures and all
    assert sent["toolConfig"] == {"includeServerSideToolInvocations": True}


def multi_agent_config(server: ProtocolServer) -> str:
    return textwrap.dedent(f"""\
        agents:
          - id: old
            backend: {{type: gemini, base_url: "{server.base_url}", model: gemini-2.5-flash, api_key: k,
                       enable_code_execution: true}}
          - id: new
            backend: {{type: gemini, base_url: "{server.base_url}", model: gemini-3-flash-preview, api_key: k,
                       enable_web_search: true}}
        """)


@pytest.mark.anyio
async def test_a_multi_agent_run_with_both_generations(protocol_server: ProtocolServer) -> None:
    def behave(request: Request) -> Turn:
        names = request.tool_names()
        if "new_answer" not in names:
            return Turn(text="Final: 4")
        shown = sorted(set(re.findall(r"<(agent\d)> ", request.raw.decode())))
        if not shown:
            return Turn(tool_calls=[Call("new_answer", {"content": "4"})])
        return Turn(tool_calls=[Call("vote", {"agent_id": shown[0], "reason": "right"})])

    protocol_server.handler = behave
    result = compile_text(multi_agent_config(protocol_server), "<test>")
    assert result.spec is not None, result.diagnostics
    assert await run_session(result.spec, "2+2?", lambda event: None) == "Final: 4"
    coordinating = [r for r in protocol_server.requests if "new_answer" in r.tool_names()]
    by_model = {m: [r.body for r in coordinating if f"/{m}:" in r.path] for m in ("gemini-2.5-flash", "gemini-3-flash-preview")}
    assert by_model["gemini-2.5-flash"] and by_model["gemini-3-flash-preview"]
    for sent in by_model["gemini-2.5-flash"]:
        assert tool_kinds(sent) == ["functionDeclarations"] and "toolConfig" not in sent
    for sent in by_model["gemini-3-flash-preview"]:
        assert tool_kinds(sent) == ["functionDeclarations", "googleSearch"]
        assert sent["toolConfig"]["includeServerSideToolInvocations"] is True


def test_the_linter_explains_the_gemini_2_limit() -> None:
    result = compile_text("agent:\n  id: g\n  backend:\n    type: gemini\n    model: gemini-2.5-flash\n"
                          "    enable_web_search: true\n", "<test>")
    [note] = [d for d in result.diagnostics if d.code == "builtin-tool-alone"]
    assert (note.line, note.path) == (6, "/agent/backend/enable_web_search")
    assert "function tools" in note.message and "multi-agent" in note.message and "Gemini 3" in note.hint
    assert note.severity.value == "info"
    clean = compile_text("agent:\n  id: g\n  backend:\n    type: gemini\n    model: gemini-3-flash-preview\n"
                         "    enable_web_search: true\n", "<test>")
    assert not [d for d in clean.diagnostics if d.code == "builtin-tool-alone"]
