"""Docker mode of the command line (``command_line_execution_mode: docker``): one long-lived container per agent
for the run, a ``docker exec`` per command, removed at the end; sudo honoured.

No Docker engine runs here, but the docker client does: it parses the commands we build with its own argument
parser and sends the Engine API calls they mean to ``fake_docker_engine`` (a stand-in engine on loopback),
where the tests read them.
"""

from __future__ import annotations

import os
import shutil
import socket
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from massgen.events import ToolCall
from massgen.mcp.filtering import ToolFilter
from massgen.tools import DockerUnavailable, builtin_tools
from tests.agent.plans import tools_plan
from tests.protocol_server import Call, ProtocolServer, Turn, protocol_server  # noqa: F401
from tests.runtimes.fake_docker_engine import FakeEngine
from tests.runtimes.test_massgen_run import KEY, run_massgen

pytestmark = pytest.mark.skipif(shutil.which("docker") is None, reason="the docker CLI is not installed")
EXECUTE = "mcp__command_line__execute_command"
DOCKER = {"enable_mcp_command_line": True, "command_line_execution_mode": "docker", "command_line_docker_image": "alpine:3.20"}


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch):
    with FakeEngine() as fake:
        monkeypatch.setenv("DOCKER_HOST", fake.host)
        yield fake


def creates(engine: FakeEngine) -> list:
    return [c for c in engine.calls if c.path == "/containers/create"]


@pytest.mark.anyio
async def test_one_container_serves_every_command_and_is_removed_at_the_end(engine: FakeEngine, tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    backend = {**DOCKER, "command_line_docker_memory_limit": "1g", "command_line_docker_cpu_limit": 2,
               "command_line_docker_network_mode": "bridge", "command_line_timeout": 30}
    async with AsyncExitStack() as stack:
        tools = await builtin_tools(tools_plan(tmp_path, **backend), ToolFilter(), skip_servers=set(), stack=stack)
        first = await tools.run(ToolCall("1", EXECUTE, {"command": "echo one > one.txt"}))
        second = await tools.run(ToolCall("2", EXECUTE, {"command": "cat ../one.txt", "work_dir": "sub"}))
        assert len(engine.containers) == 1  # alive between the commands
    assert not first.is_error and '"sh", "-c", "echo one > one.txt"' in first.content
    assert not second.is_error
    (create,) = creates(engine)
    body, host = create.body, create.body["HostConfig"]
    assert (body["Image"], body["Cmd"], body["WorkingDir"]) == ("alpine:3.20", ["sleep", "infinity"], "/workspace")
    assert host["Binds"] == [f"{tmp_path.resolve()}:/workspace"] and host["NetworkMode"] == "bridge"
    assert (host["Memory"], host["NanoCpus"]) == (1024**3, 2 * 10**9)
    # sudo off (MassGen's default): the host user, and nothing may gain privileges
    assert body["User"] == f"{os.getuid()}:{os.getgid()}" and host["SecurityOpt"] == ["no-new-privileges"]
    name = create.query["name"][0]
    execs = [c for c in engine.calls if c.path == f"/containers/{name}/exec"]
    assert [e.body["WorkingDir"] for e in execs] == ["/workspace", "/workspace/sub"]
    assert execs[0].body["Cmd"] == ["timeout", "-s", "KILL", "30", "sh", "-c", "echo one > one.txt"]
    assert [c.method for c in engine.calls if c.path == f"/containers/{name}"] == ["DELETE"]  # removed at the end
    assert engine.containers == {}


@pytest.mark.anyio
async def test_sudo_runs_commands_as_the_container_s_root(engine: FakeEngine, tmp_path: Path) -> None:
    async with AsyncExitStack() as stack:
        await builtin_tools(tools_plan(tmp_path, **DOCKER, command_line_docker_enable_sudo=True), ToolFilter(),
                            skip_servers=set(), stack=stack)
    (create,) = creates(engine)
    assert create.body["User"] == "" and not create.body["HostConfig"].get("SecurityOpt")


@pytest.mark.anyio
async def test_no_engine_is_a_clear_error_before_any_container(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("DOCKER_HOST", f"tcp://127.0.0.1:{port}")
    async with AsyncExitStack() as stack:
        with pytest.raises(DockerUnavailable, match="needs a running Docker engine.*use command_line_execution_mode: local"):
            await builtin_tools(tools_plan(tmp_path, **DOCKER), ToolFilter(), skip_servers=set(), stack=stack)


def test_a_run_keeps_one_container_per_agent_and_removes_it(engine: FakeEngine, protocol_server: ProtocolServer,
                                                            tmp_path: Path) -> None:
    protocol_server.script(
        Turn(tool_calls=[Call(EXECUTE, {"command": "pip install --user rich"})]),
        Turn(tool_calls=[Call(EXECUTE, {"command": "python -c 'import rich'"})]),
        Turn(text="Installed and imported."),
    )
    config = {"agents": [{"id": "boxed", "backend": {
        "type": "chatcompletion", "model": "m", "base_url": protocol_server.openai_base_url, "api_key": KEY,
        "cwd": "ws", **DOCKER}}]}
    code, events, stderr = run_massgen(config, "Install rich, then import it", tmp_path)
    assert code == 0, stderr
    results = [e for e in events if e["type"] == "tool_result"]
    assert len(results) == 2 and not any(r["is_error"] for r in results)
    (create,) = creates(engine)  # both commands in the same container: what the first installs, the second has
    name = create.query["name"][0]
    assert len([c for c in engine.calls if c.path == f"/containers/{name}/exec"]) == 2
    assert engine.containers == {}  # removed when the run ended
    assert events[-1]["content"] == "Installed and imported."
