"""Key routing, end to end: which key arrives at which host, seen by a loopback proxy that records headers.

Every provider's variable is set to a distinct value; each agent's request goes through a real HTTP proxy
(``HTTP_PROXY`` pointing at the loopback protocol server, which answers absolute-form requests for any
host), so ``api.z.ai`` or an unknown gateway can be the target while nothing leaves the machine. The proxy
records ``authorization``, ``x-api-key``, ``x-goog-api-key`` and ``api-key``: exactly the right key must
arrive (the positive control), and no other provider's key ever does.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from massgen.catalog import load_catalog
from massgen.config import compile_mapping
from massgen.conversation import Message
from massgen.engine.adapters import create
from massgen.errors import MissingAPIKeyError
from tests.engine.helpers import agent_spec
from tests.protocol_server import ProtocolServer, Turn

AUTH_HEADERS = ("authorization", "x-api-key", "x-goog-api-key", "api-key")
CATALOG = load_catalog()
VARIABLES = sorted({v for b in CATALOG.backends.values() for v in b.api_key_env}
                   | {v for p in CATALOG.providers.values() for v in p.api_key_env})
# A generic endpoint (chatcompletion) has no host of its own: the tests after this one cover it.
OWN_HOST_BACKENDS = [b for b in CATALOG.backends.values()
                     if b.protocol not in ("claude_code", "ag2") and not b.key_follows_host]


def key_of(variable: str) -> str:
    return f"key-of-{variable.lower()}-0123456789"


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Any:
    with ProtocolServer() as server:
        server.handler = lambda request: Turn(text="ok")
        monkeypatch.setenv("HTTP_PROXY", server.base_url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        for variable in VARIABLES:
            monkeypatch.setenv(variable, key_of(variable))
        monkeypatch.delenv("AZURE_OPENAI_ENDPOINT", raising=False)
        yield server


def send(backend: dict[str, Any], server: ProtocolServer) -> dict[str, str]:
    """Run one turn of an agent with this backend mapping; the auth headers the proxy saw."""
    spec = agent_spec({"model": "m", **backend})

    async def turn() -> None:
        async for _ in create(spec).stream([Message("user", "hi")], []):
            pass
        from massgen.engine.transport import aclose_shared_client

        await aclose_shared_client()

    asyncio.run(turn())
    request = server.requests[-1]
    return {name: request.headers[name] for name in AUTH_HEADERS if name in request.headers}


def arrived(headers: dict[str, str]) -> set[str]:
    """The variables whose keys are in these headers."""
    return {v for v in VARIABLES if any(key_of(v) in value for value in headers.values())}


def http_url(url: str) -> str:
    return "http://" + url.split("://", 1)[1]


@pytest.mark.parametrize("backend", OWN_HOST_BACKENDS, ids=lambda b: b.type)
def test_each_backend_sends_its_own_key_to_its_own_host(proxy: ProtocolServer, backend: Any) -> None:
    url = http_url(backend.base_url) if backend.base_url and "localhost" not in backend.base_url else None
    url = url or "http://provider.example/v1"
    if backend.type == "azure_openai":
        url = "http://myresource.openai.azure.com"
    headers = send({"type": backend.type, "base_url": url, "api_version": "2024-10-21"} if backend.type == "azure_openai"
                   else {"type": backend.type, "base_url": url}, proxy)
    expected = {backend.api_key_env[0]} if backend.api_key_env else set()
    assert arrived(headers) == expected
    assert proxy.requests[-1].headers["host"] == url.split("://")[1].split("/")[0]


@pytest.mark.parametrize("preset", list(CATALOG.providers.values()), ids=lambda p: p.name)
@pytest.mark.parametrize("form", ["type", "base_url"])
def test_each_preset_gets_its_own_key_by_type_or_by_host(proxy: ProtocolServer, preset: Any, form: str) -> None:
    url = http_url(preset.base_url)
    backend = {"type": preset.name} if form == "type" else {"type": "chatcompletion"}
    headers = send({**backend, "base_url": url}, proxy)
    assert arrived(headers) == {preset.api_key_env[0]}
    assert headers["authorization"] == f"Bearer {key_of(preset.api_key_env[0])}"


@pytest.mark.parametrize("url", ["http://api.z.ai/api/paas/v4", "http://open.bigmodel.cn/api/paas/v4"])
def test_a_chatcompletion_on_z_ai_hosts_uses_zai_api_key(proxy: ProtocolServer, url: str) -> None:
    assert arrived(send({"type": "chatcompletion", "base_url": url}, proxy)) == {"ZAI_API_KEY"}


def test_without_zai_api_key_the_openai_key_is_never_sent_to_z_ai(proxy: ProtocolServer,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZAI_API_KEY")
    backend = {"type": "chatcompletion", "model": "m", "base_url": "http://api.z.ai/api/paas/v4"}
    # the linter warns: the only keys set belong to other providers (a warning: what validate says of a config
    # must not turn on which unrelated keys a machine has); the engine refuses before sending anything
    result = compile_mapping({"agents": [{"id": "z", "backend": backend}]})
    assert "api-key-of-another-provider" in [d.code for d in result.diagnostics if d.severity.value == "warning"]
    with pytest.raises(MissingAPIKeyError, match="ZAI_API_KEY"):
        send(backend, proxy)
    assert proxy.requests == []


def test_a_gateway_on_no_known_host_gets_no_implicit_key(proxy: ProtocolServer) -> None:
    assert send({"type": "chatcompletion", "base_url": "http://gateway.example/v1"}, proxy) == {}


def test_a_gateway_gets_exactly_the_key_the_config_names(proxy: ProtocolServer) -> None:
    headers = send({"type": "chatcompletion", "base_url": "http://gateway.example/v1",
                    "api_key": "${OPENAI_API_KEY}"}, proxy)
    assert headers == {"authorization": f"Bearer {key_of('OPENAI_API_KEY')}"}


def test_a_look_alike_host_is_not_the_provider(proxy: ProtocolServer) -> None:
    for url in ("http://api.groq.com.evil.example/v1", "http://gateway.example/groq.com/v1"):
        assert send({"type": "chatcompletion", "base_url": url}, proxy) == {}


def test_a_proxy_of_openai_keeps_the_openai_key_as_the_sdk_does(proxy: ProtocolServer) -> None:
    headers = send({"type": "openai", "base_url": "http://gateway.example/v1"}, proxy)
    assert headers == {"authorization": f"Bearer {key_of('OPENAI_API_KEY')}"}


def test_a_key_with_a_trailing_newline_is_sent_without_it(proxy: ProtocolServer) -> None:
    headers = send({"type": "chatcompletion", "base_url": "http://gateway.example/v1",
                    "api_key": "sk-written-on-the-next-line-0123\n"}, proxy)
    assert headers == {"authorization": "Bearer sk-written-on-the-next-line-0123"}


@pytest.mark.parametrize(("backend", "url"), [
    ({"type": "cerebras"}, "http://api.groq.com/openai/v1"),     # a preset on another preset's host
    ({"type": "openai"}, "http://api.x.ai/v1"),                  # a provider's backend on another's host
    ({"type": "groq"}, "http://api.openai.com/v1"),
])
def test_no_implicit_key_goes_to_another_providers_host(proxy: ProtocolServer, backend: dict[str, Any],
                                                         url: str) -> None:
    result = compile_mapping({"agents": [{"id": "a", "backend": {"model": "m", **backend, "base_url": url}}]})
    assert [d.code for d in result.diagnostics if d.is_error] == ["base-url-of-another-provider"]
    plan = agent_spec({"model": "m", **backend, "base_url": url, "api_key": "${XAI_API_KEY}"})
    assert plan.api_key.withheld and plan.api_key.source == "config:XAI_API_KEY"  # naming the key is the way


@pytest.mark.parametrize(("url", "variable"), [
    ("http://api.openai.com/v1", "OPENAI_API_KEY"), ("http://api.x.ai/v1", "XAI_API_KEY"),
    ("http://generativelanguage.googleapis.com/v1beta/openai", "GEMINI_API_KEY"),
])
def test_a_chatcompletion_on_a_providers_own_host_gets_that_providers_key(proxy: ProtocolServer, url: str,
                                                                         variable: str) -> None:
    assert arrived(send({"type": "chatcompletion", "base_url": url}, proxy)) == {variable}

