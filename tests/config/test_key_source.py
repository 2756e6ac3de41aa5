"""``massgen validate`` says where each agent's key comes from, and refuses another provider's key."""

from __future__ import annotations

import pytest

from massgen.config import compile_text

ZAI = "agents:\n  - id: z\n    backend:\n      type: chatcompletion\n      model: glm-4.5\n      base_url: {url}\n"


def diagnostics(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for d in compile_text(text).diagnostics:
        found.setdefault(d.code, []).append(f"{d.severity.value}: {d.message}")
    return found


@pytest.fixture(autouse=True)
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "ZAI_API_KEY", "ANTHROPIC_API_KEY", "GROQ_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("url", ["https://api.z.ai/api/paas/v4", "https://open.bigmodel.cn/api/paas/v4"])
def test_only_another_providers_key_set_is_an_error(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-not-for-zai-0123456789")
    found = diagnostics(ZAI.format(url=url))
    assert found["api-key-of-another-provider"] == [
        "warning: this endpoint belongs to `zai`, whose key (ZAI_API_KEY) is not set; OPENAI_API_KEY belongs to "
        "another provider and is never sent here"]
    assert "sk-not-for-zai" not in str(found)


def test_the_endpoints_own_key_set_is_no_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-not-for-zai-0123456789")
    monkeypatch.setenv("ZAI_API_KEY", "zai-0123456789")
    found = diagnostics(ZAI.format(url="https://api.z.ai/api/paas/v4"))
    assert "api-key-of-another-provider" not in found
    assert found["api-key-source"] == ["info: API key: the environment variable ZAI_API_KEY"]


def test_no_key_at_all_is_left_to_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "api-key-of-another-provider" not in diagnostics(ZAI.format(url="https://api.z.ai/api/paas/v4"))


@pytest.mark.parametrize(("backend", "expected"), [
    ("type: chatcompletion\n      base_url: https://gateway.example/v1",
     "info: API key: none: this host belongs to no known provider, so no implicit key is sent"),
    ("type: chatcompletion\n      base_url: https://api.groq.com/openai/v1", "info: API key: the environment variable GROQ_API_KEY"),
    ("type: groq", "info: API key: the environment variable GROQ_API_KEY"),
    ("type: openai\n      base_url: https://gateway.example/v1", "info: API key: the environment variable OPENAI_API_KEY"),
    ("type: chatcompletion\n      base_url: https://gateway.example/v1\n      api_key: ${GATEWAY_KEY}",
     "info: API key: api_key: ${GATEWAY_KEY} in the config"),
    ("type: vllm", "info: API key: the environment variable VLLM_API_KEY (optional)"),
])
def test_the_key_source_of_each_kind_of_agent(backend: str, expected: str) -> None:
    text = f"agents:\n  - id: a\n    backend:\n      model: m\n      {backend}\n"
    assert diagnostics(text)["api-key-source"] == [expected]


def test_the_message_does_not_depend_on_what_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "agent:\n  backend:\n    type: claude\n    model: claude-sonnet-4-6\n"
    unset = diagnostics(text)["api-key-source"]
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-0123456789")
    assert diagnostics(text)["api-key-source"] == unset == ["info: API key: the environment variable ANTHROPIC_API_KEY"]


def test_the_linter_routes_the_key_on_the_expanded_base_url_as_the_plan_does(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZAI_URL", "https://api.z.ai/api/paas/v4")
    monkeypatch.setenv("ZAI_API_KEY", "zai-0123456789")
    text = ZAI.format(url="${ZAI_URL}")
    assert diagnostics(text)["api-key-source"] == ["info: API key: the environment variable ZAI_API_KEY"]
    assert compile_text(text).spec.agents[0].api_key.source == "env:ZAI_API_KEY"
