"""`massgen schema` in real schema consumers, and `massgen validate --fix` / `--diff`.

yaml-language-server (Red Hat's, used by VS Code, Neovim, ...) loads the printed schema through the
`# yaml-language-server: $schema=...` modeline and flags the same mistakes the compiler does, spoken to over
stdio with the Language Server Protocol, as an editor does. Needs Node.js and the npm package
yaml-language-server (pinned, installed under .ci/node by the test set-up); those tests skip with the reason
otherwise. check-jsonschema (a Python test dependency) checks the project's broken configs, the examples and
the MassGen 0.1.97 corpus against the same schema.
"""

from __future__ import annotations

import difflib
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.lsp.stdio_client import StdioClient

SERVER = REPO / ".ci" / "node" / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"
TIMEOUT = 30.0
CORPUS = REPO / "tests" / "corpus" / "massgen-0.1.97"

needs_yaml_language_server = pytest.mark.skipif(
    shutil.which("node") is None or not SERVER.exists(),
    reason=f"needs node and the npm package yaml-language-server at {SERVER}",
)


def diagnostics_for(text: str, tmp_path: Path, schema: Path) -> list[dict[str, Any]]:
    document = tmp_path / "config.yaml"
    document.write_text(f"# yaml-language-server: $schema={schema.as_uri()}\n{text}")
    server = StdioClient(["node", str(SERVER), "--stdio"],
                         configuration={"validate": True, "schemaStore": {"enable": False}})
    deadline = time.monotonic() + TIMEOUT
    try:
        server.request("initialize", {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {
            "workspace": {"configuration": True}}}, deadline)
        server.send({"method": "initialized", "params": {}})
        server.send({"method": "workspace/didChangeConfiguration",
                     "params": {"settings": {"yaml": {"validate": True, "schemaStore": {"enable": False}}}}})
        server.send({"method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": document.as_uri(), "languageId": "yaml", "version": 1, "text": document.read_text()}}})
        return server.published(document.as_uri(), deadline)["diagnostics"]
    finally:
        server.close()


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("schema") / "massgen.schema.json"
    done = subprocess.run([sys.executable, "-m", "massgen.cli", "schema"], capture_output=True, text=True,
                          timeout=60, cwd=REPO)
    assert done.returncode == 0, done.stderr
    path.write_text(done.stdout)
    return path


@needs_yaml_language_server
def test_editor_flags_a_typo_and_a_bad_value(schema: Path, tmp_path: Path) -> None:
    text = (
        "agents:\n"
        "  - id: a\n"
        "    backend:\n"
        "      type: claude\n"
        "      enable_websearch: true\n"
        "      temperature: 1.5\n"
    )
    diagnostics = diagnostics_for(text, tmp_path, schema)
    found = {(d["range"]["start"]["line"], d.get("severity")) for d in diagnostics}
    # LSP lines are 0-based and the modeline is line 0: `enable_websearch` is line 5, temperature line 6.
    assert {(5, 1), (6, 1)} <= found
    assert any("enable_websearch" in d["message"] for d in diagnostics)


@needs_yaml_language_server
def test_editor_accepts_a_valid_config(schema: Path, tmp_path: Path) -> None:
    text = (REPO / "examples" / "three_agents.yaml").read_text()
    assert diagnostics_for(text, tmp_path, schema) == []


@needs_yaml_language_server
def test_editor_knows_the_capability_rules(schema: Path, tmp_path: Path) -> None:
    """The three mistakes the plain parameter schema let through, now errors with the compiler's hint."""
    text = (
        "agents:\n"
        "  - id: a\n"
        "    backend:\n"
        "      type: claude\n"
        "      model: claude-sonnet-4-6\n"
        "      enable_code_interpreter: true\n"
        "  - id: b\n"
        "    backend:\n"
        "      type: azure_openai\n"
        "      model: gpt-4o\n"
        "      base_url: https://example.openai.azure.com/\n"
        "      enable_web_search: true\n"
        "  - id: c\n"
        "    backend:\n"
        "      type: chatcompletion\n"
        "      model: some-model\n"
        "      mcp_servers:\n"
        "        - name: search\n"
        "          type: streamable-http\n"
    )
    diagnostics = diagnostics_for(text, tmp_path, schema)
    errors = {d["range"]["start"]["line"]: d["message"] for d in diagnostics if d.get("severity") == 1}
    # Lines are 0-based after the modeline: the flags on 6 and 12, the MCP entry from 18, the missing base_url at 14.
    assert "use `enable_code_execution` on claude" in errors.get(6, "")
    assert "`azure_openai` does not support `enable_web_search`" in errors.get(12, "")
    assert any("needs `url" in m for line, m in errors.items() if line >= 18), errors
    assert any("needs `base_url`" in m for m in errors.values()), errors


