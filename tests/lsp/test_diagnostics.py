"""Diagnostics from `massgen lsp` are `massgen validate --format json`'s, and never go stale while typing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types

from tests.conftest import REPO
from tests.lsp.lsp_client import RecordingClient, change, diagnostics_of, open_document

BROKEN = REPO / "tests" / "config" / "broken"
SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning,
            "info": types.DiagnosticSeverity.Information}


def validate_json(paths: list[Path]) -> dict[str, list[dict]]:
    done = subprocess.run([sys.executable, "-m", "massgen.cli", "validate", "--format", "json", *map(str, paths)],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    by_file: dict[str, list[dict]] = {str(p): [] for p in paths}
    for d in json.loads(done.stdout)["diagnostics"]:
        by_file[d["file"]].append(d)
    return by_file


def as_validate(d: types.Diagnostic) -> dict:
    """An LSP diagnostic in the terms of the JSON contract (the test files are ASCII: columns are characters)."""
    severity = next(name for name, value in SEVERITY.items() if value == d.severity)
    hints = [r.message.removeprefix("hint: ") for r in d.related_information or []]
    return {"line": d.range.start.line + 1, "column": d.range.start.character + 1,
            "end_line": d.range.end.line + 1, "end_column": d.range.end.character + 1,
            "severity": severity, "code": d.code, "message": d.message, "hint": hints[0] if hints else None}


@pytest.mark.asyncio
async def test_every_broken_config_gets_what_validate_prints(client: RecordingClient) -> None:
    paths = sorted(BROKEN.glob("*.yaml")) + sorted((REPO / "examples").glob("*.yaml"))
    expected = validate_json(paths)
    assert sum(len(found) for found in expected.values()) > 40  # the broken configs really are broken
    for path in paths:
        published = await open_document(client, path, path.read_text(encoding="utf-8"))
        keys = ("line", "column", "end_line", "end_column", "severity", "code", "message", "hint")
        want = [{k: d[k] for k in keys} for d in expected[str(path)]]
        assert [as_validate(d) for d in published] == want, path.name
        assert all(d.source == "massgen" for d in published)


@pytest.mark.asyncio
async def test_positions_count_utf16_units(client: RecordingClient, tmp_path: Path) -> None:
    """A key after an emoji: the client counts UTF-16 code units (the LSP default), the compiler characters."""
    text = "agents:\n  - id: a\n    system_message: \"😀\"\n    backend: {type: claude, model: claude-sonnet-4-6, \"tempx\": 1}\n"
    text = text.replace('system_message: "😀"\n    backend: {', 'backend: {"😀": 1, ')
    published = await open_document(client, tmp_path / "emoji.yaml", text)
    unknown = [d for d in published if d.code == "unknown-key" and "tempx" in d.message]
    assert unknown, [d.message for d in published]
    line = text.splitlines()[unknown[0].range.start.line]
    start = line.index('"tempx"')
    assert unknown[0].range.start.character == start + 1  # the emoji is two UTF-16 units, one character


@pytest.mark.asyncio
async def test_fast_typing_never_publishes_an_older_version_last(client: RecordingClient, tmp_path: Path) -> None:
    path = tmp_path / "typing.yaml"
    uri = path.as_uri()
    final = (REPO / "tests" / "config" / "broken" / "unknown-key.yaml").read_text()
    await open_document(client, path, "agents:\n")
    versions = list(range(2, 2 + len(final), 3))
    for version in versions:  # one edit per few characters, as fast as the pipe takes them
        change(client, uri, version, final[:version - 2])
    change(client, uri, versions[-1] + 1, final)
    last = await diagnostics_of(client, uri, versions[-1] + 1)
    mine = [p.version for p in client.published if p.uri == uri]
    assert mine == sorted(mine)  # never an older version after a newer one
    assert client.published[-1].version == versions[-1] + 1
    expected = validate_json([BROKEN / "unknown-key.yaml"])[str(BROKEN / "unknown-key.yaml")]
    assert [(d.code, d.message) for d in last] == [(d["code"], d["message"]) for d in expected]


@pytest.mark.asyncio
async def test_closing_clears_the_diagnostics(client: RecordingClient, tmp_path: Path) -> None:
    path = tmp_path / "closed.yaml"
    assert await open_document(client, path, "agents: []\n")
    client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=path.as_uri())))
    await diagnostics_of(client, path.as_uri(), None)
    assert list(client.diagnostics[path.as_uri()]) == []
