"""Built-in tools from the config flags and Azure's URL forms: all from the catalog's `request:` blocks,
compared with what the official SDKs send for the same call where an SDK has one."""

from __future__ import annotations

import anthropic
import openai
import pytest
from google import genai
from google.genai import types as gt

from massgen.conversation import Message
from massgen.events import BuiltinTool
from tests.conftest import RECORDED
from tests.engine.helpers import ADD, KEY, backend_for, collect
from tests.engine.test_request_conformance import MEANINGFUL_HEADERS, QUESTION, SYSTEM, sdk_request
from tests.protocol_server import ProtocolServer, Reply, Turn


def test_claude_web_search_and_code_execution(protocol_server: ProtocolServer) -> None:
    request = backend_for(protocol_server, "claude", model="claude-sonnet-4-6", enable_web_search=True,
                          enable_code_execution=True, betas=["context-1m-2025-08-07"]).build_request([], [ADD])
    types = [t.get("type") for t in request.body["tools"]]
    assert types == [None, "web_search_20250305", "code_execution_20250825"]  # function tool first, as declared
    assert request.headers["anthropic-beta"].split(",") == ["code-execution-2025-08-25", "context-1m-2025-08-07"]


def test_gemini_google_search_and_code_execution(protocol_server: ProtocolServer) -> None:
    # with a function tool beside them: a Gemini 3 model (Gemini 2.x rejects the mix: test_gemini_tool_combination)
    request = backend_for(protocol_server, "gemini", model="gemini-3-flash-preview", enable_web_search=True,
                          enable_code_execution=True).build_request([], [ADD])
    assert request.body["tools"][1:] == [{"googleSearch": {}}, {"codeExecution": {}}]
    assert request.body["toolConfig"] == {"includeServerSideToolInvocations": True}
    assert request.body["tools"][0]["functionDeclarations"][0]["name"] == "add"


def test_openai_web_search_and_code_interpreter(protocol_server: ProtocolServer) -> None:
    request = backend_for(protocol_server, "openai", model="gpt-5", enable_web_search=True,
                          enable_code_interpreter=True).build_request([], [])
    assert request.body["tools"] == [{"type": "web_search"}, {"type": "code_interpreter", "container": {"type": "auto"}}]


def test_grok_searches_with_the_responses_web_search_tool(protocol_server: ProtocolServer) -> None:
    # xAI retired Live Search (`search_parameters` answers HTTP 410): search is a Responses API tool now
    request = backend_for(protocol_server, "grok", model="grok-4", enable_web_search=True).build_request([], [])
    assert request.url.endswith("/v1/responses") and request.headers["authorization"] == f"Bearer {KEY}"
    assert request.body["tools"] == [{"type": "web_search"}] and "search_parameters" not in request.body
    both = backend_for(protocol_server, "grok", model="grok-4", enable_web_search=True, enable_x_search=True)
    body = both.build_request([], []).body
    assert body["tools"] == [{"type": "web_search"}, {"type": "x_search"}] and "enable_x_search" not in body


def test_openrouter_web_search_is_its_web_plugin(protocol_server: ProtocolServer) -> None:
    body = backend_for(protocol_server, "openrouter", model="openai/gpt-4o", enable_web_search=True).build_request([], []).body
    assert body["plugins"] == [{"id": "web"}] and "tools" not in body


@pytest.mark.anyio
async def test_builtin_activity_reaches_the_events(protocol_server: ProtocolServer) -> None:
    protocol_server.script(Reply.sse((RECORDED / "anthropic_messages" / "web_search_tool_stream.sse").read_bytes()))
    events = await collect(backend_for(protocol_server, "claude", model="claude-sonnet-4", enable_web_search=True))
    searches = [e for e in events if isinstance(e, BuiltinTool) and e.tool == "web_search"]
    assert searches and all(e.agent == "agent_a" for e in searches)
    assert events[-1].message.content.strip()


# -- the same calls through the official SDKs --------------------------------------------------------

def _compare(ours, theirs, ignore_headers=()) -> None:
    assert (ours.path, ours.query, ours.body) == (theirs.path, theirs.query, theirs.body)
    pick = lambda r: {k: v for k, v in r.headers.items() if k in MEANINGFUL_HEADERS and k not in ignore_headers}  # noqa: E731
    assert pick(ours) == pick(theirs)


@pytest.mark.anyio
async def test_responses_builtin_tools_match_sdk(protocol_server: ProtocolServer) -> None:
    client = openai.OpenAI(base_url=protocol_server.openai_base_url, api_key=KEY, max_retries=0)
    theirs = sdk_request(protocol_server, lambda: client.responses.create(
        model="gpt-4.1", stream=True, instructions=SYSTEM, input=[{"role": "user", "content": QUESTION}],
        tools=[{"type": "web_search"}, {"type": "code_interpreter", "container": {"type": "auto"}}]))
    protocol_server.script(Turn(text="ok"))
    await collect(backend_for(protocol_server, "openai", model="gpt-4.1", enable_web_search=True, enable_code_interpreter=True),
                  [Message("system", SYSTEM), Message("user", QUESTION)])
    _compare(protocol_server.requests[-1], theirs)


