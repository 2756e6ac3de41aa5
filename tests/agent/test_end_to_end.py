"""End to end for every HTTP backend type of the catalog: a config whose agent calls an MCP tool and then
answers, against the loopback protocol server; the filtered tool is never offered."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from massgen.config import compile_mapping
from massgen.session import run_session
from tests.agent.recording import RecordingSink
from tests.mcp.helpers import start_http_demo
from tests.protocol_server import Call, ProtocolServer, Turn

pytestmark = pytest.mark.anyio

# type, model, which base URL of the protocol server, whether an api_key goes into the config
BACKENDS = [
    ("claude", "claude-sonnet-4-6", "base_url", True),
    ("gemini", "gemini-2.5-flash", "base_url", True),
    ("openai", "gpt-5-nano", "openai_base_url", True),
    ("grok", "grok-3-mini", "openai_base_url", True),
    ("zai", "glm-4.5", "openai_base_url", True),
    ("chatcompletion", "gpt-oss-120b", "openai_base_url", True),
    ("cerebras", "gpt-oss-120b", "openai_base_url", False),  # a preset; its key comes from CEREBRAS_API_KEY
    ("lmstudio", "qwen2.5-7b-instruct", "openai_base_url", False),
    ("vllm", "meta-llama/Llama-3.1-8B-Instruct", "openai_base_url", False),
    ("sglang", "Qwen/Qwen2.5-7B-Instruct", "openai_base_url", False),
]


@pytest.fixture(scope="module")
def mcp_url() -> Iterator[str]:
    process, url = start_http_demo()
    yield url
    process.kill()
    process.wait()


def config(backend_type: str, model: str, base_url: str, with_key: bool, mcp_url: str) -> dict[str, Any]:
    backend: dict[str, Any] = {
        "type": backend_type,
        "model": model,
        "base_url": base_url,
        "disallowed_tools": ["secret"],
        "mcp_servers": {"demo": {"type": "streamable-http", "url": mcp_url, "exclude_tools": ["mcp__demo__crash"]}},
    }
    if with_key:
        backend["api_key"] = "test-key-0123456789"
    return {"agent": {"id": "solo", "backend": backend, "system_message": "Use the tools."}}


@pytest.mark.parametrize("backend_type, model, url_attr, with_key", BACKENDS, ids=[b[0] for b in BACKENDS])
async def test_agent_calls_an_mcp_tool_then_answers(
    backend_type: str, model: str, url_attr: str, with_key: bool, mcp_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CEREBRAS_API_KEY", "test-cerebras-key")
    with ProtocolServer() as server:
        server.script(
            Turn(tool_calls=[Call("mcp__demo__add", {"a": 19, "b": 23}, id="call_1")], usage=(30, 8)),
            Turn(text="The answer is 42.", usage=(50, 6)),
        )
        result = compile_mapping(config(backend_type, model, getattr(server, url_attr), with_key, mcp_url), "<test>")
        assert result.spec is not None, result.diagnostics
        sink = RecordingSink()
        answer = await run_session(result.spec, "What is 19 + 23?", sink)

        assert answer == "The answer is 42."
        first, second = [r for r in server.requests if r.method == "POST"]  # lmstudio first GETs /api/v0/models
        for request in (first, second):
            assert "mcp__demo__add" in request.tool_names()
            assert "mcp__demo__secret" not in request.tool_names()  # backend-wide disallowed_tools
            assert "mcp__demo__crash" not in request.tool_names()  # the server's exclude_tools
        assert first.last_user_text() == "What is 19 + 23?" and "Use the tools." in first.system_text()
        assert any("42" in r for r in second.tool_results())

    [call] = sink.of("tool_call")
    assert (call["name"], call["arguments"], call["agent"]) == ("mcp__demo__add", {"a": 19, "b": 23}, "solo")
    [tool_result] = sink.of("tool_result")
    assert tool_result == {"type": "tool_result", "agent": "solo", "id": call["id"], "name": "mcp__demo__add",
                           "content": "42", "is_error": False}
    assert "".join(e["text"] for e in sink.of("text")) == "The answer is 42."
    assert sink.contract()[-1] == {"type": "final", "agent": "solo", "content": "The answer is 42."}
    assert not sink.of("error")


async def test_azure_openai_has_no_mcp_so_the_config_is_refused() -> None:
    # The catalog says azure_openai has no MCP support (❌ on the reference page): the run never starts.
    data = config("azure_openai", "gpt-4o", "https://example.openai.azure.com/", True, "http://127.0.0.1:9/mcp")
    result = compile_mapping(data, "<test>")
    assert result.spec is None
    assert any(d.code == "mcp-unsupported" for d in result.diagnostics)


async def test_azure_openai_answers_without_tools(protocol_server: ProtocolServer) -> None:
    protocol_server.script(Turn(text="Hello from Azure."))
    data = {"agent": {"id": "az", "backend": {"type": "azure_openai", "model": "gpt-4o", "api_key": "test-key-azure",
                                              "base_url": protocol_server.base_url + "/"}}}
    result = compile_mapping(data, "<test>")
    assert result.spec is not None, result.diagnostics
    sink = RecordingSink()
    assert await run_session(result.spec, "Hi", sink) == "Hello from Azure."
    assert protocol_server.requests[0].tool_names() == []
