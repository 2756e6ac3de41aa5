"""``enable_mcp_command_line``: a shell-command tool, named as MassGen's ``command_line`` server names it.

``local`` mode runs the command with the shell in the agent's cwd; ``docker`` mode runs it in a throw-away
container with the cwd mounted at ``/workspace``, through the Docker CLI. Before anything runs, every
command of the line (see ``shell_commands``: after ``;``, ``&&``, pipes, inside subshells and ``$( )``,
behind ``sudo``/``env``/``xargs``...) is checked against ``command_line_allowed_commands`` /
``command_line_blocked_commands``: regular expressions matched at the start of the command, as MassGen
does, written either with the program's basename (``rm -rf .*`` also stops ``/bin/rm -rf x``) or as the
command was written. A blocked pattern also stops a line that starts with it. The lists guard against
mistakes, not against an adversary: ``shell_commands`` says what they cannot see; docker mode contains.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..conversation import ToolSpec
from ..errors import MassGenError
from ..mcp.filtering import offered_name
from ..toolset import Tool, ToolOutcome
from .paths import PathGuard
from .shell_commands import Command, UnreadableCommand, commands

SERVER, TOOL = "command_line", "execute_command"
MAX_OUTPUT_BYTES = 64 * 1024
DEFAULT_IMAGE = "python:3.11-slim"
_DOCKER_PROBE_TIMEOUT = 15.0


class DockerUnavailable(MassGenError):
    pass


@dataclass(slots=True)
class CommandPolicy:
    allowed: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def refusal(self, line: str) -> str | None:
        """Why ``line`` may not run, or None. Nothing is parsed when neither list is set."""
        if not (self.allowed or self.blocked):
            return None
        stripped = line.strip()
        try:
            found = commands(stripped)
        except UnreadableCommand as exc:
            return f"command refused: {exc}, so command_line_allowed_commands/blocked_commands cannot check it"
        dynamic = next((c for c in found if c.dynamic), None)
        if dynamic is not None:
            return (f"command refused: the program {dynamic.words[0]!r} is only known when the line runs, so "
                    "command_line_allowed_commands/blocked_commands cannot check it; name the program directly")
        for pattern in self.blocked:
            hit = next((c for c in found if _matches([pattern], c)), None)
            if hit is not None or re.match(pattern, stripped):
                what = f"{hit.words[0]!r} " if hit is not None else ""
                return f"command refused: {what}matches command_line_blocked_commands pattern {pattern!r}"
        if self.allowed:
            denied = next((c for c in found if not _matches(self.allowed, c)), None)
            if denied is not None:
                return (f"command refused: {' '.join(denied.words)!r} matches none of command_line_allowed_commands "
                        f"({', '.join(self.allowed)})")
        return None


def _matches(patterns: list[str], command: Command) -> bool:
    return any(re.match(pattern, form) for pattern in patterns for form in command.forms())


@dataclass(slots=True)
class DockerSandbox:
    """Where docker mode runs a command: a fresh container of ``image`` with the cwd at /workspace."""

    image: str = DEFAULT_IMAGE
    network: str = "none"
    memory: str | None = None
    cpus: str | None = None

    def argv(self, host_cwd: Path, inside: str, command: str) -> list[str]:
        argv = ["docker", "run", "--rm", "--network", self.network, "-v", f"{host_cwd}:/workspace", "-w", inside]
        if self.memory:
            argv += ["--memory", self.memory]
        if self.cpus:
            argv += ["--cpus", self.cpus]
        return [*argv, self.image, "sh", "-c", command]


async def check_docker() -> None:
    """Fail early, before the model is asked anything, when docker mode cannot run a single command."""
    try:
        process = await asyncio.create_subprocess_exec(
            "docker", "info", "--format", "{{.ServerVersion}}",
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
    except FileNotFoundError:
        raise DockerUnavailable(
            "command_line_execution_mode: docker needs the Docker CLI, which is not installed; "
            "install Docker or use command_line_execution_mode: local"
        ) from None
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), _DOCKER_PROBE_TIMEOUT)
    except asyncio.TimeoutError:
        process.kill()
        await process.wait()
        stderr = b"docker info did not answer in time"
    if process.returncode != 0:
        detail = next((line for line in stderr.decode(errors="replace").splitlines() if line.strip()), "")
        raise DockerUnavailable(
            "command_line_execution_mode: docker needs a running Docker engine, but none is reachable "
            f"({detail.strip()}); start Docker or use command_line_execution_mode: local"
        )


@dataclass(slots=True)
class CommandLine:
    guard: PathGuard
    policy: CommandPolicy
    timeout: float  # seconds; command_line_timeout (its default: capabilities/parameters.yaml)
    max_output: int = MAX_OUTPUT_BYTES
    docker: DockerSandbox | None = None  # None: local mode

    def tool(self) -> Tool:
        spec = ToolSpec(
            offered_name(SERVER, TOOL),
            f"Run a shell command in the working directory (timeout {self.timeout:g}s). "
            "Returns the exit code, stdout and stderr.",
            {
                "type": "object",
                "properties": {
                    "command": {"type": "string", "description": "The shell command to run"},
                    "work_dir": {"type": "string", "description": "Sub-directory of the working directory"},
                },
                "required": ["command"],
            },
        )
        return Tool(spec, self.execute)

    async def execute(self, args: dict[str, Any]) -> ToolOutcome:
        command = str(args.get("command") or "")
        refusal = self.policy.refusal(command) if command.strip() else "command refused: it is empty"
        if refusal:
            return ToolOutcome(refusal, is_error=True)
        work_dir = self.guard.resolve(str(args.get("work_dir") or "."))
        if self.docker is None:
            return await self._run(["/bin/sh", "-c", command], str(work_dir))
        if not work_dir.is_relative_to(self.guard.cwd):
            return ToolOutcome("docker mode runs commands inside the working directory only", is_error=True)
        relative = work_dir.relative_to(self.guard.cwd).as_posix()
        inside = "/workspace" if relative == "." else f"/workspace/{relative}"
        return await self._run(self.docker.argv(self.guard.cwd, inside, command), None)

    async def _run(self, argv: list[str], cwd: str | None) -> ToolOutcome:
        started = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            *argv,
            cwd=cwd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,  # its own process group, so a timeout kills the whole pipeline
        )
        try:
            stdout, stderr = await asyncio.wait_for(process.communicate(), self.timeout)
        except asyncio.TimeoutError:
            _kill_group(process.pid)
            await process.wait()
            return ToolOutcome(f"command timed out after {self.timeout:g}s and was killed", is_error=True)
        except asyncio.CancelledError:
            _kill_group(process.pid)
            raise
        lines = [f"exit code: {process.returncode} ({time.monotonic() - started:.1f}s)"]
        for label, data in (("stdout", stdout), ("stderr", stderr)):
            if data:
                lines.append(f"{label}:\n{self._limit(data)}")
        return ToolOutcome("\n".join(lines), is_error=process.returncode != 0)

    def _limit(self, data: bytes) -> str:
        text = data[: self.max_output].decode("utf-8", errors="replace")
        return text + (f"\n... (truncated, {len(data)} bytes in all)" if len(data) > self.max_output else "")


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