# -- check-jsonschema over the broken configs, the examples and the corpus --------------------------------

# Compiler codes whose error the schema can say in draft-07; the README lists what only validate/lsp can see.
EXPRESSIBLE = {
    "unknown-key", "invalid-type", "out-of-range", "missing-key", "unknown-backend-type", "unsupported-capability",
    "mcp-unsupported", "mcp-server-url", "mcp-server-command", "mcp-server-name", "base-url-required",
    "model-required", "no-agents", "agent-and-agents", "root-not-mapping", "empty-config", "yaml-syntax",
    "duplicate-key", "invalid-value",
}
# invalid-value cases draft-07 cannot say: a non-finite number (no JSON value) and `format: uri` (optional to
# check in draft-07; check-jsonschema needs an extra package for it).
# a tool that depends on the model, or on a host no preset claims, is for validate alone (README); a misspelt
# top-level key is an error only because it is close to a known one: no schema can say that
NOT_EXPRESSIBLE_MESSAGES = re.compile(r"finite number|must be a URL|only with `|a provider without a preset|at the top level")


def json_path(path: str) -> tuple[str, ...]:
    """check-jsonschema's `$.agents[0].backend` as pointer parts."""
    return tuple(a or b or c for a, b, c in re.findall(r"\.([^.\[]+)|\[(\d+)\]|\['([^']*)'\]", path))


