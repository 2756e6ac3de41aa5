"""``massgen run --mock`` / ``mock: true``: the local mock provider answers every HTTP backend in its own wire
protocol, really calls the agent's tools and coordinates; the plan (and ``massgen explain``) says so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from massgen.catalog import load_catalog
from massgen.catalog.model import HTTP_PROTOCOLS
from massgen.cli import main
from massgen.mock.arguments import example
from tests.conftest import REPO
from tests.mcp.helpers import DEMO_SERVER

PROVIDER_KEYS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY", "XAI_API_KEY", "ZAI_API_KEY",
                 "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT", "CEREBRAS_API_KEY")


@pytest.fixture(autouse=True)
def no_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in PROVIDER_KEYS:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)


def events(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def run_cli(*args: str) -> tuple[int, list[dict[str, Any]], str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, events(result.stdout), result.stderr


# -- schema-valid arguments ---------------------------------------------------------------------------------

SCHEMAS = [
    {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "required": ["a", "b"]},
    {"type": "object", "properties": {"n": {"type": "number", "exclusiveMinimum": 5, "maximum": 9}}, "required": ["n"]},
    {"type": "object", "properties": {"n": {"type": "integer", "minimum": 10, "multipleOf": 7}}, "required": ["n"]},
    {"type": "object", "properties": {"s": {"type": "string", "minLength": 12, "maxLength": 20}}, "required": ["s"]},
    {"type": "object", "properties": {"when": {"type": "string", "format": "date-time"}}, "required": ["when"]},
    {"type": "object", "properties": {"mode": {"enum": ["fast", "slow"]}, "k": {"const": 3}}, "required": ["mode", "k"]},
    {"type": "object", "properties": {"xs": {"type": "array", "items": {"type": "boolean"}, "minItems": 2}},
     "required": ["xs"], "additionalProperties": False},
    {"type": "object", "properties": {"v": {"anyOf": [{"type": "null"}, {"type": "integer", "minimum": 3}]}},
     "required": ["v"]},
    {"type": "object", "$defs": {"point": {"type": "object", "properties": {"x": {"type": "number"}}, "required": ["x"]}},
     "properties": {"p": {"$ref": "#/$defs/point"}}, "required": ["p"]},
    {"type": "object", "properties": {"t": {"type": ["null", "string"]}, "opt": {"type": "string"}}, "required": ["t"]},
    {"type": "object", "properties": {"o": {"allOf": [{"type": "object", "properties": {"a": {"type": "string"}},
                                                      "required": ["a"]}, {"required": ["b"], "properties": {
                                                          "b": {"type": "integer", "maximum": -4}}}]}},
     "required": ["o"]},
    {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
    {"type": "object"},
]


@pytest.mark.parametrize("schema", SCHEMAS, ids=range(len(SCHEMAS)))
def test_example_arguments_are_valid_for_their_schema(schema: dict[str, Any]) -> None:
    value = example(schema)
    jsonschema.validate(value, schema)
    assert value == example(schema)  # deterministic
    assert set(value) == set(schema.get("required", ()))  # the required properties, nothing more


# -- every HTTP backend's wire protocol ---------------------------------------------------------------------

HTTP_TYPES = sorted([b.type for b in load_catalog().backends.values() if b.protocol in HTTP_PROTOCOLS]
                    + ["cerebras", "openrouter"])


@pytest.mark.parametrize("backend_type", HTTP_TYPES)
def test_every_http_backend_is_answered_by_the_mock(backend_type: str) -> None:
    status, seen, stderr = run_cli("--backend", backend_type, "--model", "m-1", "--mock", "--no-logs",
                                   "--output", "jsonl", "How far is the moon?")
    assert status == 0, stderr
    final = seen[-1]
    assert final["type"] == "final" and final["content"].startswith("**agent** (mock of `m-1`) answers offline")
    assert "“How far is the moon?”" in final["content"]
    assert any(e["type"] == "usage" and e["input_tokens"] > 0 for e in seen)


# -- tools: real MCP servers called with schema-valid arguments ---------------------------------------------

def test_the_mock_calls_the_agent_s_real_mcp_tools(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(json.dumps({"agent": {"id": "worker", "backend": {
        "type": "claude", "model": "claude-haiku-4-5",
        "mcp_servers": [{"name": "demo", "type": "stdio", "command": sys.executable, "args": [str(DEMO_SERVER)]}],
        "allowed_tools": ["mcp__demo__add", "mcp__demo__echo", "mcp__demo__cwd"]}}}))
    status, seen, stderr = run_cli("run", "--config", str(config), "--mock", "--output", "jsonl", "Add things")
    assert status == 0, stderr
    calls = [e for e in seen if e["type"] == "tool_call"]
    results = {e["name"]: e for e in seen if e["type"] == "tool_result"}
    assert [c["name"] for c in calls] == ["mcp__demo__add", "mcp__demo__echo", "mcp__demo__cwd"]
    assert calls[0]["arguments"] == {"a": 1, "b": 1}
    assert results["mcp__demo__add"] == {**results["mcp__demo__add"], "content": "2", "is_error": False}
    assert results["mcp__demo__echo"]["content"] == "mock"
    assert results["mcp__demo__cwd"]["content"] == str(tmp_path)  # the real server's own answer
    assert "`mcp__demo__add` returned: 2" in seen[-1]["content"]


# -- coordination: the bundled three-agent example, offline, end to end -------------------------------------

def run_example() -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in PROVIDER_KEYS}
    return subprocess.run([sys.executable, "-m", "massgen", "run", "--config", str(REPO / "examples" / "three_agents.yaml"),
                           "--mock", "--output", "jsonl", "What is MassGen?"], capture_output=True, text=True,
                          env=env, cwd=os.getcwd(), timeout=120)


def test_the_three_agent_example_runs_offline_and_always_ends_the_same() -> None:
    first, second = run_example(), run_example()
    assert first.returncode == 0, first.stderr
    seen = events(first.stdout)
    answers = {e["agent"] for e in seen if e["type"] == "answer"}
    votes = [(e["agent"], e["for"]) for e in seen if e["type"] == "vote"]
    assert answers == {"claude", "gpt", "gemini"}
    assert sorted(votes) == [("claude", "agent1"), ("gemini", "agent1"), ("gpt", "agent1")]  # agent1 is claude
    final = seen[-1]
    assert final["type"] == "final" and final["agent"] == "claude"
    assert final["content"].startswith("**claude** (mock of `claude-haiku-4-5`)")
    assert "“What is MassGen?”" in final["content"]
    again = events(second.stdout)
    assert again[-1] == final
    assert sorted((e["agent"], e["content"]) for e in again if e["type"] == "answer") == sorted(
        (e["agent"], e["content"]) for e in seen if e["type"] == "answer")


# -- the plan and massgen explain ---------------------------------------------------------------------------

def test_explain_shows_which_agents_the_mock_answers(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("agents:\n  - {id: offline, backend: {type: openai, model: gpt-5-nano, mock: true}}\n"
                      "  - {id: online, backend: {type: gemini, model: gemini-2.5-flash}}\n")
    result = CliRunner().invoke(main, ["explain", str(config), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    agents = {a["id"]: a for a in json.loads(result.stdout)["agents"]}
    offline, online = agents["offline"], agents["online"]
    assert (offline["mock"], offline["base_url_source"], offline["api_key_source"]) == (True, "mock", "mock")
    assert offline["base_url"].startswith("http://127.0.0.1:") and offline["base_url"].endswith("/mock/offline")
    assert offline["request"]["url"] == offline["base_url"] + "/responses"
    assert "authorization" not in {h.lower() for h in offline["request"]["headers"]}
    assert (online["mock"], online["base_url_source"]) == (False, "catalog")
    everything = json.loads(CliRunner().invoke(main, ["explain", str(config), "--format", "json", "--mock"]).stdout)
    assert all(a["mock"] and a["api_key_source"] == "mock" for a in everything["agents"])
    text = CliRunner().invoke(main, ["explain", str(config)]).stdout
    assert "(from mock: the local mock server answers, nothing goes to the provider)" in text


def test_validate_says_a_mocked_agent_needs_no_key(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("agent: {id: a, backend: {type: vllm, model: m, mock: true}}\n")  # no base_url needed either
    result = CliRunner().invoke(main, ["validate", "-v", str(config)])
    assert result.exit_code == 0, result.stdout
    assert "API key: none needed: the local mock server answers" in result.stdout
