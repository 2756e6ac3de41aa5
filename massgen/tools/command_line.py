"""``enable_mcp_command_line``: a shell-command tool, named as MassGen's ``command_line`` server names it.

``local`` mode runs the command with the shell in the agent's cwd; ``docker`` mode runs it, through the Docker
CLI, in one long-lived container per agent (as MassGen does): started when the agent's tools open, with the cwd
mounted at ``/workspace``, used by every command of the run (``docker exec``), removed when the run ends.
Before anything runs, every command of the line (see ``shell_commands``: after ``;``, ``&&``, pipes, inside
subshells and ``$( )``, behind ``sudo``/``env``/``xargs``...) is checked against
``command_line_allowed_commands`` / ``command_line_blocked_commands``: regular expressions matched at the start
of the command, as MassGen does, written either with the program's basename (``rm -rf .*`` also stops
``/bin/rm -rf x``) or as the command was written. A blocked pattern also stops a line that starts with it. The
lists guard against mistakes, not against an adversary: ``shell_commands`` says what they cannot see; docker
mode contains.
"""

from __future__ import annotations

import asyncio
import math
import os
import re
import signal
import time
import uuid
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
_DOCKER_START_TIMEOUT = 300.0  # docker run may pull the image first
_EXEC_GRACE = 10.0  # docker exec's own start-up and exit, beyond the command's timeout


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
    """One agent's container for docker mode: ``image`` with the cwd at /workspace, alive for the whole run.

    Without ``sudo`` (``command_line_docker_enable_sudo: false``, MassGen's default) commands run as the host
    user, with ``no-new-privileges`` so that neither sudo nor a setuid binary can make them root, and files
    they write belong to the host user; with it they run as the container's root. Each command runs under
    ``timeout -s KILL`` inside the container, so a command that runs too long dies there too.
    """

    image: str = DEFAULT_IMAGE
    network: str = "none"
    memory: str | None = None
    cpus: str | None = None
    sudo: bool = False
    name: str = field(default_factory=lambda: f"massgen-command-line-{uuid.uuid4().hex[:12]}")
    started: bool = False

    def run_argv(self, host_cwd: Path) -> list[str]:
        """``docker run``: the detached container that waits for commands."""
        argv = ["docker", "run", "--detach", "--name", self.name, "--label", "massgen.command_line=1",
                "--network", self.network, "--volume", f"{host_cwd}:/workspace", "--workdir", "/workspace"]
        if self.memory:
            argv += ["--memory", self.memory]
        if self.cpus:
            argv += ["--cpus", self.cpus]
        if not self.sudo:
            argv += ["--user", f"{os.getuid()}:{os.getgid()}", "--security-opt", "no-new-privileges",
                     "--env", "HOME=/tmp"]
        return [*argv, self.image, "sleep", "infinity"]

    def exec_argv(self, inside: str, command: str, timeout: float) -> list[str]:
        """``docker exec``: one command in the running container, killed inside after ``timeout`` seconds."""
        limit = str(max(1, math.ceil(timeout)))
        return ["docker", "exec", "--workdir", inside, self.name, "timeout", "-s", "KILL", limit, "sh", "-c", command]

    def remove_argv(self) -> list[str]:
        return ["docker", "rm", "--force", self.name]

    async def start(self, host_cwd: Path) -> None:
        """Start the container (pulling the image if needed); a clear DockerUnavailable when that fails."""
        code, _, stderr = await _docker(self.run_argv(host_cwd), _DOCKER_START_TIMEOUT)
        if code != 0:
            raise DockerUnavailable(f"command_line_execution_mode: docker could not start a {self.image} container "
                                    f"({_first_line(stderr)}); check command_line_docker_image, or use local mode")
        self.started = True

    async def stop(self) -> None:
        """Remove the container and everything in it but the mounted workspace."""
        if self.started:
            self.started = False
            await _docker(self.remove_argv(), _DOCKER_PROBE_TIMEOUT)


async def _docker(argv: list[str], timeout: float) -> tuple[int, bytes, bytes]:
    """Run one docker CLI command to its end (killed after ``timeout`` seconds): (exit code, stdout, stderr)."""
    process = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout)
    except asyncio.TimeoutError:
        process.kill()
        await process.wait()
        return -1, b"", f"{argv[1]} did not answer in {timeout:g} s".encode()
    return process.returncode or 0, stdout, stderr


def _first_line(data: bytes) -> str:
    return next((line.strip() for line in data.decode(errors="replace").splitlines() if line.strip()), "no detail")


async def check_docker() -> None:
    """Fail early, before the model is asked anything, when docker mode cannot run a single command."""
    try:
        code, _, stderr = await _docker(["docker", "info", "--format", "{{.ServerVersion}}"], _DOCKER_PROBE_TIMEOUT)
    except FileNotFoundError:
        raise DockerUnavailable(
            "command_line_execution_mode: docker needs the Docker CLI, which is not installed; "
            "install Docker or use command_line_execution_mode: local"
        ) from None
    if code != 0:
        raise DockerUnavailable(
            "command_line_execution_mode: docker needs a running Docker engine, but none is reachable "
            f"({_first_line(stderr)}); start Docker or use command_line_execution_mode: local"
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
        started = time.monotonic()
        outcome = await self._run(self.docker.exec_argv(inside, command, self.timeout), None, grace=_EXEC_GRACE)
        if _killed_inside(outcome) and time.monotonic() - started >= self.timeout:  # `timeout -s KILL` ended it
            return ToolOutcome(f"command timed out after {self.timeout:g}s and was killed", is_error=True)
        return outcome

    async def _run(self, argv: list[str], cwd: str | None, *, grace: float = 0.0) -> ToolOutcome:
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
            stdout, stderr = await asyncio.wait_for(process.communicate(), self.timeout + grace)
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


def _killed_inside(outcome: ToolOutcome) -> bool:
    return outcome.is_error and outcome.content.startswith("exit code: 137 ")  # 128 + SIGKILL, from timeout -s KILL


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
