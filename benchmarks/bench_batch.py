"""`massgen batch`: questions per second locally (concurrency 1, 10, 100) and on Ray, beside N sequential
`massgen run` processes, for a team of 3 agents (Chat Completions, Anthropic Messages, Gemini) against the
loopback protocol server.

Each question is a full coordination: every agent answers, votes, and the winner presents (about 9 model
turns per question, each streamed by the loopback server with --event-delay seconds between its events, a
stand-in for a provider's own pace). The server runs in this process (a thread);
every `massgen` command is a real subprocess, timed from its start to its exit, so the figures include
interpreter start-up and config compilation, once per batch and once per question for the baseline.

- questions/s: questions / the command's wall time. Concurrency 1 runs the first --sample questions only
  (at a provider's pace, 1,000 of them one by one would take most of an hour).
- overhead per question: the batch's mean question wall time (at concurrency 1) minus the same question's
  time on an open in-process session with no batch around it (`Session.ask`), i.e. what the batch machinery
  (per-question sink, result line, flush, progress) adds beyond the agents' own streaming and coordination.
- peak memory: the command's maximum resident set (for --ray the driver only: Ray's own processes and
  workers are not counted).

The Ray row starts a local Ray instance (`ray.init()` inside `massgen batch --ray`; its start-up is
included, and shown apart) on this machine's CPUs; it is skipped when Ray is not installed.

Run: python benchmarks/bench_batch.py [--questions N] [--sample N] [--baseline N] [--event-delay S]
     (defaults 1000, 100, 20 and 0.01)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from massgen.config import compile_text  # noqa: E402
from massgen.session import Session  # noqa: E402
from tests.batch.helpers import env, team_answer, team_config  # noqa: E402
from tests.protocol_server import ProtocolServer, Request, Turn  # noqa: E402


def paced(delay: float):
    def answer(request: Request) -> Turn:
        turn = team_answer(request)
        turn.delay = delay
        return turn

    return answer


def timed(args: list[str], cwd: Path) -> tuple[float, float, subprocess.CompletedProcess | None]:
    """Wall seconds and peak RSS (MiB) of one command; exits non-zero -> SystemExit with its stderr."""
    start = time.perf_counter()
    process = subprocess.Popen(args, cwd=cwd, env={**env(), "RAY_USAGE_STATS_ENABLED": "0"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args[:4])}... failed:\n{stderr.decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024, None


def massgen(*args: str) -> list[str]:
    return [sys.executable, "-m", "massgen.cli", *args]


async def bare_question_seconds(config: str, count: int) -> float:
    """Mean time of one question on an open session, no batch: the agents' own work."""
    plan = compile_text(config, "bench.yaml").spec
    assert plan is not None
    async with Session(plan, lambda event: None) as session:
        await session.ask("Q0# warm-up")
        start = time.perf_counter()
        for n in range(count):
            await session.ask(f"Q{n}# What is {n} squared?")
        return (time.perf_counter() - start) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--sample", type=int, default=100, help="questions answered at concurrency 1")
    parser.add_argument("--baseline", type=int, default=20, help="sequential `massgen run` processes to time")
    parser.add_argument("--event-delay", type=float, default=0.01, help="seconds between a turn's streamed events")
    options = parser.parse_args()
    n = options.questions
    rows: list[tuple[str, float, float, float, str]] = []
    with ProtocolServer(paced(options.event_delay)) as server, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        config = team_config(server)
        (work / "c.yaml").write_text(config)
        lines = [json.dumps({"id": i, "question": f"Q{i}# What is {i} squared?"}) + "\n" for i in range(n)]
        (work / "q.jsonl").write_text("".join(lines))
        (work / "sample.jsonl").write_text("".join(lines[: options.sample]))
        for key, value in env().items():
            if key.endswith("_API_KEY"):
                os.environ[key] = value
        os.chdir(work)  # the in-process session's transcript goes there too
        bare = asyncio.run(bare_question_seconds(config, 20))

        total = 0.0
        for i in range(options.baseline):
            wall, rss, _ = timed(massgen("run", "--config", "c.yaml", "--output", "jsonl", f"Q{i}# What?"), work)
            total += wall
        rows.append((f"baseline: {options.baseline} x massgen run", options.baseline / total, total / options.baseline,
                     rss, "one process per question"))

        overhead = ""
        for concurrency in (1, 10, 100):
            out = work / f"local-{concurrency}.jsonl"
            count = min(n, options.sample) if concurrency == 1 else n
            source = "sample.jsonl" if concurrency == 1 else "q.jsonl"
            wall, rss, _ = timed(massgen("batch", "--config", "c.yaml", "--questions", source, "--out", str(out),
                                         "--concurrency", str(concurrency)), work)
            results = [json.loads(line) for line in out.read_text().splitlines()]
            assert len(results) == count and all(r["status"] == "ok" for r in results), "a question failed"
            mean = sum(r["wall_seconds"] for r in results) / count
            if concurrency == 1:
                overhead = f"{(mean - bare) * 1000:+.1f} ms/question beyond Session.ask ({bare * 1000:.1f} ms)"
            rows.append((f"massgen batch, concurrency {concurrency} ({count} q)", count / wall, wall / count, rss,
                         overhead if concurrency == 1 else f"mean question wall {mean * 1000:.0f} ms"))

        try:
            import ray  # noqa: F401
        except ImportError:
            rows.append(("massgen batch --ray", 0.0, 0.0, 0.0, "skipped: Ray is not installed"))
        else:
            start_only, _, _ = timed([sys.executable, "-c", "import ray; ray.init(include_dashboard=False); "
                                      "ray.shutdown()"], work)
            out = work / "ray.jsonl"
            wall, rss, _ = timed(massgen("batch", "--config", "c.yaml", "--questions", "q.jsonl", "--out", str(out),
                                         "--concurrency", "100", "--ray"), work)
            results = [json.loads(line) for line in out.read_text().splitlines()]
            assert len(results) == n and all(r["status"] == "ok" for r in results), "a question failed on Ray"
            workers = len({(r["worker"]["node"], r["worker"]["pid"]) for r in results})
            rows.append(("massgen batch --ray (local Ray), concurrency 100", n / wall, wall / n, rss,
                         f"incl. Ray start/stop {start_only:.1f} s; {workers} worker processes; "
                         f"{n / max(wall - start_only, 1e-9):.1f} q/s without it"))

    print(f"{n} questions x 3 agents (loopback server, {options.event_delay * 1000:g} ms between streamed events), "
          f"{os.cpu_count()} CPUs")
    print(f"{'mode':<50} {'q/s':>8} {'s/question':>11} {'peak MiB':>9}  notes")
    for name, qps, per, rss, note in rows:
        print(f"{name:<50} {qps:>8.1f} {per:>11.3f} {rss:>9.0f}  {note}")


if __name__ == "__main__":
    main()
