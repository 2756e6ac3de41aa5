"""Start-up cost of the two runtime backends against the loopback server (not a test: prints numbers).

    python benchmarks/bench_runtimes.py [runs]

For each backend: time to the first event and to the Finish of a one-turn answer, first run and median of
the rest, beside the same answer from the HTTP engine's Anthropic adapter as a baseline (when it exists).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from massgen.backend import create_backend  # noqa: E402
from massgen.config.plan import AgentPlan  # noqa: E402
from massgen.conversation import Message  # noqa: E402
from tests.protocol_server import ProtocolServer, Reply, Request, Turn  # noqa: E402


def answer(request: Request) -> Turn | Reply:
    if request.is_count_tokens:
        return Reply(body={"input_tokens": 1})
    return Turn(text="The answer is 42.")


def specs(server: ProtocolServer, cwd: str) -> dict[str, AgentPlan]:
    llm = {"api_type": "openai", "model": "gpt-4o-mini", "base_url": server.openai_base_url, "api_key": "sk-bench-0123456789"}
    return {
        "claude (HTTP engine)": AgentPlan(id="c", backend_type="claude", protocol="anthropic_messages", model="claude-sonnet-4-5", base_url=server.base_url, api_key="sk-bench-0123456789"),
        "claude_code (CLI)": AgentPlan(id="cc", backend_type="claude_code", protocol="claude_code", model="claude-sonnet-4-5", base_url=server.base_url, api_key="sk-bench-0123456789", cwd=cwd),
        "ag2 (agent_config)": AgentPlan(id="a", backend_type="ag2", protocol="ag2", model=None, cwd=cwd, backend={"agent_config": {"name": "x", "llm_config": llm}}),
    }


async def one_turn(spec: AgentPlan) -> tuple[float, float]:
    start = time.perf_counter()
    backend = create_backend(spec)
    first = None
    try:
        async for _ in backend.stream([Message("user", "What is 6 times 7?")], []):
            first = first or time.perf_counter() - start
    finally:
        await backend.aclose()
    return first or 0.0, time.perf_counter() - start


async def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as home, ProtocolServer(answer) as server:
        os.environ["HOME"] = home  # the CLI's session files stay out of the real home
        print(f"{'backend':24} {'first event (1st run)':>22} {'finish (1st run)':>17} {'first event (median)':>21} {'finish (median)':>16}")
        for name, spec in specs(server, str(Path(home) / "work")).items():
            try:
                timings = [await one_turn(spec) for _ in range(runs)]
            except Exception as exc:  # e.g. the HTTP engine not there yet
                print(f"{name:24} unavailable: {type(exc).__name__}: {exc}")
                continue
            rest = timings[1:] or timings
            median = statistics.median(t[0] for t in rest), statistics.median(t[1] for t in rest)
            print(f"{name:24} {timings[0][0]:>21.3f}s {timings[0][1]:>16.3f}s {median[0]:>20.3f}s {median[1]:>15.3f}s")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
