"""What the compiler hands the runtime: AgentPlan / RunPlan built from a valid config."""

from __future__ import annotations

import os

import pytest

from massgen.config import compile_mapping, compile_text
from massgen.config.report import format_text


def codes(result) -> list[str]:
    """The codes of a result's diagnostics, less the info every agent gets (tests/config/test_key_source.py)."""
    return [d.code for d in result.diagnostics if d.code != "api-key-source"]


def spec_of(text: str):
    result = compile_text(text, "config.yaml")
    assert not result.has_errors, result.diagnostics
    assert result.spec is not None
    return result.spec


def test_preset_shorthand_resolves_to_chatcompletion() -> None:
    spec = spec_of("agent:\n  id: fast\n  backend: {type: cerebras, model: gpt-oss-120b, temperature: 0.2}\n")
    (agent,) = spec.agents
    assert (agent.backend_type, agent.provider, agent.protocol) == ("chatcompletion", "cerebras", "openai_chat")
    assert agent.base_url == "https://api.cerebras.ai/v1"
    assert agent.api_key.variables == ("CEREBRAS_API_KEY",) and agent.base_url_source == "preset:cerebras"
    assert agent.params == {"temperature": 0.2}


def test_chatcompletion_base_url_selects_the_preset() -> None:
    spec = spec_of(
        "agents:\n  - id: a\n    backend:\n      type: chatcompletion\n      model: llama3.1-8b\n"
        "      base_url: https://api.cerebras.ai/v1\n"
    )
    assert spec.agents[0].provider == "cerebras"
    assert spec.agents[0].api_key.variables == ("CEREBRAS_API_KEY",) and spec.agents[0].base_url_source == "config"


def test_model_infers_the_backend() -> None:
    spec = spec_of("agent:\n  id: solo\n  backend: {model: gpt-5-mini}\n")
    assert spec.agents[0].backend_type == "openai"
    assert spec.agents[0].base_url == "https://api.openai.com/v1"


def test_api_key_is_expanded_and_never_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MASSGEN_TEST_KEY", "sk-test-secret-value-123")
    spec = spec_of("agent:\n  id: a\n"
                   "  backend: {type: claude, model: claude-haiku-4-5, api_key: '${MASSGEN_TEST_KEY}'}\n")
    agent = spec.agents[0]
    assert agent.api_key.secret.reveal() == "sk-test-secret-value-123" and agent.api_key.source == "config:MASSGEN_TEST_KEY"
    assert agent.secrets == (agent.api_key.secret,)
    assert "sk-test-secret" not in repr(agent) and "sk-test-secret" not in repr(spec)


