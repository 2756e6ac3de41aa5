"""A new user's first ten minutes (issue 17), each driven as a user drives it: a subprocess, or a pseudo-terminal
where the behaviour depends on one."""

from __future__ import annotations

import datetime
import json
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.catalog.test_extra_folders import BACKEND
from tests.conftest import REPO
from tests.protocol_server import ProtocolServer, Reply, protocol_server  # noqa: F401

PROVIDER_KEYS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY", "XAI_API_KEY", "ZAI_API_KEY",
                 "CEREBRAS_API_KEY")
TIMEOUT = 60
ESC = "\x1b["


def env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in PROVIDER_KEYS and k not in ("MASSGEN_DEBUG", "NO_COLOR")}
    return {**base, **extra}


def massgen(*args: str, cwd: Path = REPO, module: str = "massgen.cli", stdin: str = "",
            **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, env=env(**extra), input=stdin,
                          capture_output=True, text=True, timeout=TIMEOUT)


def in_terminal(*args: str, cwd: Path = REPO, typed: list[str] = (), **extra: str) -> tuple[int, str]:
    """Run massgen with a pseudo-terminal as stdin, stdout and stderr; type each of ``typed`` once the output so
    far ends with the prompt. Returns (exit status, everything the terminal showed)."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: exec massgen with the terminal as its streams (never return into pytest)
        try:
            os.chdir(cwd)
            os.execve(sys.executable, [sys.executable, "-m", "massgen.cli", *args],
                      env(**{"COLUMNS": "100", "LINES": "40", "PYTHONPATH": str(REPO), **extra}))
        finally:
            os._exit(127)
    shown, pending, deadline = b"", list(typed), time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the child closed the terminal: it exited
                break
            if not chunk:
                break
            shown += chunk
        if pending and shown.rstrip().endswith(b"You:"):
            os.write(fd, pending.pop(0).encode() + b"\n")
            shown += b"<typed>"  # so the same prompt is not answered twice
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace").replace("\r\n", "\n")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# 1. the interactive chat checks before its prompt -----------------------------------------------------------

def test_chat_without_a_key_fails_before_the_prompt_in_a_terminal(tmp_path: Path) -> None:
    status, shown = in_terminal("--model", "gpt-5-nano", cwd=tmp_path, typed=["hello"])
    assert status == 1
    assert "needs an API key: set OPENAI_API_KEY" in shown
    assert "You:" not in shown and "<typed>" not in shown  # no prompt: nothing was asked of the user


def test_chat_with_mock_prompts_answers_and_ends_in_a_terminal(tmp_path: Path) -> None:
    status, shown = in_terminal("--model", "gpt-5-nano", "--mock", cwd=tmp_path, typed=["What is 2+2?", "exit"])
    assert status == 0, shown
    assert "You:" in shown and "(mock of `gpt-5-nano`)" in shown and "What is 2+2?" in shown


# 2. every missing key and unset variable at once, before anything is drawn --------------------------------

def test_every_missing_key_is_reported_at_once_before_anything_is_drawn(tmp_path: Path) -> None:
    status, shown = in_terminal("run", "--config", str(REPO / "examples" / "three_agents.yaml"), "Q", cwd=tmp_path)
    assert status == 1
    for owner, variable in (("claude", "ANTHROPIC_API_KEY"), ("gpt", "OPENAI_API_KEY"), ("gemini", "GEMINI_API_KEY")):
        assert re.search(rf"agent '{owner}' \(\w+\) needs an API key: set {variable}", shown), shown
    assert "╭" not in shown and "Final answer" not in shown  # no panel was drawn
    assert not (tmp_path / ".massgen").exists()  # nothing started, so no transcript (item 10)


def test_every_unset_variable_is_reported_at_once(tmp_path: Path, protocol_server: ProtocolServer) -> None:
    config = write(tmp_path, "c.yaml", (
        "agents:\n"
        f"  - {{id: a, backend: {{type: chatcompletion, model: m, base_url: '{protocol_server.openai_base_url}', "
        "api_key: '${FIRST_UNSET_KEY}'}}\n"
        f"  - {{id: b, backend: {{type: chatcompletion, model: m, base_url: '{protocol_server.openai_base_url}', "
        "api_key: '${SECOND_UNSET_KEY}'}}\n"))
    done = massgen("run", "--config", str(config), "Q", cwd=tmp_path)
    assert done.returncode == 1
    assert "FIRST_UNSET_KEY" in done.stderr and "SECOND_UNSET_KEY" in done.stderr
    assert done.stdout == "" and protocol_server.requests == []


# 3. errors on stderr, whole lines when redirected ---------------------------------------------------------

def test_errors_go_to_stderr_unwrapped_with_the_default_display(tmp_path: Path, protocol_server: ProtocolServer) -> None:
    message = "the provider refuses this request because " + "of a long reason " * 8
    protocol_server.script(Reply.error(400, message.strip()))
    config = write(tmp_path, "c.yaml", json.dumps({"agent": {"id": "solo", "backend": {
        "type": "chatcompletion", "model": "m", "base_url": protocol_server.openai_base_url, "api_key": "k-123456"}}}))
    done = massgen("run", "--config", str(config), "Q", cwd=tmp_path)
    assert done.returncode == 1
    assert "error" not in done.stdout.lower()
    line = next(line for line in done.stderr.splitlines() if line.startswith("error:"))
    assert message.strip() in line and len(line) > 120  # one whole line, not wrapped at 80 columns


# 4. quick mode speaks in flags ----------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "expected", "unexpected"), [
    (("--model", "no-such-model", "Q"), "--backend", "type:"),
    (("--model", "m", "--backend", "chatcompletion", "Q"), "--base-url", "base_url"),
    (("--model", "gpt-5-nano", "Q"), "set OPENAI_API_KEY", "in the config"),
    (("--model", "gpt-5-nano", "--backend", "opnai", "Q"), "did you mean `openai`", "<command line>"),
], ids=["no-backend", "no-base-url", "no-key", "misspelt-backend"])
def test_quick_mode_errors_speak_in_flags(tmp_path: Path, args: tuple[str, ...], expected: str, unexpected: str) -> None:
    done = massgen(*args, cwd=tmp_path)
    assert done.returncode == 1
    assert expected in done.stderr and unexpected not in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


# 5. --help shows quick mode, whole descriptions, and imports no run or docs code --------------------------

def test_help_shows_quick_mode_and_whole_descriptions() -> None:
    done = massgen("--help", COLUMNS="200")
    assert done.returncode == 0
    for flag in ("--model MODEL", "--backend TYPE", "--base-url URL", "--mock"):
        assert flag in done.stdout
    assert "Lint configs: file:line:col diagnostics; --fix applies the safe fixes." in done.stdout
    assert "..." not in done.stdout.split("\n", 1)[1]  # no description cut off (the usage line ends in "...")


def test_help_imports_neither_the_run_nor_the_docs_code() -> None:
    code = ("import sys\nfrom massgen.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print('\\n' + ' '.join(sorted(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=TIMEOUT)
    modules = set(done.stdout.splitlines()[-1].split())
    assert "massgen.cli" in modules and "click" in modules
    loaded = {m for m in modules if m.startswith(("massgen.cli.run_cmd", "massgen.cli.docs_cmd", "massgen.docs",
                                                   "massgen.engine", "massgen.config", "jinja2", "rich", "httpx"))}
    assert loaded == set()


# 6. a tab in the indentation ------------------------------------------------------------------------------

def test_a_tab_in_the_indentation_is_named_and_shown(tmp_path: Path) -> None:
    config = write(tmp_path, "tabs.yaml", "agents:\n  - id: a\n    backend:\n\t  type: openai\n")
    done = massgen("validate", str(config))
    assert done.returncode == 1
    assert "tabs.yaml:4:1: error [yaml-syntax]" in done.stdout
    assert "a tab character" in done.stdout and "spaces" in done.stdout
    assert "cannot start any token" not in done.stdout
    assert "    4 | \\t  type: openai" in done.stdout  # the tab is visible in the snippet


# 7. misspelt top-level keys and MassGen V1 configs --------------------------------------------------------

def test_a_misspelt_top_level_key_is_an_error_an_unknown_one_a_warning(tmp_path: Path) -> None:
    agent = "agent: {id: a, backend: {type: openai, model: gpt-5-nano}}\n"
    misspelt = massgen("validate", str(write(tmp_path, "a.yaml", agent + "orchestator: {voting_sensitivity: strict}\n")))
    assert misspelt.returncode == 1
    assert "error [unknown-key] unknown key `orchestator`" in misspelt.stdout
    assert "did you mean `orchestrator`?" in misspelt.stdout
    unknown = massgen("validate", str(write(tmp_path, "b.yaml", agent + "my_notes: anything\n")))
    assert unknown.returncode == 0 and "warning [unknown-key] unknown key `my_notes`" in unknown.stdout


def test_a_massgen_v1_config_gets_one_clear_message(tmp_path: Path) -> None:
    config = write(tmp_path, "v1.yaml", "num_agents: 2\nmodels: [gpt-4o, gemini-2.5-flash]\nmax_rounds: 3\n")
    done = massgen("validate", str(config))
    assert done.returncode == 1
    assert done.stdout.count("error [") == 1 and "[legacy-config]" in done.stdout and "V1" in done.stdout
    assert "did you mean" not in done.stdout


# 8. NO_COLOR, terminal width, panel order -----------------------------------------------------------------

def test_no_color_is_honoured_in_a_terminal(tmp_path: Path) -> None:
    config = write(tmp_path, "c.yaml", "agent: {id: a, backend: {type: openai, model: gpt-5-nano, temprature: 1}}\n")
    _, coloured = in_terminal("validate", str(config))
    _, plain = in_terminal("validate", str(config), NO_COLOR="1")
    assert ESC in coloured and "unknown key" in coloured
    assert ESC not in plain and "unknown key" in plain


def test_backends_show_is_wrapped_to_the_terminal() -> None:
    status, shown = in_terminal("backends", "show", "openai", COLUMNS="80")
    assert status == 0
    models = shown[shown.index("Models:"):shown.index("Protocol:")]
    assert "gpt-4o-mini" in models and len(models.splitlines()) > 1
    assert all(len(line) <= 80 for line in models.splitlines())
    redirected = massgen("backends", "show", "openai")
    assert len(next(line for line in redirected.stdout.splitlines() if line.startswith("Models:"))) > 80


def test_agents_panels_follow_the_config_order(tmp_path: Path) -> None:
    config = write(tmp_path, "c.yaml", "agents:\n"
                   "  - {id: zeta, backend: {type: openai, model: gpt-5-nano}}\n"
                   "  - {id: alpha, backend: {type: claude, model: claude-haiku-4-5}}\n")
    status, shown = in_terminal("run", "--config", str(config), "--mock", "--no-logs", "Q", cwd=tmp_path)
    assert status == 0, shown
    last_panels = shown[shown.rindex("zeta (agent2)") - 400:]
    assert last_panels.index("zeta (agent2)") < last_panels.index("alpha (agent1)")


# 9. python -m massgen, MassGen's flags --------------------------------------------------------------------

def test_python_dash_m_massgen_works() -> None:
    done = massgen("--version", module="massgen")
    assert done.returncode == 0 and done.stdout.startswith("massgen, version")


def test_massgen_s_debug_and_no_logs_flags_are_accepted(tmp_path: Path) -> None:
    done = massgen("--model", "gpt-5-nano", "--mock", "--debug", "--no-logs", "--automation", "Q", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "(mock of `gpt-5-nano`)" in done.stdout
    assert "DEBUG" in done.stderr  # --debug: the debug log on stderr
    assert not (tmp_path / ".massgen").exists() and "transcript:" not in done.stderr  # --no-logs


@pytest.mark.parametrize("flag", ["--web", "--logfire"])
def test_massgen_flags_without_a_meaning_here_say_so(tmp_path: Path, flag: str) -> None:
    done = massgen("--model", "gpt-5-nano", flag, "Q", cwd=tmp_path)
    assert done.returncode == 2
    assert f"{flag} is a MassGen option this runtime does not support" in done.stderr


# 10. transcripts only for runs that started, and said where -----------------------------------------------

def test_a_run_that_asked_says_where_its_transcript_is(tmp_path: Path) -> None:
    done = massgen("--model", "gpt-5-nano", "--mock", "Q", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    files = list((tmp_path / ".massgen" / "sessions").glob("*.jsonl"))
    assert len(files) == 1
    assert f"transcript: {files[0].relative_to(tmp_path)}" in done.stderr


def test_a_run_that_fails_before_asking_leaves_no_transcript(tmp_path: Path) -> None:
    config = write(tmp_path, "c.yaml", json.dumps({"agent": {"id": "a", "backend": {
        "type": "openai", "model": "gpt-5-nano", "mock": True,
        "mcp_servers": [{"name": "gone", "type": "stdio", "command": "no-such-mcp-server-command"}]}}}))
    done = massgen("run", "--config", str(config), "Q", cwd=tmp_path)
    assert not (tmp_path / ".massgen").exists()
    assert "transcript:" not in done.stderr


# 11. a model retiring within 30 days is a warning, always shown -------------------------------------------

def test_a_model_retiring_soon_is_a_warning_without_verbose(tmp_path: Path) -> None:
    soon = (datetime.date.today() + datetime.timedelta(days=10)).isoformat()
    later = (datetime.date.today() + datetime.timedelta(days=300)).isoformat()
    folder = tmp_path / "extra"
    folder.mkdir()
    (folder / "oldgpt.yaml").write_text(BACKEND.replace("type: localgpt", "type: oldgpt")
                                        + f'model_retirements: {{oldgpt-1: "{soon}", oldgpt-2: "{later}"}}\n'
                                        + "model_retirements_source: https://example.com/oldgpt/deprecations\n")
    config = write(tmp_path, "c.yaml", "agents:\n  - {id: a, backend: {type: oldgpt, model: oldgpt-1}}\n"
                   "  - {id: b, backend: {type: oldgpt, model: oldgpt-2}}\n")
    done = massgen("validate", "--catalog", str(folder), str(config))
    assert done.returncode == 0
    assert f"warning [model-retiring] `oldgpt-1` will be retired on {soon}" in done.stdout, done.stdout
    assert "oldgpt-2" not in done.stdout  # months away: info, shown with -v
    assert f"info [model-retiring] `oldgpt-2` will be retired on {later}" in massgen(
        "validate", "-v", "--catalog", str(folder), str(config)).stdout


# 12. the tests without ../shared ---------------------------------------------------------------------------

def test_the_tests_without_the_shared_folder_stop_with_one_clear_message(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    (checkout / "tests").mkdir(parents=True)
    shutil.copy(REPO / "tests" / "conftest.py", checkout / "tests" / "conftest.py")
    (checkout / "tests" / "test_nothing.py").write_text("def test_nothing():\n    pass\n")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=checkout,
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 4  # pytest's usage error
    output = done.stdout + done.stderr
    assert str(tmp_path / "shared") in output and "README.md" in output
    assert "IndexError" not in output and "Traceback" not in output
