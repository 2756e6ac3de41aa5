"""The command-line policy checks every command of a shell line, by basename, through the real tool: a
refused line never runs (its marker file is never written), an allowed one does."""

from __future__ import annotations

from pathlib import Path

import pytest

from massgen.events import ToolCall
from massgen.mcp import ToolFilter
from massgen.tools import builtin_tools
from massgen.tools.shell_commands import commands
from tests.agent.plans import tools_plan

pytestmark = pytest.mark.anyio

BLOCKED = ["rm\\b", "sudo\\b"]


async def run(cwd: Path, command: str, **policy: list[str]) -> tuple[bool, str]:
    tools = await builtin_tools(tools_plan(cwd, enable_mcp_command_line=True, **policy), ToolFilter(), skip_servers=set())
    outcome = await tools.run(ToolCall("c", "mcp__command_line__execute_command", {"command": command}))
    return outcome.is_error, outcome.content


@pytest.mark.parametrize("line", [
    "rm victim",
    "true; rm victim",
    "true && rm victim",
    "false || rm victim",
    "/bin/rm victim",
    "\\rm victim",
    "r''m victim",
    "'/usr/bin/rm' victim",
    "echo ok | rm victim",
    "(rm victim)",
    "{ rm victim; }",
    "echo $(rm victim)",
    'echo "$(rm victim)"',
    "echo `rm victim`",
    "cat <(rm victim)",
    "FORCE=1 rm victim",
    "env FORCE=1 rm victim",
    "sudo rm victim",
    "timeout 5 rm victim",
    "nice -n 5 rm victim",
    "echo victim | xargs rm",
    "find . -name victim -exec rm {} +",
    "sh -c 'rm victim'",
    "bash -c \"true; rm victim\"",
    "eval 'rm victim'",
    "if true; then rm victim; fi",
    "for f in victim; do rm $f; done",
    "true\nrm victim",
    "2>/dev/null rm victim",
    "$(printf rm) victim",
    "R=rm; $R victim",
])
async def test_a_blocked_command_anywhere_in_the_line_is_refused(tmp_path: Path, line: str) -> None:
    (tmp_path / "victim").write_text("still here")
    refused, message = await run(tmp_path, line, command_line_blocked_commands=BLOCKED)
    assert refused and message.startswith("command refused:"), message
    assert (tmp_path / "victim").exists()


@pytest.mark.parametrize("line", ["echo rm is only a word", "ls -la | grep rm", "echo 'rm victim' > note.txt",
                                  "git rm --help >/dev/null 2>&1; echo done"])
async def test_a_line_that_only_mentions_a_blocked_word_runs(tmp_path: Path, line: str) -> None:
    (tmp_path / "victim").write_text("still here")
    refused, message = await run(tmp_path, line, command_line_blocked_commands=BLOCKED)
    assert "command refused" not in message
    assert (tmp_path / "victim").exists()


async def test_every_command_of_the_line_must_be_allowed(tmp_path: Path) -> None:
    allowed = {"command_line_allowed_commands": ["echo\\b", "ls\\b"]}
    assert not (await run(tmp_path, "echo a; ls", **allowed))[0]
    refused, message = await run(tmp_path, "echo a; touch made", **allowed)
    assert refused and "'touch made' matches none of command_line_allowed_commands" in message
    assert not (tmp_path / "made").exists()
    refused, message = await run(tmp_path, "echo $(touch made)", **allowed)
    assert refused and not (tmp_path / "made").exists()


async def test_a_line_that_cannot_be_read_is_refused_when_a_list_is_set(tmp_path: Path) -> None:
    refused, message = await run(tmp_path, "echo 'unclosed; rm victim", command_line_blocked_commands=BLOCKED)
    assert refused and "No closing quotation" in message
    refused, message = await run(tmp_path, "echo 'unclosed")  # no list: the shell itself reports the error
    assert refused and "command refused" not in message and "exit code: 2" in message


def test_commands_are_named_by_basename_without_prefixes_or_redirections() -> None:
    found = commands("A=1 /usr/bin/env B=2 /bin/rm -f x > log 2>&1 && sudo -u root ls")
    assert [(c.name, c.words) for c in found] == [
        ("env", ("/usr/bin/env", "B=2", "/bin/rm", "-f", "x")), ("rm", ("/bin/rm", "-f", "x")),
        ("sudo", ("sudo", "-u", "root", "ls")), ("ls", ("ls",))]
    assert found[1].forms() == ("rm -f x", "/bin/rm -f x")