@pytest.mark.anyio
async def test_anthropic_builtin_tools_match_sdk(protocol_server: ProtocolServer) -> None:
    client = anthropic.Anthropic(base_url=protocol_server.base_url, api_key=KEY, max_retries=0)
    theirs = sdk_request(protocol_server, lambda: client.beta.messages.create(
        model="claude-sonnet-4-6", stream=True, max_tokens=100, system=SYSTEM, betas=["code-execution-2025-08-25"],
        messages=[{"role": "user", "content": [{"type": "text", "text": QUESTION}]}],
        tools=[{"type": "web_search_20250305", "name": "web_search"},
               {"type": "code_execution_20250825", "name": "code_execution"}]))
    protocol_server.script(Turn(text="ok"))
    await collect(backend_for(protocol_server, "claude", model="claude-sonnet-4-6", max_tokens=100, enable_web_search=True,
                              enable_code_execution=True), [Message("system", SYSTEM), Message("user", QUESTION)])
    # auth header and anthropic-version differ deliberately (see test_request_conformance)
    _compare(protocol_server.requests[-1], theirs, ignore_headers=("authorization", "x-api-key", "anthropic-version"))


@pytest.mark.anyio
async def test_gemini_builtin_tools_match_sdk(protocol_server: ProtocolServer) -> None:
    client = genai.Client(api_key=KEY, http_options=gt.HttpOptions(base_url=protocol_server.base_url, api_version="v1beta"))
    config = gt.GenerateContentConfig(tools=[gt.Tool(google_search=gt.GoogleSearch()), gt.Tool(code_execution=gt.ToolCodeExecution())])
    theirs = sdk_request(protocol_server, lambda: client.models.generate_content_stream(
        model="gemini-2.5-flash", contents=[gt.Content(role="user", parts=[gt.Part(text=QUESTION)])], config=config))
    protocol_server.script(Turn(text="ok"))
    await collect(backend_for(protocol_server, "gemini", model="gemini-2.5-flash", enable_web_search=True,
                              enable_code_execution=True), [Message("user", QUESTION)])
    assert theirs.body.pop("generationConfig") == {}  # the SDK sends an empty one; the engine leaves it out
    _compare(protocol_server.requests[-1], theirs)


@pytest.mark.anyio
@pytest.mark.parametrize("deployment", [None, "my-gpt4o-deployment"])
async def test_azure_deployment_url_matches_sdk(protocol_server: ProtocolServer, deployment: str | None) -> None:
    from massgen.catalog import load_catalog

    api_version = load_catalog().backends["azure_openai"].parameters["api_version"]["default"]  # the catalog's default
    client = openai.AzureOpenAI(azure_endpoint=protocol_server.base_url + "/", api_key=KEY, api_version=api_version,
                                azure_deployment=deployment, max_retries=0)
    theirs = sdk_request(protocol_server, lambda: client.chat.completions.create(
        model="gpt-4o", stream=True, stream_options={"include_usage": True},
        messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": QUESTION}]))
    protocol_server.script(Turn(text="ok"))
    settings = {"deployment_name": deployment} if deployment else {}
    await collect(backend_for(protocol_server, "azure_openai", model="gpt-4o", base_url=protocol_server.base_url + "/",
                              **settings), [Message("system", SYSTEM), Message("user", QUESTION)])
    ours = protocol_server.requests[-1]
    assert ours.path == f"/openai/deployments/{deployment or 'gpt-4o'}/chat/completions"
    _compare(ours, theirs)


@pytest.mark.anyio
async def test_azure_v1_url_form(protocol_server: ProtocolServer) -> None:
    client = openai.OpenAI(base_url=protocol_server.base_url + "/openai/v1", api_key=KEY, max_retries=0)
    theirs = sdk_request(protocol_server, lambda: client.chat.completions.create(
        model="gpt-4o", stream=True, stream_options={"include_usage": True},
        messages=[{"role": "user", "content": QUESTION}]))
    protocol_server.script(Turn(text="ok"))
    await collect(backend_for(protocol_server, "azure_openai", model="gpt-4o", base_url=protocol_server.base_url + "/openai/v1"),
                  [Message("user", QUESTION)])
    ours = protocol_server.requests[-1]
    assert ours.query == {} and ours.headers["api-key"] == KEY  # the v1 form takes no api-version
    _compare(ours, theirs, ignore_headers=("authorization", "api-key"))


def test_azure_api_version_from_config_then_env_then_catalog(protocol_server: ProtocolServer,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_API_VERSION", "2025-04-01-preview")
    from_env = backend_for(protocol_server, "azure_openai", model="gpt-4o").build_request([], [])
    assert from_env.query == {"api-version": "2025-04-01-preview"}
    from_config = backend_for(protocol_server, "azure_openai", model="gpt-4o", api_version="2024-06-01").build_request([], [])
    assert from_config.query == {"api-version": "2024-06-01"} and "api_version" not in from_config.body
