"""AG2's code executors from YAML: Jupyter with a real local kernel started for the run (``massgen[ag2-jupyter]``,
installed by scripts/test.sh), Docker and YepCode with clear errors where they cannot run, over the loopback
Chat Completions server that AG2's own OpenAI client talks to."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from massgen.backend import create_backend
from massgen.conversation import Message
from massgen.errors import ConfigError
from massgen.events import ToolResult
from tests.protocol_server import ProtocolServer, Turn, protocol_server  # noqa: F401
from tests.runtimes.test_ag2 import coder_config, collect, spec_for

pytest.importorskip("autogen", reason="ag2 is not installed (pip install 'massgen[ag2]')")


def kernel_gateways() -> set[int]:
    """Process ids of running Jupyter kernel gateways (Linux /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and b"kernelgateway" in (entry / "cmdline").read_bytes():
                found.add(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.anyio
async def test_jupyter_keeps_state_between_code_blocks_in_a_kernel_started_for_the_run(
        protocol_server: ProtocolServer, tmp_path: Path) -> None:
    pytest.importorskip("jupyter_client", reason="the Jupyter kernel packages are missing (pip install 'massgen[ag2-jupyter]')")
    protocol_server.script(
        Turn(text="First.\n```python\nanswer = 6 * 7\nprint(answer)\n```"),
        Turn(text="Then.\n```python\nprint(answer + 1)\n```"),  # `answer` lives on in the same kernel
        Turn(text="42, then 43.\nTERMINATE"),
    )
    executor = {"type": "JupyterCodeExecutor", "timeout": 60, "output_dir": "notebook_out"}
    before = kernel_gateways()
    backend = create_backend(spec_for(coder_config(protocol_server, code_execution_config={"executor": executor}), tmp_path))
    try:
        assert kernel_gateways() - before, "a kernel gateway should run for the backend's run"
        events = await collect(backend, [Message("user", "Compute 6*7, then one more.")])
    finally:
        await backend.aclose()
    first, second = (e for e in events if isinstance(e, ToolResult))
    assert (first.is_error, first.content.strip()) == (False, "42")
    assert (second.is_error, second.content.strip()) == (False, "43")
    assert "43" in protocol_server.requests[2].last_user_text()
    assert events[-1].message.content == "42, then 43."
    assert (tmp_path / "notebook_out").is_dir()  # output_dir under the agent's cwd
    assert not kernel_gateways() - before  # the gateway stopped with the backend


def test_docker_without_an_engine_is_a_clear_config_error(protocol_server: ProtocolServer, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("docker", reason="the docker Python SDK is missing (pip install 'massgen[ag2-jupyter]' brings it)")
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        monkeypatch.setenv("DOCKER_HOST", f"tcp://127.0.0.1:{probe.getsockname()[1]}")
    executor = {"type": "DockerCommandLineCodeExecutor", "image": "python:3.11-slim", "timeout": 60}
    with pytest.raises(ConfigError, match=r"DockerCommandLineCodeExecutor: Docker is not available.*\(or use LocalCommandLineCodeExecutor\)"):
        create_backend(spec_for(coder_config(protocol_server, code_execution_config={"executor": executor}), tmp_path))


def test_yepcode_says_which_extra_or_token_it_needs(protocol_server: ProtocolServer, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YEPCODE_API_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # AG2 reads a .env file from the cwd when python-dotenv is installed
    config = coder_config(protocol_server, code_execution_config={"executor": {"type": "YepCodeCodeExecutor"}})
    try:
        import yepcode_run  # noqa: F401
    except ImportError:
        expected = r"YepCodeCodeExecutor needs the optional extra: pip install 'massgen\[ag2-yepcode\]'"
    else:
        expected = "YepCodeCodeExecutor: YepCode API token is required"
    with pytest.raises(ConfigError, match=expected):
        create_backend(spec_for(config, tmp_path))


def test_the_jupyter_extra_is_what_scripts_test_sh_installs() -> None:
    script = (Path(__file__).resolve().parents[2] / "scripts" / "test.sh").read_text()
    assert "ag2-jupyter" in script and shutil.which("bash")
