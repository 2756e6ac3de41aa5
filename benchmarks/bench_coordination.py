"""Coordination overhead for 3, 10 and 50 agents against the loopback protocol server.

Every agent is a real engine backend (Chat Completions) talking to the loopback server, whose scripted model
streams each turn as ~30 events with a small pause between them. An agent answers while it sees no answers,
then votes for the first answer it was shown. Per agent we time what it spends inside its own model
streams; the overhead is the wall time of the whole coordination (all rounds, votes, the winner's
presentation) beyond the slowest
agent's own streaming time: what coordination adds on top of the critical path.

A second table runs the same coordination on in-process scripted backends (no sockets, no streaming time):
the bookkeeping alone, per model turn.

Run: python benchmarks/bench_coordination.py [AGENT_COUNTS...]   (default 3 10 50)
"""

from __future__ import annotations

import asyncio
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from massgen.backend import create_backend  # noqa: E402
from massgen.config import compile_mapping  # noqa: E402
from massgen.orchestrator import CoordinationSettings, Coordinator, Participant  # noqa: E402
from tests.orchestrator.scripted import Reply, ScriptedBackend, answer, spec, vote  # noqa: E402
from tests.protocol_server import Call, ProtocolServer, Request, Turn  # noqa: E402

EVENT_PAUSE = 0.002  # seconds between streamed events of a scripted turn
WORDS = "the answer follows from adding two and two which gives four as everyone can check".split()


def scripted_model(request: Request) -> Turn:
    names = request.tool_names()
    text = " ".join(WORDS * 2)
    if "vote" not in names:  # the winner's presentation
        return Turn(text=text, delay=EVENT_PAUSE)
    shown = sorted(set(re.findall(r"<(agent\d+)> ", request.raw.decode())), key=lambda anon: int(anon[5:]))
    if not shown:
        return Turn(text=text, tool_calls=[Call("new_answer", {"content": f"{request.model}: 4"})], delay=EVENT_PAUSE)
    return Turn(text=text, tool_calls=[Call("vote", {"agent_id": shown[0], "reason": "correct"})], delay=EVENT_PAUSE)


class TimedBackend:
    """Wraps a backend and adds up the time its streams take, per agent."""

    def __init__(self, backend, totals: dict[str, float]) -> None:
        self.backend, self.spec, self.totals = backend, backend.spec, totals

    async def stream(self, messages, tools):
        start = time.perf_counter()
        try:
            async for event in self.backend.stream(messages, tools):
                yield event
        finally:
            self.totals[self.spec.id] += time.perf_counter() - start

    async def aclose(self) -> None:
        await self.backend.aclose()


async def coordinate(server: ProtocolServer, count: int) -> dict[str, float]:
    agents = [
        {"id": f"a{i:02d}", "backend": {"type": "chatcompletion", "base_url": server.openai_base_url,
                                        "model": f"model-a{i:02d}", "api_key": "bench"}}
        for i in range(count)
    ]
    result = compile_mapping({"agents": agents}, "<bench>")
    assert result.spec is not None, result.diagnostics
    streaming: dict[str, float] = defaultdict(float)
    participants = [Participant(s, TimedBackend(create_backend(s), streaming)) for s in result.spec.agents]
    requests_before = len(server.requests)
    events: list = []
    start = time.perf_counter()
    await Coordinator(participants, CoordinationSettings(), events.append).run("What is 2+2?")
    wall = time.perf_counter() - start
    for p in participants:
        await p.backend.aclose()
    slowest = max(streaming.values())
    return {
        "wall": wall,
        "slowest": slowest,
        "overhead": wall - slowest,
        "requests": len(server.requests) - requests_before,
        "answers": sum(e.type == "answer" for e in events),
        "votes": sum(e.type == "vote" for e in events),
        "dropped": sum(e.type == "notice" and e.kind == "agent_failed" for e in events),
    }


def in_process_policy(request) -> Reply:
    shown = sorted(request.shown(), key=lambda anon: int(anon[5:]))
    if not request.tools:
        return Reply(text="final")
    return vote(shown[0], "correct") if shown else answer(f"answer {id(request)}")


async def coordinate_in_process(count: int) -> tuple[float, int]:
    backends = [ScriptedBackend(spec(f"a{i:02d}"), in_process_policy) for i in range(count)]
    participants = [Participant(b.spec, b) for b in backends]
    start = time.perf_counter()
    await Coordinator(participants, CoordinationSettings(), lambda event: None).run("What is 2+2?")
    return time.perf_counter() - start, sum(len(b.requests) for b in backends)


def main() -> None:
    counts = [int(a) for a in sys.argv[1:]] or [3, 10, 50]
    header = (f"{'agents':>6} {'wall s':>8} {'slowest agent streaming s':>26} {'overhead s':>11} "
              f"{'overhead %':>10} {'model requests':>15} {'answers':>8} {'votes':>6} {'dropped':>8}")
    print(header)
    print("-" * len(header))
    with ProtocolServer(scripted_model) as server:
        for count in counts:
            r = asyncio.run(coordinate(server, count))
            print(f"{count:>6} {r['wall']:>8.3f} {r['slowest']:>26.3f} {r['overhead']:>11.3f} "
                  f"{100 * r['overhead'] / r['wall']:>9.1f}% {r['requests']:>15} {r['answers']:>8} {r['votes']:>6} "
                  f"{r['dropped']:>8}")
    print()
    header = f"{'agents':>6} {'in-process wall ms':>19} {'model turns':>12} {'ms per turn':>12}"
    print(header)
    print("-" * len(header))
    for count in counts:
        wall, turns = asyncio.run(coordinate_in_process(count))
        print(f"{count:>6} {1000 * wall:>19.1f} {turns:>12} {1000 * wall / turns:>12.3f}")


if __name__ == "__main__":
    main()
