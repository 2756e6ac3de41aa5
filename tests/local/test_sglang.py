"""SGLang cannot run here (its wheels need CUDA): its parameters are checked against its OpenAI-compatible API
(ChatCompletionRequest in python/sglang/srt/entrypoints/openai/protocol.py; ranges from SamplingParams.verify,
see capabilities/backends/sglang.yaml) through the request `massgen run` sends to a stand-in on loopback, and the
config linter's ranges."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.local.helpers import run_massgen
from tests.local.standins import LocalServer, free_port, sglang_models

PARAMS = {"top_k": 20, "min_p": 0.05, "repetition_penalty": 1.05, "separate_reasoning": True,
          "stream_reasoning": False, "chat_template_kwargs": {"enable_thinking": True}, "temperature": 0.6}


def test_sglang_parameters_sit_at_the_top_of_the_chat_request(tmp_path: Path) -> None:
    port = free_port()
    fields = json.dumps({"type": "sglang", "base_url": f"http://127.0.0.1:{port}/v1", "model": "Qwen/Qwen3-8B", **PARAMS})
    with LocalServer(port, "/v1/models", sglang_models("Qwen/Qwen3-8B"), text="4", reasoning="2+2") as server:
        run = run_massgen(f"agent:\n  id: sg\n  backend: {fields}\n", tmp_path, "What is 2+2?")
    assert run.code == 0, run.stderr
    body = server.bodies("/chat/completions")[0]
    assert {k: body[k] for k in PARAMS} == PARAMS  # SGLang reads them as top-level request fields
    assert body["model"] == "Qwen/Qwen3-8B" and body["stream"] is True
    assert body["messages"][-1] == {"role": "user", "content": "What is 2+2?"}
    # SGLang's separated reasoning arrives as delta.reasoning_content
    assert "".join(e["text"] for e in run.of_type("reasoning")) == "2+2" and run.text() == "4"


@pytest.mark.parametrize(("key", "value", "message"), [
    ("top_k", 0, "`top_k` must be at least 1, got 0"),  # SGLang: -1 (disable) or at least 1
    ("repetition_penalty", 2.5, "`repetition_penalty` must be at most 2"),  # SGLang: (0, 2]
    ("min_p", 1.5, "`min_p` must be at most 1"),
])
def test_values_sglang_refuses_are_caught_before_running(tmp_path: Path, key: str, value: float, message: str) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(f"agent:\n  id: sg\n  backend:\n    type: sglang\n    {key}: {value}\n")
    done = subprocess.run([sys.executable, "-m", "massgen.cli", "validate", str(config)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1 and message in done.stdout, done.stdout


def test_top_k_minus_one_disables_and_is_accepted(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("agent:\n  id: sg\n  backend:\n    type: sglang\n    top_k: -1\n")
    done = subprocess.run([sys.executable, "-m", "massgen.cli", "validate", str(config)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stdout
