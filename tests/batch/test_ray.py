"""``massgen batch --ray`` on a real two-node Ray cluster on 127.0.0.1 (a head node and a worker node, each
started by ``ray start --block`` in a process group of its own), against the loopback protocol server: the
results equal the local mode's, and killing the worker node mid-batch loses no question.

Ray is installed by scripts/test.sh (the ``ray`` extra); without it these tests skip with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.batch.helpers import (
    batch_cli,
    batch_process,
    env,
    result_lines,
    single_config,
    solo_answer,
    team_answer,
    team_config,
    write_questions,
)
from tests.protocol_server import ProtocolServer

pytest.importorskip("ray", reason="Ray is not installed: pip install -e '.[ray]' (scripts/test.sh does)")

RAY = Path(sys.executable).parent / "ray"
# Loopback only, no token to hand around, and a dead node noticed within seconds rather than half a minute.
RAY_ENV = {"RAY_AUTH_MODE": "disabled", "RAY_health_check_period_ms": "1000", "RAY_health_check_timeout_ms": "1000",
           "RAY_health_check_failure_threshold": "3", "RAY_USAGE_STATS_ENABLED": "0"}


def ray_env() -> dict[str, str]:
    return {**env(), **RAY_ENV}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_group(process: subprocess.Popen) -> None:
    """Stop everything one ``ray start --block`` started (its process group), and nothing else."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
            time.sleep(0.5)  # the group's other members exit after its leader
        except subprocess.TimeoutExpired:
            continue


class Cluster:
    def __init__(self) -> None:
        self.port = free_port()
        self.temp = tempfile.mkdtemp(prefix="rt", dir="/tmp")  # short: Ray's unix socket paths have a length limit
        self.address = f"127.0.0.1:{self.port}"
        common = ["--node-ip-address", "127.0.0.1", "--num-cpus", "1", "--disable-usage-stats", "--block"]
        self.head = self._start(["--head", "--port", str(self.port), "--include-dashboard", "false",
                                 "--temp-dir", self.temp, *common], "head.log")
        self._wait_for_nodes(1)
        self.worker = self._start(["--address", self.address, *common], "worker.log")
        self._wait_for_nodes(2)

    def _start(self, args: list[str], log: str) -> subprocess.Popen:
        out = open(Path(self.temp) / log, "w")  # noqa: SIM115 - kept open for the node's lifetime
        return subprocess.Popen([str(RAY), "start", *args], env=ray_env(), stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)

    def _wait_for_nodes(self, count: int) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            status = subprocess.run([str(RAY), "status", "--address", self.address], env=ray_env(),
                                    capture_output=True, text=True, timeout=60)
            active = status.stdout.partition("Active:")[2].partition("Pending:")[0]
            if active.count("node_") >= count:
                return
            time.sleep(1)
        raise RuntimeError(f"the Ray cluster did not reach {count} node(s): {status.stdout}{status.stderr}")

    def stop(self) -> None:
        for process in (self.worker, self.head):
            stop_group(process)
        shutil.rmtree(self.temp, ignore_errors=True)


def in_group(pid: int, group: int) -> bool:
    """Whether ``pid`` or one of its ancestors (a Ray worker is a child of its node's raylet, which may give it a
    process group of its own) is in process group ``group``."""
    for _ in range(4):
        try:
            if os.getpgid(pid) == group:
                return True
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except (ProcessLookupError, FileNotFoundError):
            return False
        pid = int(fields[1])  # the parent
        if pid <= 1:
            return False
    return False


@pytest.fixture(scope="module")
def cluster():
    if not RAY.exists():
        pytest.skip(f"{RAY} is missing")
    started = Cluster()
    try:
        yield started
    finally:
        started.stop()


def ray_batch(*args: str, cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "massgen.cli", "batch", *args], cwd=cwd, env=ray_env(),
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def comparable(record: dict) -> tuple:
    """What must agree between the modes. Token counts and who had voted when the coordination ended depend on
    timing (an agent's answer can send the others back to vote again), so votes compare by their target."""
    return (record["id"], record["status"], record["final"], record["winner"],
            json.dumps(record["answers"], sort_keys=True), {v["for"] for v in record["votes"].values()} == {"agent1"},
            tuple(sorted(record["usage"])), record["n"])


def test_ray_results_equal_the_local_ones(cluster, tmp_path):
    with ProtocolServer(team_answer) as server:
        (tmp_path / "c.yaml").write_text(team_config(server))
        write_questions(tmp_path / "q.jsonl", range(1, 11))
        local = batch_cli("--config", "c.yaml", "--questions", "q.jsonl", "--out", "local.jsonl",
                          "--concurrency", "4", cwd=tmp_path)
        assert local.returncode == 0, local.stderr
        on_ray = ray_batch("--config", "c.yaml", "--questions", "q.jsonl", "--out", "ray.jsonl", "--ray",
                           "--ray-address", cluster.address, "--concurrency", "6", cwd=tmp_path)
        assert on_ray.returncode == 0, on_ray.stderr
    ray_lines = result_lines(tmp_path / "ray.jsonl")
    assert len(ray_lines) == 10
    assert {comparable(r) for r in ray_lines} == {comparable(r) for r in result_lines(tmp_path / "local.jsonl")}
    assert len({r["worker"]["node"] for r in ray_lines}) == 2  # both nodes answered questions


def test_killing_the_worker_node_loses_no_question(cluster, tmp_path):
    with ProtocolServer(solo_answer(delay=0.15)) as server:  # ~0.5 s per question
        (tmp_path / "c.yaml").write_text(single_config(server))
        write_questions(tmp_path / "q.jsonl", range(1, 25))
        out = tmp_path / "r.jsonl"
        process = batch_process("--config", "c.yaml", "--questions", "q.jsonl", "--out", "r.jsonl", "--ray",
                                "--ray-address", cluster.address, "--concurrency", "8", cwd=tmp_path,
                                extra_env=RAY_ENV)
        worker_group = cluster.worker.pid
        killed_node = None
        deadline = time.monotonic() + 120
        while killed_node is None and time.monotonic() < deadline and process.poll() is None:
            for record in result_lines(out) if out.exists() else []:
                if in_group(record["worker"]["pid"], worker_group):  # the worker node is answering questions: kill it, with its tasks in flight
                    killed_node = record["worker"]["node"]
                    answered_before = len(result_lines(out))
                    os.killpg(worker_group, signal.SIGKILL)
                    break
            time.sleep(0.1)
        assert killed_node is not None, "no question ran on the worker node"
        _, stderr = process.communicate(timeout=240)
    assert process.returncode == 0, stderr
    lines = result_lines(out)
    assert sorted(r["id"] for r in lines) == sorted(f"q{n}" for n in range(1, 25))  # every question, once
    assert all(r["status"] == "ok" and r["final"] == f"answer {r['n']}" for r in lines)
    after = lines[answered_before:]
    assert after and all(r["worker"]["node"] != killed_node for r in after[-3:])  # the rest ran on the head