def test_check_jsonschema_catches_every_expressible_error(schema: Path) -> None:
    files = sorted((REPO / "tests" / "config" / "broken").glob("*.yaml")) + sorted(
        (REPO / "examples").glob("*.yaml")) + sorted(CORPUS.rglob("*.yaml"))
    done = subprocess.run([sys.executable, "-m", "massgen.cli", "validate", "--format", "json", *map(str, files)],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    errors: dict[str, list[dict]] = {}
    for d in json.loads(done.stdout)["diagnostics"]:
        if d["severity"] == "error":
            errors.setdefault(d["file"], []).append(d)
    checked = subprocess.run([sys.executable, "-m", "check_jsonschema", "-o", "json", "--schemafile", str(schema),
                              *map(str, files)], capture_output=True, text=True, cwd=REPO, timeout=120)
    report = json.loads(checked.stdout)
    flagged: dict[str, list[tuple[str, ...]]] = {}
    for e in report["errors"]:
        flagged.setdefault(e["filename"], []).append(json_path(e["path"]))
    for e in report["parse_errors"]:
        flagged.setdefault(e["filename"], []).append(())
    assert len(flagged) > 25  # the broken configs really are flagged
    missed, rejected = [], []
    for file in map(str, files):
        found = flagged.get(file, [])
        if not errors.get(file):
            if found:
                rejected.append(file)  # a config validate accepts must pass the schema too
            continue
        for d in errors[file]:
            if d["code"] not in EXPRESSIBLE or NOT_EXPRESSIBLE_MESSAGES.search(d["message"]):
                continue
            parts = tuple(p for p in d["path"].split("/")[1:])
            if not any(parts[:len(f)] == f for f in found):  # at the place, or on the mapping holding it
                missed.append(f"{file}: {d['code']} at {d['path']}")
    assert rejected == [] and missed == []


# -- validate --fix / --diff on the MassGen 0.1.97 corpus ---------------------------------------------------

def misspell(text: str) -> tuple[str, str, str] | None:
    """``text`` with its first backend key that has a one-letter misspelling the compiler will fix safely: the
    key's last two letters swapped. Returns (mistyped text, key, typo); None when no key qualifies."""
    from massgen.config import compile_text
    from massgen.document import load_document

    document, _ = load_document(text, "<corpus>")
    if document is None:
        return None
    for ptr, (line, column, end_line, end_column) in sorted(document.key_spans.items(), key=lambda i: i[1]):
        parts = ptr.split("/")
        if len(parts) != 5 or parts[3] != "backend" or end_line != line or len(parts[4]) < 6:
            continue
        key = parts[4]
        typo = key[:-2] + key[-1] + key[-2]
        if typo == key:
            continue
        lines = text.splitlines(keepends=True)
        written = lines[line - 1][column - 1:end_column - 1]
        if written != key:
            continue  # quoted or escaped: keep the test simple
        lines[line - 1] = lines[line - 1][:column - 1] + typo + lines[line - 1][end_column - 1:]
        mistyped = "".join(lines)
        fixes = [f for d in compile_text(mistyped, "<corpus>").diagnostics for f in d.fixes if f.safe]
        if [f.text for f in fixes] == [key]:
            return mistyped, key, typo
    return None


def test_fix_repairs_misspelt_keys_across_the_corpus(tmp_path: Path) -> None:
    """In every corpus config with a fixable key, one key misspelt: `--diff` shows the one line, `--fix` writes it
    back as it was (the rest byte for byte: comments, quotes, order), and the file has fewer errors."""
    cases = []
    for source in sorted(CORPUS.rglob("*.yaml")):
        found = misspell(source.read_text(encoding="utf-8"))
        if found is None:
            continue
        target = tmp_path / str(len(cases)) / source.name
        target.parent.mkdir()
        target.write_text(found[0], encoding="utf-8")
        cases.append((source, target, found))
    assert len(cases) > 100
    targets = [str(t) for _, t, _ in cases]

    def errors(paths: list[str]) -> int:
        done = subprocess.run([sys.executable, "-m", "massgen.cli", "validate", "--format", "json", *paths],
                              capture_output=True, text=True, cwd=REPO, timeout=120)
        return sum(d["severity"] == "error" for d in json.loads(done.stdout)["diagnostics"])

    before = errors(targets)
    diff = subprocess.run([sys.executable, "-m", "massgen.cli", "validate", "--diff", *targets],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert diff.returncode == 1
    removed = [line for line in diff.stdout.splitlines() if line.startswith("-") and not line.startswith("---")]
    assert len(removed) == len(cases)  # one changed line per file, nothing else
    assert all(Path(t).read_text(encoding="utf-8") == found[0] for _, t, found in cases)  # --diff wrote nothing

    fixed = subprocess.run([sys.executable, "-m", "massgen.cli", "validate", "--fix", *targets],
                           capture_output=True, text=True, cwd=REPO, timeout=120)
    assert fixed.stderr.count("fixed [unknown-key]") == len(cases)
    for source, target, (mistyped, key, typo) in cases:
        result = target.read_text(encoding="utf-8")
        changed = [line for line in difflib.unified_diff(mistyped.splitlines(), result.splitlines(), lineterm="", n=0)
                   if line[:1] in "+-" and line[:3] not in ("+++", "---")]
        assert len(changed) == 2 and typo in changed[0] and key in changed[1], target  # only the fixed line
        assert result == source.read_text(encoding="utf-8")  # and it is the corpus's line again
    after = errors(targets)
    assert after < before - len(cases) + 1 and after == errors([str(source) for source, _, _ in cases])


def test_fix_and_diff_leave_a_clean_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "clean.yaml"
    original = (REPO / "examples" / "three_agents.yaml").read_bytes()
    path.write_bytes(original)
    diff = subprocess.run([sys.executable, "-m", "massgen.cli", "validate", "--diff", str(path)],
                          capture_output=True, text=True, cwd=REPO, timeout=60)
    assert (diff.returncode, diff.stdout) == (0, "")
    fixed = subprocess.run([sys.executable, "-m", "massgen.cli", "validate", "--fix", str(path)],
                           capture_output=True, text=True, cwd=REPO, timeout=60)
    assert fixed.returncode == 0 and path.read_bytes() == original
    both = subprocess.run([sys.executable, "-m", "massgen.cli", "validate", "--fix", "--diff", str(path)],
                          capture_output=True, text=True, cwd=REPO, timeout=60)
    assert both.returncode == 2


def test_fix_keeps_crlf_bom_and_quotes(tmp_path: Path) -> None:
    path = tmp_path / "windows.yaml"
    text = ('# saved on Windows\r\nagents:\r\n  - id: a  # first\r\n    backend:\r\n      type: claude\r\n'
            '      model: "claude-sonnet-4-6"\r\n      \'temprature\': 0.5   # warm\r\n')
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    subprocess.run([sys.executable, "-m", "massgen.cli", "validate", "--fix", str(path)], capture_output=True,
                   cwd=REPO, timeout=60)
    assert path.read_bytes() == b"\xef\xbb\xbf" + text.replace("'temprature'", "'temperature'").encode()
