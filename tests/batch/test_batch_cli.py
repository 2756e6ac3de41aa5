"""``massgen batch`` as a real subprocess against the loopback protocol server: results, resume, Ctrl-C,
MCP servers per worker, summaries, bad input."""

from __future__ import annotations

import json
import signal
import time

import pytest

from tests.batch.helpers import (
    KEY,
    Recording,
    batch_cli,
    batch_process,
    counting_mcp,
    result_lines,
    single_config,
    solo_answer,
    tag,
    team_answer,
    team_config,
    write_questions,
)
from tests.protocol_server import Call, ProtocolServer, Reply, Request, Turn


@pytest.fixture
def server():
    with ProtocolServer() as s:
        yield s


def test_plain_text_questions_single_agent(server, tmp_path):
    server.handler = Recording(solo_answer())
    (tmp_path / "c.yaml").write_text(single_config(server))
    (tmp_path / "q.txt").write_text("Q1# first\n\nQ3# third\nQ4# fourth\n")
    done = batch_cli("--config", "c.yaml", "--questions", "q.txt", "--out", "r.jsonl", "--concurrency", "2",
                     cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = result_lines(tmp_path / "r.jsonl")
    assert sorted(r["id"] for r in lines) == [1, 3, 4]  # ids are line numbers; the blank line is no question
    for r in lines:
        n = r["question"][1]
        assert r["status"] == "ok" and r["error"] is None
        assert r["final"] == f"answer {n}" and r["winner"] == "solo" and r["answers"] == {"solo": f"answer {n}"}
        assert r["usage"] == {"solo": {"provider": "openai", "model": "gpt-4o-mini", "input_tokens": 11,
                                       "output_tokens": 7}}
        assert r["retries"] == 0 and r["wall_seconds"] > 0
    # not a terminal: one plain progress line per finished question, then the summary table
    progress = [line for line in done.stderr.splitlines() if line.startswith("massgen batch: ") and "done" in line]
    assert len(progress) == 3 and progress[-1].startswith("massgen batch: 3/3 done, 0 failed")
    assert "tokens per provider" in done.stderr and "openai" in done.stderr


def test_jsonl_team_results_keep_extra_fields(server, tmp_path):
    server.handler = team_answer
    (tmp_path / "c.yaml").write_text(team_config(server))
    write_questions(tmp_path / "q.jsonl", range(1, 4), dataset="arith", status="from the input")
    done = batch_cli("--config", "c.yaml", "--questions", "q.jsonl", "--out", "r.jsonl", "--concurrency", "3",
                     cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = {r["id"]: r for r in result_lines(tmp_path / "r.jsonl")}
    assert set(lines) == {"q1", "q2", "q3"}
    for n in (1, 2, 3):
        r = lines[f"q{n}"]
        assert r["status"] == "ok"
        assert r["dataset"] == "arith" and r["n"] == n  # the input's extra fields
        assert r["input"] == {"status": "from the input"}  # one named like a result field is kept aside
        assert r["answers"] == {who: f"{who} answers {n}" for who in ("chatter", "claudia", "gemma")}
        assert r["votes"] == {who: {"for": "agent1", "reason": "clearest"} for who in ("chatter", "claudia", "gemma")}
        assert r["final"] == f"final {n} by {r['winner']}"
        assert {a: u["provider"] for a, u in r["usage"].items()} == {
            "chatter": "chatcompletion", "claudia": "claude", "gemma": "gemini"}
        for usage in r["usage"].values():  # one answer, one vote, maybe the presentation
            assert usage["input_tokens"] >= 50 and usage["output_tokens"] >= 6


def test_resume_skips_answered_ids_and_asks_failed_ones_again(server, tmp_path):
    recording = Recording(solo_answer())
    server.handler = recording
    (tmp_path / "c.yaml").write_text(single_config(server))
    write_questions(tmp_path / "q.jsonl", range(1, 7))
    out = tmp_path / "r.jsonl"
    earlier = [{"id": "q1", "status": "ok", "final": "kept"}, {"id": "q2", "status": "error", "final": None},
               {"id": "q3", "status": "ok", "final": "kept too"}]
    # a crash cut the last line short: it is dropped, and q4 is asked again
    out.write_text("".join(json.dumps(r) + "\n" for r in earlier) + '{"id": "q4", "sta')
    done = batch_cli("--config", "c.yaml", "--questions", "q.jsonl", "--out", "r.jsonl", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(recording.asked()) == ["2", "4", "5", "6"]
    lines = result_lines(out)
    assert lines[:3] == earlier  # append-only: what was there stays
    assert sorted(r["id"] for r in lines[3:]) == ["q2", "q4", "q5", "q6"]
    assert "4 of 6 questions to answer (2 already answered" in done.stderr
    again = batch_cli("--config", "c.yaml", "--questions", "q.jsonl", "--out", "r.jsonl", cwd=tmp_path)
    assert again.returncode == 0 and len(recording.asked()) == 4 and len(result_lines(out)) == 7


def test_ctrl_c_leaves_a_consistent_file_and_the_rerun_finishes(server, tmp_path):
    recording = Recording(solo_answer(delay=0.05))  # ~0.3 s per question
    server.handler = recording
    (tmp_path / "c.yaml").write_text(single_config(server))
    write_questions(tmp_path / "q.jsonl", range(1, 31))
    out = tmp_path / "r.jsonl"
    process = batch_process("--config", "c.yaml", "--questions", "q.jsonl", "--out", "r.jsonl",
                            "--concurrency", "3", cwd=tmp_path)
    deadline = time.monotonic() + 60
    while (not out.exists() or out.read_text().count("\n") < 4) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "run the same command again" in stderr and "Traceback" not in stderr
    first = result_lines(out)  # every line complete and parsable
    assert 4 <= len(first) < 30 and all(r["status"] == "ok" for r in first)
    assert len({r["id"] for r in first}) == len(first)
    done = batch_cli("--config", "c.yaml", "--questions", "q.jsonl", "--out", "r.jsonl", "--concurrency", "3",
                     cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = result_lines(out)
    assert lines[: len(first)] == first
    assert sorted(r["id"] for r in lines) == sorted(f"q{n}" for n in range(1, 31))  # each id once: none lost
    for r in lines:
        assert r["final"] == f"answer {r['n']}"


def test_mcp_servers_start_once_per_worker(server, tmp_path):
    log = tmp_path / "starts.log"

    def asks_the_server_its_pid(request: Request) -> Turn:
        if not request.tool_results():
            return Turn(tool_calls=[Call("mcp__demo__pid")])
        return Turn(text=f"pid {request.tool_results()[-1]}")

    server.handler = asks_the_server_its_pid
    (tmp_path / "c.yaml").write_text(single_config(server, counting_mcp(log)))
    write_questions(tmp_path / "q.jsonl", range(1, 7))
    done = batch_cli("--config", "c.yaml", "--questions", "q.jsonl", "--out", "r.jsonl", "--concurrency", "2",
                     cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    started = log.read_text().split()
    assert 1 <= len(started) <= 2  # one server per worker, reused for its questions
    used = {r["final"] for r in result_lines(tmp_path / "r.jsonl")}
    assert used <= {f"pid {pid}" for pid in started}  # every question's tool call reached one of them
    log.unlink()
    fresh = batch_cli("--config", "c.yaml", "--questions", "q.jsonl", "--out", "r2.jsonl", "--concurrency", "2",
                      "--session-per-question", cwd=tmp_path)
    assert fresh.returncode == 0, fresh.stderr
    started = log.read_text().split()
    assert len(started) == 6
    assert {r["final"] for r in result_lines(tmp_path / "r2.jsonl")} == {f"pid {pid}" for pid in started}


def test_failures_are_results_and_secrets_stay_out(server, tmp_path):
    def handler(request: Request) -> Turn | Reply:
        if tag(request) == "2":
            return Reply.error(400, f"bad request for key {KEY}")
        return Turn(text=f"answer {tag(request)}")

    server.handler = handler
    (tmp_path / "c.yaml").write_text(single_config(server))
    write_questions(tmp_path / "q.jsonl", range(1, 4))
    done = batch_cli("--config", "c.yaml", "--questions", "q.jsonl", "--out", "r.jsonl", cwd=tmp_path)
    assert done.returncode == 1  # some question failed
    text = (tmp_path / "r.jsonl").read_text()
    assert KEY not in text and KEY not in done.stderr
    lines = {r["id"]: r for r in result_lines(tmp_path / "r.jsonl")}
    assert lines["q2"]["status"] == "error" and lines["q2"]["final"] is None
    assert lines["q2"]["error"]["kind"] == "bad_request" and lines["q2"]["error"]["status"] == 400
    assert "bad request for key ***" in lines["q2"]["error"]["message"]
    assert lines["q2"]["retries"] == 0  # a 400 is not asked again
    assert lines["q1"]["status"] == lines["q3"]["status"] == "ok"
    assert "failures by kind" in done.stderr and "bad_request" in done.stderr


def test_summary_of_a_results_file(server, tmp_path):
    def handler(request: Request) -> Turn | Reply:
        n = int(tag(request))
        if n % 4 == 0:
            return Reply.error(401, "no such key")
        return Turn(text="ok", usage=(n, 2 * n))

    server.handler = handler
    (tmp_path / "c.yaml").write_text(single_config(server))
    write_questions(tmp_path / "q.jsonl", range(1, 11))
    batch_cli("--config", "c.yaml", "--questions", "q.jsonl", "--out", "r.jsonl", cwd=tmp_path)
    lines = result_lines(tmp_path / "r.jsonl")
    done = batch_cli("--summary", "r.jsonl", "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    walls = sorted(r["wall_seconds"] for r in lines)
    assert summary["questions"] == 10 and summary["failed"] == 2 and summary["ok"] == 8
    assert summary["failures"] == {"authentication": 2}
    ok = [n for n in range(1, 11) if n % 4]
    assert summary["tokens"] == {"openai": {"input_tokens": sum(ok), "output_tokens": 2 * sum(ok)}}
    assert summary["latency_seconds"]["max"] == walls[-1] and summary["latency_seconds"]["p50"] == walls[4]
    table = batch_cli("--summary", "r.jsonl", cwd=tmp_path)
    assert table.returncode == 0 and "authentication" in table.stdout and "p90 s" in table.stdout


@pytest.mark.parametrize(("questions", "args", "message"), [
    ('{"id": 1, "question": "a"}\n{"id": 1, "question": "b"}\n', (), "q.jsonl:2: id 1 was already used on line 1"),
    ('{"id": 1, "question": "a"}\nnot json\n', (), "q.jsonl:2: not valid JSON"),
    ('{"id": 1, "text": "a"}\n', (), 'q.jsonl:1: no "question" text'),
    ('{"id": [1], "question": "a"}\n', (), '"id" must be a string or an integer'),
    ("\n\n", (), "no questions in it"),
    ('{"question": "a"}\n', ("--rpm", "openai"), "--rpm 'openai': write PROVIDER=N"),
    ('{"question": "a"}\n', ("--tpm", "openai=lots"), "is not a whole number above 0"),
    ('{"question": "a"}\n', ("--rate-limits", "missing.yaml"), "missing.yaml: cannot read it"),
], ids=["duplicate-id", "bad-json", "no-question", "bad-id", "empty", "bad-rpm", "bad-tpm", "no-limits-file"])
def test_bad_input_is_a_clear_error(tmp_path, questions, args, message):
    (tmp_path / "c.yaml").write_text("agent: {id: a, backend: {type: openai, model: gpt-4o-mini}}\n")
    (tmp_path / "q.jsonl").write_text(questions)
    done = batch_cli("--config", "c.yaml", "--questions", "q.jsonl", "--out", "r.jsonl", *args, cwd=tmp_path)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "r.jsonl").exists()


def test_misuse(tmp_path):
    (tmp_path / "r.jsonl").write_text("this is not a results file\n")
    cases = [
        (("--questions", "q.txt", "--out", "r.jsonl"), "missing --config"),
        (("--summary", "r.jsonl", "--config", "c.yaml"), "takes no --config"),
        (("--summary", "nowhere.jsonl"), "no such results file"),
        (("--summary", "r.jsonl"), "r.jsonl:1: not a massgen batch result line"),
    ]
    for args, message in cases:
        done = batch_cli(*args, cwd=tmp_path)
        assert done.returncode == 2 and message in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr


@pytest.mark.parametrize("source", ["config", "file", "flag"])
def test_requests_per_minute_hold_back_the_next_request(server, tmp_path, source):
    """rpm 1 for openai/gpt-4o-mini, from the config's rate_limits, a --rate-limits file or --rpm: two questions
    at concurrency 2, and the second request does not go out while the minute lasts (the batch is then stopped)."""
    recording = Recording(solo_answer())
    server.handler = recording
    config = single_config(server)
    args: tuple[str, ...] = ()
    if source == "config":
        config += "rate_limits: {openai: {gpt-4o-mini: {rpm: 1}}}\n"
    elif source == "file":
        (tmp_path / "limits.yaml").write_text("openai:\n  gpt-4o-mini: {rpm: 1, tpm: 100000}\n")
        args = ("--rate-limits", "limits.yaml")
    else:
        args = ("--rpm", "openai/gpt-4o-mini=1")
    (tmp_path / "c.yaml").write_text(config)
    write_questions(tmp_path / "q.jsonl", range(1, 3))
    out = tmp_path / "r.jsonl"
    process = batch_process("--config", "c.yaml", "--questions", "q.jsonl", "--out", "r.jsonl", "--concurrency", "2",
                            *args, cwd=tmp_path)
    deadline = time.monotonic() + 60
    while not (out.exists() and out.read_text().endswith("\n")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(2)
    asked = recording.asked()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert len(result_lines(out)) == 1 and len(asked) == 1, (asked, stderr)
    assert process.returncode == 130, stderr


def test_a_terminal_gets_the_progress_bar(server, tmp_path):
    """stderr on a pseudo-terminal: the rich bar (done / failed / in flight / tokens / ETA), not plain lines."""
    import os
    import pty
    import subprocess
    import sys

    from tests.batch.helpers import env

    server.handler = solo_answer()
    (tmp_path / "c.yaml").write_text(single_config(server))
    write_questions(tmp_path / "q.jsonl", range(1, 6))
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "massgen.cli", "batch", "--config", "c.yaml", "--questions",
                                "q.jsonl", "--out", "r.jsonl"], cwd=tmp_path, env={**env(), "TERM": "xterm"},
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the pty closed with the process
            break
        if not chunk:
            break
        shown += chunk
    assert process.wait(60) == 0
    os.close(leader)
    text = shown.decode("utf-8", "replace")
    assert "5/5" in text and "in flight" in text and "tokens" in text and "ETA" in text
    assert "massgen batch: 1/5 done" not in text  # no plain progress lines on a terminal
    assert len(result_lines(tmp_path / "r.jsonl")) == 5
