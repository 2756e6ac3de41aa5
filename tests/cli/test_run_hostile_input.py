"""`massgen run` on hostile input, in a real subprocess: a question that is not UTF-8 and a model name or
base_url that would change the request's path are clear errors before anything is sent."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO


def massgen(*args: str | bytes, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable.encode(), b"-m", b"massgen.cli", *(a if isinstance(a, bytes) else a.encode()
                                                                            for a in args)],
                          capture_output=True, text=True, cwd=REPO, timeout=60, stdin=subprocess.DEVNULL,
                          env={**os.environ, **(env or {})})


def config(tmp_path: Path, backend: str) -> str:
    path = tmp_path / "c.yaml"
    path.write_text(f"agent:\n  id: a\n  backend:\n{backend}")
    return str(path)


def test_a_question_that_is_not_utf8_is_a_usage_error(tmp_path: Path) -> None:
    path = config(tmp_path, "    type: chatcompletion\n    model: m\n    base_url: http://127.0.0.1:9/v1\n"
                            "    api_key: k\n")
    done = massgen("run", "--config", path, b"caf\xe9 au lait?")
    assert done.returncode == 2, done.stderr
    assert "the question is not UTF-8 text: byte 0xe9 at character 4" in done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("backend", [
    "    type: gemini\n    model: ../../v1beta/files?\n    api_key: k\n",
    "    type: chatcompletion\n    model: m\n    base_url: http://127.0.0.1:9/v1?key=x\n    api_key: k\n",
    "    type: chatcompletion\n    model: m\n    base_url: http://127.0.0.1:9/v1/../x\n    api_key: k\n",
])
def test_a_model_or_base_url_that_would_change_the_path_is_an_error(tmp_path: Path, backend: str) -> None:
    done = massgen("run", "--config", config(tmp_path, backend), "hi")
    assert done.returncode == 1 and "unsafe-request-path" in done.stderr + done.stdout
    assert "Traceback" not in done.stderr


def test_a_base_url_from_the_environment_is_checked_at_run(tmp_path: Path) -> None:
    path = config(tmp_path, "    type: azure_openai\n    model: gpt-4o\n    api_key: k\n")
    done = massgen("run", "--config", path, "hi", env={"AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com/#x"})
    assert done.returncode == 1 and "holds '#'" in done.stderr + done.stdout, done.stderr
    assert "Traceback" not in done.stderr
