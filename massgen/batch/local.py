"""The local mode: ``concurrency`` workers in one process, on one event loop, sharing one HTTP pool.

Every worker takes the next question when it finishes one. The request gate (``massgen.engine.gate``) is
set for all of them, so a provider's rate limits and any 429's ``Retry-After`` are shared by every
question in flight. The pool is closed once, when the last worker is done.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ..engine.gate import REQUEST_GATE
from .limits import Limiter, LocalGate, agent_buckets
from .questions import Question
from .results import result_line
from .worker import BatchOptions, Worker

if TYPE_CHECKING:
    from ..config.plan import RunPlan


async def run_local(plan: RunPlan, todo: Iterable[Question], options: BatchOptions,
                    started: Callable[[], None], finished: Callable[[dict[str, Any]], None]) -> None:
    """Answer ``todo``; ``finished(record)`` gets each result line (as a dict) as soon as its question ends."""
    keys, limits = agent_buckets(plan, options.rate_limits)
    gate = LocalGate(keys, Limiter(limits))
    questions = iter(todo)  # shared by the workers: each takes the next one

    async def work() -> None:
        worker = Worker(plan, options, gate.add_tokens)
        try:
            for question in questions:
                started()
                finished(result_line(question, await worker.ask(question)))
        finally:
            await worker.close()

    token = REQUEST_GATE.set(gate)
    try:
        tasks = [asyncio.create_task(work()) for _ in range(max(1, options.concurrency))]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()  # a worker that failed outside a question (the results file): stop the batch
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        REQUEST_GATE.reset(token)
        transport = sys.modules.get("massgen.engine.transport")  # imported only if an HTTP backend ran
        if transport is not None:
            await transport.aclose_shared_client()
