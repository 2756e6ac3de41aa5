"""500 concurrent engine streams in one process against a loopback server (in its own process).

    python benchmarks/bench_concurrency.py [--streams 500] [--chunks 200]

Prints wall time, peak resident memory (and its growth over the idle process), and time to first event:
one stream alone versus the median / 95th percentile / worst under full concurrency.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._stream_server import ServerProcess, chat_stream_body  # noqa: E402
from massgen.config.plan import AgentPlan  # noqa: E402
from massgen.conversation import Message  # noqa: E402
from massgen.engine.adapters import create  # noqa: E402
from massgen.events import Finish, TextDelta  # noqa: E402


async def one_stream(backend, chunks: int) -> tuple[float, float]:
    """(seconds to the first event, seconds to the end); checks the whole answer arrived."""
    start = time.perf_counter()
    first = None
    deltas = 0
    finished = False
    async for event in backend.stream([Message("user", "count")], []):
        if first is None:
            first = time.perf_counter() - start
        deltas += type(event) is TextDelta
        finished = finished or isinstance(event, Finish)
    if deltas != chunks or not finished:
        raise SystemExit(f"a stream ended with {deltas}/{chunks} deltas (finished: {finished})")
    return first or 0.0, time.perf_counter() - start


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


async def run(base_url: str, streams: int, chunks: int) -> None:
    spec = AgentPlan(id="bench", backend_type="vllm", protocol="openai_chat", model="bench-model",
                     base_url=f"{base_url}/v1", backend={"timeout": {"connect": 60, "read": 120}})
    backend = create(spec)
    await one_stream(backend, chunks)  # warm-up: imports, first connection
    baseline_rss = peak_rss_mb()
    single = [await one_stream(backend, chunks) for _ in range(5)]
    single_first = statistics.median(f for f, _ in single)
    single_total = statistics.median(t for _, t in single)

    start = time.perf_counter()
    results = await asyncio.gather(*(one_stream(backend, chunks) for _ in range(streams)))
    wall = time.perf_counter() - start
    firsts = sorted(f for f, _ in results)

    print(f"{streams} concurrent streams of {chunks} chunks each: all {len(results)} completed")
    print(f"  wall time                {wall:8.3f} s   (one stream alone: {single_total * 1000:.1f} ms; "
          f"{streams} in sequence would take ~{single_total * streams:.2f} s)")
    print(f"  peak RSS                 {peak_rss_mb():8.1f} MB  (idle after warm-up: {baseline_rss:.1f} MB, "
          f"growth {peak_rss_mb() - baseline_rss:.1f} MB)")
    print(f"  time to first event      alone {single_first * 1000:7.2f} ms | concurrent median "
          f"{statistics.median(firsts) * 1000:7.2f} ms, p95 {firsts[int(len(firsts) * 0.95) - 1] * 1000:7.2f} ms, "
          f"worst {firsts[-1] * 1000:7.2f} ms")
    print(f"  first-event overhead     median +{(statistics.median(firsts) - single_first) * 1000:.2f} ms over a single stream")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=500)
    parser.add_argument("--chunks", type=int, default=200)
    args = parser.parse_args()
    with ServerProcess(chat_stream_body(args.chunks)) as base_url:
        asyncio.run(run(base_url, args.streams, args.chunks))


if __name__ == "__main__":
    main()
