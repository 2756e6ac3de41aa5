"""Completion, hover, quick fixes and the agent outline of `massgen lsp`, through a real LSP client."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types

from massgen.config.fixes import apply_edits
from tests.conftest import REPO
from tests.lsp.lsp_client import RecordingClient, at, open_document

LITERAL_KEY = "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789"
CONFIG = f"""agents:
  - id: writer
    backend:
      type: claude
      model: claude-sonnet-4-6
      api_key: {LITERAL_KEY}
      temprature: 0.5
      enable_code_interpreter: true
  - id: coder
    backend:
      type: claude_code
      permission_mode: plan
      mcp_servers:
        - name: files
          type: stdio
          command: npx
  - id: thinker
    backend:
      type: openai
      model: gpt-5-nano
      reasoning:
        effort: low
  - id: nameless
    backend:
      model: some-model
orchestrator:
  voting_sensitivity: balanced
"""


async def labels(client: RecordingClient, uri: str, text: str, marker: str, after: int = 0) -> dict[str, types.CompletionItem]:
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=at(text, marker, after)))
    items = result.items if isinstance(result, types.CompletionList) else result or []
    return {item.label: item for item in items}


async def opened(client: RecordingClient, tmp_path: Path, text: str, name: str = "config.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    await open_document(client, path, text)
    return path.as_uri()


@pytest.mark.asyncio
async def test_completion_knows_where_the_cursor_is(client: RecordingClient, tmp_path: Path) -> None:
    text = CONFIG.replace("orchestrator:\n", "orch\norchestrator:\n")
    uri = await opened(client, tmp_path, text)
    top = await labels(client, uri, text, "orch\n", 4)
    assert {"agent", "timeout_settings", "ui"} <= set(top)
    assert "orchestrator" not in top and "agents" not in top  # present already
    assert top["agent"].documentation.value  # each item carries its description from the schema

    agent = await labels(client, uri, text, "  - id: writer\n", len("  - id: writer\n    "))
    assert {"system_message", "voting_sensitivity"} <= set(agent) and "temperature" not in agent

    claude = await labels(client, uri, text, "      temprature", 6)
    assert {"temperature", "thinking", "enable_web_search"} <= set(claude)
    assert "enable_code_interpreter" not in claude  # ❌ on claude
    assert "reasoning" not in claude and "permission_mode" not in claude  # other backends' parameters
    assert "Sampling temperature" in claude["temperature"].documentation.value
    openai = await labels(client, uri, text, "      reasoning:", 6)
    assert "reasoning" not in openai and "text" in openai and "thinking" not in openai


@pytest.mark.asyncio
async def test_completion_of_values(client: RecordingClient, tmp_path: Path) -> None:
    uri = await opened(client, tmp_path, CONFIG)
    types_ = await labels(client, uri, CONFIG, "type: claude\n", len("type: "))
    assert {"claude", "openai", "gemini", "cerebras", "kimi"} <= set(types_)
    assert types_["claude"].detail == "Claude API"
    models = await labels(client, uri, CONFIG, "model: claude-sonnet-4-6", len("model: "))
    assert "claude-sonnet-4-6" in models and not any(m.startswith("gpt") for m in models)
    gpt = await labels(client, uri, CONFIG, "model: gpt-5-nano", len("model: "))
    assert "gpt-5-nano" in gpt and not any(m.startswith("claude") for m in gpt)
    assert set(await labels(client, uri, CONFIG, "permission_mode: plan", len("permission_mode: "))) == {
        "default", "acceptEdits", "bypassPermissions", "plan"}
    assert {"low", "high", "minimal"} <= set(await labels(client, uri, CONFIG, "effort: low", len("effort: ")))
    assert {"stdio", "streamable-http", "sse"} <= set(await labels(client, uri, CONFIG, "type: stdio", len("type: ")))


@pytest.mark.asyncio
async def test_completion_of_environment_variable_names(client: RecordingClient, tmp_path: Path) -> None:
    text = CONFIG.replace(f"api_key: {LITERAL_KEY}", "api_key: ${")
    uri = await opened(client, tmp_path, text)
    names = await labels(client, uri, text, "api_key: ${", len("api_key: ${"))
    assert set(names) == {"ANTHROPIC_API_KEY"}  # the variable the claude backend reads, no other
    assert names["ANTHROPIC_API_KEY"].insert_text == "ANTHROPIC_API_KEY}"
    # A secret's value is never offered, and a key written in the file is never echoed.
    literal = await labels(client, uri, CONFIG, "api_key:", len("api_key: "))
    assert literal == {}


async def hover_text(client: RecordingClient, uri: str, text: str, marker: str, after: int = 0) -> str | None:
    result = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=at(text, marker, after)))
    return result.contents.value if result else None


@pytest.mark.asyncio
async def test_hover(client: RecordingClient, tmp_path: Path) -> None:
    text = CONFIG.replace("enable_code_interpreter", "enable_web_search").replace("temprature", "temperature")
    uri = await opened(client, tmp_path, text)
    flag = await hover_text(client, uri, text, "enable_web_search", 3)
    assert "Support on `claude`: ✅" in flag and "Claude (Anthropic)" in flag
    temperature = await hover_text(client, uri, text, "temperature", 2)
    assert "Sampling temperature" in temperature and "from 0 to 1" in temperature
    mode = await hover_text(client, uri, text, "permission_mode", 1)
    assert "bypassPermissions" in mode and "Claude Code" in mode
    backend = await hover_text(client, uri, text, "type: claude_code", len("type: c"))
    assert "Claude Code" in backend and "protocol `claude_code`" in backend
    model = await hover_text(client, uri, text, "gpt-5-nano", 2)
    assert "`openai` model" in model
    key = await hover_text(client, uri, text, "api_key", 2)
    assert key and LITERAL_KEY not in key
    assert await hover_text(client, uri, text, LITERAL_KEY, 4) is None  # the value itself: nothing


@pytest.mark.asyncio
async def test_quick_fixes_are_the_validate_fixes(client: RecordingClient, tmp_path: Path) -> None:
    uri = await opened(client, tmp_path, CONFIG)
    result = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=40, character=0)),
        context=types.CodeActionContext(diagnostics=[])))
    actions = {a.title: a for a in result}
    assert {"Rename `temprature` to `temperature`", "Remove `enable_code_interpreter`",
            "Replace the key with `${ANTHROPIC_API_KEY}`", "Add `type: claude`"} <= set(actions)
    assert actions["Rename `temprature` to `temperature`"].is_preferred  # the one `--fix` applies

    def applied(title: str) -> str:
        edits = actions[title].edit.changes[uri]
        from massgen.config.fixes import TextEdit
        return apply_edits(CONFIG, [TextEdit((e.range.start.line + 1, e.range.start.character + 1),
                                             (e.range.end.line + 1, e.range.end.character + 1), e.new_text)
                                    for e in edits])

    assert "      enable_code_interpreter" not in applied("Remove `enable_code_interpreter`")
    assert "api_key: ${ANTHROPIC_API_KEY}\n" in applied("Replace the key with `${ANTHROPIC_API_KEY}`")
    assert "    backend:\n      type: claude\n      model: some-model" in applied("Add `type: claude`")
    # `massgen validate --fix` makes exactly the preferred action's change.
    path = tmp_path / "config.yaml"
    subprocess.run([sys.executable, "-m", "massgen.cli", "validate", "--fix", str(path)], capture_output=True,
                   cwd=REPO, timeout=60)
    assert path.read_text() == applied("Rename `temprature` to `temperature`")


@pytest.mark.asyncio
async def test_outline_lists_the_agents(client: RecordingClient, tmp_path: Path) -> None:
    text = (REPO / "examples" / "three_agents.yaml").read_text()
    uri = await opened(client, tmp_path, text)
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert [(s.name, s.detail) for s in symbols] == [
        ("claude", "claude · claude-haiku-4-5"), ("gpt", "openai · gpt-5-nano"), ("gemini", "gemini-2.5-flash")]
    assert symbols[1].selection_range.start == at(text, "id: gpt", 4)


@pytest.mark.asyncio
async def test_half_typed_yaml_never_breaks_it(client: RecordingClient, tmp_path: Path) -> None:
    """Every prefix of a config, with completion and hover at its end: answers, no failure, no secret."""
    path = tmp_path / "typing.yaml"
    uri = path.as_uri()
    await open_document(client, path, "")
    texts = [CONFIG[:end] for end in range(0, len(CONFIG), 7)] + ["agents:\n  - id: [\n    backend: {type: \n\t"]
    for version, text in enumerate(texts, start=2):
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
        lines = text.split("\n")
        end = types.Position(line=len(lines) - 1, character=len(lines[-1]))
        items = await client.text_document_completion_async(types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=end))
        shown = await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=end))
        assert items is not None
        assert LITERAL_KEY[8:] not in repr(items) + repr(shown)
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert symbols == []  # the last text is not YAML: no outline, no failure
    assert all(LITERAL_KEY[8:] not in repr(p) for p in client.published)