def test_runtime_fields() -> None:
    spec = spec_of(
        "agents:\n"
        "  - id: coder\n"
        "    system_message: Write code.\n"
        "    backend:\n"
        "      type: claude\n"
        "      model: claude-sonnet-4-6\n"
        "      enable_web_search: true\n"
        "      enable_code_execution: false\n"
        "      cwd: workspace\n"
        "      thinking: {type: enabled, budget_tokens: 2048}\n"
        "      allowed_tools: [mcp__fs__read_file]\n"
        "      mcp_servers:\n"
        "        fs: {command: npx, args: [-y, '@modelcontextprotocol/server-filesystem', .]}\n"
        "orchestrator: {max_new_answers_per_agent: 2}\n"
        "timeout_settings: {orchestrator_timeout_seconds: 600}\n"
    )
    agent = spec.agents[0]
    assert agent.system_message == "Write code."
    assert agent.tool_flags == {"enable_web_search": True, "enable_code_execution": False}
    assert agent.params == {"thinking": {"type": "enabled", "budget_tokens": 2048}}
    assert agent.mcp_servers == [
        {"name": "fs", "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "."]}
    ]
    assert agent.allowed_tools == ["mcp__fs__read_file"] and agent.cwd == "workspace"
    assert spec.orchestrator == {"max_new_answers_per_agent": 2}
    assert spec.timeout_settings == {"orchestrator_timeout_seconds": 600}


def test_claude_code_default_disallowed_tools() -> None:
    spec = spec_of("agent:\n  id: cc\n  backend: {type: claude_code, cwd: ws}\n")
    assert "Bash(rm*)" in spec.agents[0].disallowed_tools


def test_compile_mapping_places_everything_on_line_one() -> None:
    result = compile_mapping({"agent": {"id": "q", "backend": {"model": "gpt-5-nano", "temprature": 1}}}, "--model")
    (diagnostic,) = [d for d in result.diagnostics if d.code != "api-key-source"]
    assert (diagnostic.file, diagnostic.line, diagnostic.column, diagnostic.code) == ("--model", 1, 1, "unknown-key")
    assert diagnostic.path == "/agent/backend/temprature"
    assert result.spec is None


def test_compile_mapping_valid() -> None:
    result = compile_mapping({"agent": {"id": "q", "backend": {"model": "gemini-2.5-flash"}}})
    assert codes(result) == [] and result.spec is not None
    assert result.spec.agents[0].backend_type == "gemini"


def test_literal_api_key_is_never_echoed() -> None:
    secret = "sk-ant-literal-secret-0123456789"
    result = compile_text(f"agent:\n  id: a\n  backend: {{type: claude, model: claude-haiku-4-5, api_key: {secret}}}\n", "k.yaml")
    assert codes(result) == ["literal-api-key"]
    assert all(secret not in f"{d.message} {d.hint}" for d in result.diagnostics)
    text = format_text(result.diagnostics, lines=lambda _: [f"  backend: {{type: claude, api_key: {secret}}}"] * 3)
    assert "api_key: ***" in text and secret not in text


def test_wrong_type_of_secret_is_not_echoed() -> None:
    result = compile_text("agent:\n  id: a\n  backend: {type: claude, model: claude-haiku-4-5, api_key: 1234567890}\n", "k.yaml")
    assert codes(result) == ["invalid-type"]
    assert "1234567890" not in result.diagnostics[0].message


def test_cwd_variable_is_massgen_s_not_the_environment_s() -> None:
    spec = spec_of(
        "agent:\n  id: a\n  backend:\n    type: claude\n    model: claude-haiku-4-5\n    cwd: ws\n    mcp_servers:\n"
        "      - {name: pw, command: npx, args: ['--output-dir=${cwd}/shots']}\n"
    )
    assert spec.agents[0].mcp_servers[0]["args"] == [f"--output-dir={os.path.abspath('ws')}/shots"]  # absolute:
    # a server started in the agent's cwd (Claude Code) must not see ws/ws/shots


@pytest.mark.parametrize("value, problem", [
    ("DONE", None), ("{endswith: DONE}", None), ("{contains: DONE}", None),
    ("5", "must be a string or a mapping, got an integer"), ("{starts: X}", "unknown key `starts`"),
])
def test_ag2_termination_rule_forms(value: str, problem: str | None) -> None:
    text = (f"agent:\n  id: a\n  backend:\n    type: ag2\n    agent_config: {{type: assistant, name: a, "
            f"llm_config: {{model: gpt-4o}}, is_termination_msg: {value}}}\n")
    messages = [d.message for d in compile_text(text, "ag2.yaml").diagnostics if d.is_error]
    assert messages == [] if problem is None else any(problem in m for m in messages), messages


def test_environment_variables_are_expanded_throughout_the_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_WS", "/srv/ws")
    monkeypatch.setenv("MY_TAG", "blue")
    spec = spec_of("agent:\n  id: a\n  backend:\n    type: vllm\n    model: m\n    cwd: ${MY_WS}/agent1\n"
                   "    extra_body: {tag: '${MY_TAG}'}\n").agents[0]
    assert spec.cwd == "/srv/ws/agent1" and spec.params["extra_body"] == {"tag": "blue"}


def test_an_unset_variable_in_base_url_never_becomes_the_default_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MY_PROXY_SURELY_UNSET", raising=False)
    result = compile_text("agent:\n  id: a\n  backend: {type: openai, model: gpt-5-nano, "
                          "base_url: '${MY_PROXY_SURELY_UNSET}/v1'}\n", "p.yaml")
    assert codes(result) == ["unset-env-var"]
    assert result.spec.agents[0].base_url == "${MY_PROXY_SURELY_UNSET}/v1"  # as written, not api.openai.com
