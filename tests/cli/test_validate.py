"""`massgen validate` and `massgen schema` as a user runs them: a real subprocess for exit codes and
output, click's runner for the text snapshots."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from massgen.cli import main
from tests.conftest import REPO

BROKEN = REPO / "tests" / "config" / "broken"
EXAMPLES = REPO / "examples"
CONTRACT_FIELDS = {"file", "line", "column", "end_line", "end_column", "severity", "code", "message", "path", "hint"}


def massgen(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "massgen.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=60)


def test_examples_are_clean() -> None:
    done = massgen("validate", "examples/")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 errors, 0 warnings" in done.stdout


def test_json_contract() -> None:
    done = massgen("validate", "--format", "json", str(BROKEN / "unknown-key.yaml"))
    assert done.returncode == 1
    diagnostics = json.loads(done.stdout)["diagnostics"]
    assert all(set(d) == CONTRACT_FIELDS for d in diagnostics)
    assert diagnostics[0]["code"] == "api-key-source" and diagnostics[0]["severity"] == "info"
    first = diagnostics[1]
    assert (first["line"], first["column"], first["code"], first["severity"]) == (10, 7, "unknown-key", "error")
    assert first["path"] == "/agents/0/backend/enable_websearch"
    assert first["hint"] == "did you mean `enable_web_search`?"
    assert (first["end_line"], first["end_column"]) == (10, 23)


def test_github_annotations() -> None:
    done = massgen("validate", "--format", "github", str(BROKEN / "out-of-range.yaml"))
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"::error file={BROKEN / 'out-of-range.yaml'},line=8,col=20,endLine=8,endColumn=23,"
                               "title=out-of-range::`temperature` must be at most 1, got 1.5")
    assert len(lines) == 2


def test_warnings_pass_unless_strict() -> None:
    path = str(BROKEN / "env-and-keys.yaml")
    assert massgen("validate", path).returncode == 0
    strict = massgen("validate", "--strict", "--format", "json", path)
    assert strict.returncode == 1
    assert {d["severity"] for d in json.loads(strict.stdout)["diagnostics"]} == {"error", "info"}  # info stays info


@pytest.mark.parametrize(
    "args",
    [(), ("no/such/file.yaml",), ("--format", "xml", "examples/"), ("tests/cli",)],
    ids=["no-files", "missing-file", "unknown-format", "folder-without-yaml"],
)
def test_usage_errors_exit_2(args: tuple[str, ...], tmp_path: Path) -> None:
    if args == ("tests/cli",):
        args = (str(tmp_path),)
    done = massgen("validate", *args)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "Error" in done.stderr


def test_folder_is_searched_and_all_files_reported() -> None:
    done = massgen("validate", "--format", "json", str(BROKEN))
    assert done.returncode == 1
    files = {Path(d["file"]).name for d in json.loads(done.stdout)["diagnostics"]}
    assert files == {p.name for p in BROKEN.glob("*.yaml")}


def test_no_color_when_not_a_tty() -> None:
    done = massgen("validate", str(BROKEN / "unknown-model.yaml"))
    assert "\x1b[" not in done.stdout


@pytest.mark.parametrize("name", ["unknown-key", "mcp-servers", "invalid-type", "env-and-keys", "out-of-range"])
def test_text_output(name: str, snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cases worded by the compiler: not by catalog hints that evolve, nor by the YAML parser (C or pure)."""
    monkeypatch.chdir(BROKEN)  # relative file names keep the snapshot independent of the checkout path
    result = CliRunner().invoke(main, ["validate", "--verbose", f"{name}.yaml"])
    assert result.exit_code == (0 if name == "env-and-keys" else 1)  # that one has warnings only
    assert result.output == snapshot


def test_schema_command_prints_draft07() -> None:
    done = massgen("schema")
    assert done.returncode == 0
    document = json.loads(done.stdout)
    assert document["$schema"] == "http://json-schema.org/draft-07/schema#"
    claude = document["definitions"]["backend_claude"]["properties"]
    assert claude["temperature"]["maximum"] == 1
    assert claude["temperature"]["description"]


def test_catalog_option_adds_a_provider(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    (catalog / "acme.yaml").write_text(
        "name: acme\ntitle: Acme\nbase_url: https://api.acme.example/v1\nurl_match: [acme.example]\n"
        "api_key_env: [ACME_API_KEY]\n"
    )
    config = tmp_path / "config.yaml"
    config.write_text("agent:\n  id: a\n  backend: {type: acme, model: acme-1, temperature: 0.2}\n")
    assert massgen("validate", str(config)).returncode == 1  # unknown without the folder
    done = massgen("validate", "--catalog", str(catalog), "--format", "json", str(config))
    assert done.returncode == 0, done.stdout + done.stderr
    (only,) = json.loads(done.stdout)["diagnostics"]
    assert (only["code"], only["message"]) == ("api-key-source", "API key: the environment variable ACME_API_KEY")


def reported_files(result) -> set[str]:
    return {Path(d["file"]).name for d in json.loads(result.output)["diagnostics"]}


def test_folder_search_skips_hidden_folders_and_node_modules(tmp_path: Path) -> None:
    """`massgen validate .` in a project reads its configs, not CI workflows nor npm packages' YAML."""
    broken = "agents: not-a-list\n"
    for name in ["configs/upper.YAML", "configs/mixed.Yml", "configs/.hidden.yaml", ".github/workflows/ci.yml",
                 "node_modules/pkg/FUNDING.yml", ".ci/node/node_modules/pkg/FUNDING.yml", "configs/notes.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(broken)
    runner = CliRunner()
    result = runner.invoke(main, ["validate", "--format", "json", str(tmp_path)])
    assert result.exit_code == 1
    assert reported_files(result) == {"upper.YAML", "mixed.Yml"}
    # Named on the command line, a hidden folder or a file under node_modules is checked all the same.
    named = runner.invoke(main, ["validate", "--format", "json", str(tmp_path / ".github"),
                                 str(tmp_path / "node_modules" / "pkg" / "FUNDING.yml")])
    assert reported_files(named) == {"ci.yml", "FUNDING.yml"}


def test_each_file_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The snippets quote the text that was checked: the report does not read the file a second time."""
    reads: list[str] = []
    original = Path.open  # under read_bytes and read_text

    def counted(self, *args, **kwargs):
        if self.name == "out-of-range.yaml":
            reads.append(str(self))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", counted)
    result = CliRunner().invoke(main, ["validate", str(BROKEN / "out-of-range.yaml")])
    assert "      temperature: 1.5" in result.output
    assert len(reads) == 1
