"""LM Studio made ready before the first request: its REST API when `lms` is not on PATH, the `lms` CLI when it is.

No real LM Studio runs here (it cannot be installed on this machine): the REST side is a loopback server answering
`GET /api/v0/models` as LM Studio's docs show it (tests/local/standins.py), the CLI side an `lms` stand-in that
records its arguments. Both go through `massgen run` as a subprocess.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.local.helpers import run_massgen
from tests.local.standins import LocalServer, free_port, lmstudio_models, recorded, write_lms

MODEL = "qwen2.5-7b-instruct"


def config(port: int, model: str | None = MODEL) -> str:
    named = f", model: {model}" if model else ""
    return f"agent:\n  id: lm\n  backend: {{type: lmstudio, base_url: 'http://127.0.0.1:{port}/v1'{named}}}\n"


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    """A PATH folder with no `lms` in it unless a test writes one (the machine's own PATH could hold one)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    return folder


def env(bin_dir: Path, **extra: str) -> dict[str, str]:
    return {"PATH": f"{bin_dir}:/usr/bin:/bin", "LMS_RECORD": str(bin_dir.parent / "lms.jsonl"), **extra}


# REST API only


def test_a_loaded_model_answers(tmp_path: Path, bin_dir: Path) -> None:
    port = free_port()
    with LocalServer(port, "/api/v0/models", lmstudio_models((MODEL, "loaded")), text="hi from LM Studio") as server:
        run = run_massgen(config(port), tmp_path, env=env(bin_dir))
    assert run.code == 0 and run.text() == "hi from LM Studio", run.stderr
    assert f"massgen: agent 'lm': LM Studio has {MODEL} loaded" in run.stderr
    assert [(m, p) for m, p, _ in server.requests] == [("GET", "/api/v0/models"), ("POST", "/v1/chat/completions")]
    assert server.bodies("/chat/completions")[0]["model"] == MODEL


def test_a_downloaded_model_is_left_to_just_in_time_loading(tmp_path: Path, bin_dir: Path) -> None:
    port = free_port()
    with LocalServer(port, "/api/v0/models", lmstudio_models((MODEL, "not-loaded"))):
        run = run_massgen(config(port), tmp_path, env=env(bin_dir))
    assert run.code == 0, run.stderr
    assert f"{MODEL} is downloaded but not loaded; LM Studio loads it on the first request" in run.stderr


def test_a_model_not_downloaded_is_a_clear_error(tmp_path: Path, bin_dir: Path) -> None:
    port = free_port()
    with LocalServer(port, "/api/v0/models", lmstudio_models(("llama-3.2-1b-instruct", "loaded"))) as server:
        run = run_massgen(config(port), tmp_path, env=env(bin_dir))
    assert run.code == 1
    assert (f"model '{MODEL}' is not downloaded in LM Studio (downloaded: llama-3.2-1b-instruct): download it "
            f"with `lms get {MODEL}`") in run.stdout + run.stderr
    assert not server.bodies("/chat/completions") and "Traceback" not in run.stderr


def test_no_model_named_uses_the_loaded_one(tmp_path: Path, bin_dir: Path) -> None:
    port = free_port()
    listing = lmstudio_models(("llama-3.2-1b-instruct", "not-loaded"), (MODEL, "loaded"))
    with LocalServer(port, "/api/v0/models", listing) as server:
        run = run_massgen(config(port, model=None), tmp_path, env=env(bin_dir))
    assert run.code == 0, run.stderr
    assert f"has {MODEL} loaded; it answers with it" in run.stderr
    assert "model" not in server.bodies("/chat/completions")[0]


def test_neither_server_nor_lms_is_a_clear_error(tmp_path: Path, bin_dir: Path) -> None:
    port = free_port()
    run = run_massgen(config(port), tmp_path, env=env(bin_dir))
    assert run.code == 1
    output = run.stdout + run.stderr
    assert f"LM Studio does not answer at http://127.0.0.1:{port}/api/v0/models, and its `lms` command is not on PATH" \
        in output
    assert "Traceback" not in output


# the lms CLI


def test_lms_starts_the_server_downloads_and_loads(tmp_path: Path, bin_dir: Path) -> None:
    write_lms(bin_dir)
    port = free_port()
    with LocalServer(port, "/api/v0/models", lmstudio_models(("llama-3.2-1b-instruct", "loaded"))):
        run = run_massgen(config(port), tmp_path, env=env(bin_dir))
    assert run.code == 0, run.stdout + run.stderr
    assert recorded(tmp_path / "lms.jsonl") == [
        ["server", "start", "--port", str(port)], ["get", MODEL, "--yes"], ["load", MODEL]]
    assert f"downloading {MODEL} with `lms get`" in run.stderr and f"loaded {MODEL} with `lms load`" in run.stderr


def test_lms_loads_a_downloaded_model_and_leaves_a_loaded_one(tmp_path: Path, bin_dir: Path) -> None:
    write_lms(bin_dir)
    port = free_port()
    with LocalServer(port, "/api/v0/models", lmstudio_models((MODEL, "not-loaded"))):
        assert run_massgen(config(port), tmp_path, env=env(bin_dir)).code == 0
    assert recorded(tmp_path / "lms.jsonl") == [["server", "start", "--port", str(port)], ["load", MODEL]]
    (tmp_path / "lms.jsonl").unlink()
    with LocalServer(port, "/api/v0/models", lmstudio_models((MODEL, "loaded"))):
        assert run_massgen(config(port), tmp_path, env=env(bin_dir)).code == 0
    assert recorded(tmp_path / "lms.jsonl") == [["server", "start", "--port", str(port)]]


def test_a_failing_lms_step_is_a_clear_error(tmp_path: Path, bin_dir: Path) -> None:
    write_lms(bin_dir)
    port = free_port()
    with LocalServer(port, "/api/v0/models", lmstudio_models()) as server:
        run = run_massgen(config(port), tmp_path, env=env(bin_dir, LMS_FAIL="get"))
    assert run.code == 1
    assert f"`lms get {MODEL} --yes` failed: Error: model not found in the catalog" in run.stdout + run.stderr
    assert not server.bodies("/chat/completions")


def test_lms_ran_but_no_server_answers(tmp_path: Path, bin_dir: Path) -> None:
    write_lms(bin_dir)
    port = free_port()
    run = run_massgen(config(port), tmp_path, env=env(bin_dir))
    assert run.code == 1
    assert f"`lms server start` ran, but LM Studio does not answer at http://127.0.0.1:{port}/api/v0/models" \
        in run.stdout + run.stderr
    assert recorded(tmp_path / "lms.jsonl") == [["server", "start", "--port", str(port)]]
