"""``massgen explain`` and ``massgen run --dry-run``: the plans and first requests, with nothing sent."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_run_cli import massgen
from tests.protocol_server import ProtocolServer, protocol_server  # noqa: F401  (the fixture)

ROOT = Path(__file__).resolve().parents[2]
THREE_AGENTS = str(ROOT / "examples" / "three_agents.yaml")
KEYS = {"ANTHROPIC_API_KEY": "sk-ant-explain-secret-1111", "OPENAI_API_KEY": "sk-openai-explain-secret-2222",
        "GEMINI_API_KEY": "gemini-explain-secret-3333"}


def test_three_agents_give_three_plans_and_three_requests_with_the_workflow_tools(tmp_path: Path) -> None:
    result = massgen("explain", THREE_AGENTS, "--format", "json", "--question", "What is 2+2?", cwd=tmp_path, **KEYS)
    assert result.returncode == 0, result.stderr
    for secret in KEYS.values():
        assert secret not in result.stdout
    agents = json.loads(result.stdout)["agents"]
    assert [a["id"] for a in agents] == ["claude", "gpt", "gemini"]
    assert [a["protocol"] for a in agents] == ["anthropic_messages", "openai_responses", "gemini"]
    assert [a["api_key_source"] for a in agents] == ["env:ANTHROPIC_API_KEY", "env:OPENAI_API_KEY", "env:GEMINI_API_KEY"]
    for agent in agents:
        assert set(agent) >= {"id", "backend", "provider", "protocol", "base_url", "api_key_source", "request"}
        request = agent["request"]
        assert set(request) == {"method", "url", "headers", "body"} and request["method"] == "POST"
        assert "What is 2+2?" in json.dumps(request["body"])
        assert {"new_answer", "vote"} <= set(json.dumps(request["body"]).replace('"', " ").split())
    claude, gpt, gemini = (a["request"] for a in agents)
    assert claude["url"] == "https://api.anthropic.com/v1/messages" and claude["headers"]["x-api-key"] == "***"
    assert gpt["url"] == "https://api.openai.com/v1/responses" and "***" in gpt["headers"]["authorization"]
    assert gemini["url"].startswith("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:")
    assert gemini["headers"]["x-goog-api-key"] == "***"


def test_text_output_names_each_plan_and_the_key_source(tmp_path: Path) -> None:
    result = massgen("explain", THREE_AGENTS, cwd=tmp_path, OPENAI_API_KEY=KEYS["OPENAI_API_KEY"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("first request: POST") == 3
    assert "API key: the environment variable OPENAI_API_KEY" in result.stdout
    assert "API key: none: ANTHROPIC_API_KEY not set" in result.stdout
    assert KEYS["OPENAI_API_KEY"] not in result.stdout


def test_a_single_agent_request_has_no_workflow_tools(tmp_path: Path) -> None:
    result = massgen("explain", THREE_AGENTS, "--agent", "gpt", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (agent,) = json.loads(result.stdout)["agents"]
    assert "new_answer" not in json.dumps(agent["request"]["body"])


def test_dry_run_sends_nothing(tmp_path: Path, protocol_server: ProtocolServer) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(json.dumps({"agent": {"id": "solo", "backend": {
        "type": "chatcompletion", "model": "m1", "base_url": protocol_server.openai_base_url,
        "api_key": "${TEST_PROVIDER_KEY}", "temperature": 0.3}}}))
    result = massgen("run", "--config", str(config), "--dry-run", "--output", "jsonl", "Hello?", cwd=tmp_path,
                     TEST_PROVIDER_KEY="gw-secret-value-123456")
    assert result.returncode == 0, result.stderr
    (agent,) = json.loads(result.stdout)["agents"]
    assert agent["api_key_source"] == "config:TEST_PROVIDER_KEY"
    assert agent["request"]["headers"]["authorization"] == "***"
    assert agent["request"]["body"]["temperature"] == 0.3
    assert "gw-secret-value-123456" not in result.stdout
    assert protocol_server.requests == []
    assert not (tmp_path / ".massgen").exists()


def test_non_http_backends_show_their_options_and_no_request(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(json.dumps({"agent": {"id": "cc", "backend": {
        "type": "claude_code", "cwd": "work", "permission_mode": "acceptEdits"}}}))
    result = massgen("explain", str(config), "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (agent,) = json.loads(result.stdout)["agents"]
    assert agent["request"] is None and agent["options"]["permission_mode"] == "acceptEdits"


def test_secrets_in_mcp_entries_and_urls_are_masked(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(json.dumps({"agent": {"id": "a", "backend": {
        "type": "chatcompletion", "model": "m", "base_url": "https://gw.example/v1?token=url-token-secret-77",
        "api_key": "literal-key-secret-88",
        "mcp_servers": [{"name": "s", "type": "stdio", "command": "srv", "args": ["--api-key", "arg-secret-99"],
                         "env": {"SERVICE_TOKEN": "env-secret-66"}}]}}}))
    result = massgen("explain", str(config), "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for secret in ("url-token-secret-77", "literal-key-secret-88", "arg-secret-99", "env-secret-66"):
        assert secret not in result.stdout
    assert "SERVICE_TOKEN" in result.stdout  # names stay readable


def test_an_unknown_agent_is_an_error(tmp_path: Path) -> None:
    result = massgen("explain", THREE_AGENTS, "--agent", "nobody", cwd=tmp_path)
    assert result.returncode == 1 and "nobody" in result.stderr
