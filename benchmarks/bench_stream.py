"""Decode a 50,000-chunk Chat Completions stream from a loopback server: massgen vs openai SDK vs bare httpx.

    python benchmarks/bench_stream.py [--chunks 50000] [--runs 3] [--no-cli]

In-process: each client streams the same bytes and writes every text delta to /dev/null; best and median
wall time of --runs runs. End to end: ``massgen run --output jsonl`` (until its last event is printed)
against a script doing the same with the SDK and with bare httpx, each a fresh process (start-up and
imports included). The server runs in a separate process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._stream_server import ServerProcess, chat_stream_body  # noqa: E402

MESSAGES = [{"role": "user", "content": "count"}]


async def massgen_engine(base_url: str, out) -> int:
    from massgen.config.plan import AgentPlan
    from massgen.conversation import Message
    from massgen.engine.adapters import create
    from massgen.events import TextDelta

    spec = AgentPlan(id="bench", backend_type="vllm", protocol="openai_chat", model="bench-model", base_url=f"{base_url}/v1")
    count = 0
    async for event in create(spec).stream([Message("user", "count")], []):
        if type(event) is TextDelta:
            out.write(event.text)
            count += 1
    return count


async def openai_sdk(base_url: str, out) -> int:
    import openai

    client = openai.AsyncOpenAI(base_url=f"{base_url}/v1", api_key="bench", max_retries=0)
    count = 0
    stream = await client.chat.completions.create(model="bench-model", messages=MESSAGES, stream=True,
                                                  stream_options={"include_usage": True})
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            out.write(chunk.choices[0].delta.content)
            count += 1
    await client.close()
    return count


async def bare_httpx(base_url: str, out) -> int:
    import httpx

    count = 0
    async with httpx.AsyncClient(timeout=60) as client:
        body = {"model": "bench-model", "messages": MESSAGES, "stream": True}
        async with client.stream("POST", f"{base_url}/v1/chat/completions", json=body) as response:
            async for line in response.aiter_lines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    choices = json.loads(line[6:])["choices"]
                    if choices and choices[0]["delta"].get("content"):
                        out.write(choices[0]["delta"]["content"])
                        count += 1
    return count


CLIENTS = {"massgen engine": massgen_engine, "openai SDK": openai_sdk, "bare httpx + json.loads": bare_httpx}


def time_in_process(base_url: str, runs: int, chunks: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {name: [] for name in CLIENTS}
    with open(os.devnull, "w") as out:
        for _ in range(runs):
            for name, client in CLIENTS.items():
                start = time.perf_counter()
                count = asyncio.run(client(base_url, out))
                timings[name].append(time.perf_counter() - start)
                if count != chunks:
                    raise SystemExit(f"{name} decoded {count} deltas, expected {chunks}")
    return timings


SCRIPT = """
import asyncio, os, sys
sys.path.insert(0, {root!r})
from benchmarks.bench_stream import {function}
with open(os.devnull, "w") as out:
    asyncio.run({function}({base_url!r}, sys.stdout))
"""


def time_end_to_end(base_url: str, runs: int) -> dict[str, list[float]]:
    config = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
    config.write(f"agents:\n  - id: bench\n    backend:\n      type: vllm\n      model: bench-model\n"
                 f"      base_url: {base_url}/v1\n")
    config.close()
    commands = {
        "massgen run --output jsonl": [sys.executable, "-m", "massgen.cli", "run", "--config", config.name,
                                       "--output", "jsonl", "count"],
        "openai SDK script": [sys.executable, "-c", SCRIPT.format(root=str(ROOT), function="openai_sdk", base_url=base_url)],
        "bare httpx script": [sys.executable, "-c", SCRIPT.format(root=str(ROOT), function="bare_httpx", base_url=base_url)],
    }
    timings: dict[str, list[float]] = {name: [] for name in commands}
    try:
        for _ in range(runs):
            for name, command in commands.items():
                start = time.perf_counter()
                done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT, timeout=600)
                timings[name].append(time.perf_counter() - start)
                if done.returncode != 0:
                    raise SystemExit(f"{name} failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    finally:
        os.unlink(config.name)
    return timings


def report(title: str, timings: dict[str, list[float]], reference: str) -> None:
    print(f"\n{title}")
    best_reference = min(timings[reference])
    for name, values in timings.items():
        best = min(values)
        print(f"  {name:32s} best {best:7.3f} s   median {statistics.median(values):7.3f} s   "
              f"{best / best_reference:5.2f}x the time of {reference}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-cli", action="store_true", help="skip the end-to-end (massgen run) comparison")
    args = parser.parse_args()
    body = chat_stream_body(args.chunks)
    print(f"stream: {args.chunks} content chunks, {len(body) / 1e6:.1f} MB, Python {sys.version.split()[0]}")
    with ServerProcess(body) as base_url:
        report("in process (request to last delta written):", time_in_process(base_url, args.runs, args.chunks), "massgen engine")
        if not args.no_cli:
            report("end to end (fresh process, start-up included):", time_end_to_end(base_url, args.runs),
                   "massgen run --output jsonl")


if __name__ == "__main__":
    main()
