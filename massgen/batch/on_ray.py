"""The Ray mode: each question is a Ray task; the driver (this process) writes each result as it completes.

- ``ray.init(address)`` joins the cluster at ``address`` (``--ray-address``, else ``RAY_ADDRESS``); with
  neither, Ray starts a local instance for this batch and stops it at the end.
- The plan goes to the cluster once (``ray.put``; it carries the agents' keys, as any Ray job's arguments
  would); each task answers one question and returns its result line.
- A Ray worker process keeps one event loop (in a thread) with one batch ``Worker`` on it: its session, MCP
  servers and HTTP pool serve every question that process runs, as a local worker's do.
- Rate limits are shared cluster-wide by one ``LimiterService`` actor holding the ``Limiter``, on the driver's
  node: every request of every task books its slot there, and a 429 pauses its bucket for all nodes. Should
  the actor be unreachable (restarting), requests go out without waiting rather than fail.
- A task whose worker or node dies is run again elsewhere by Ray (``max_retries``); a task that still fails
  becomes an error line (``kind: worker_lost``), which a rerun asks again.
- Each task asks for ``TASK_CPUS`` of a CPU: questions wait on the network, so several share one.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import MassGenError, redact
from .limits import Limiter, agent_buckets
from .questions import BatchInputError, Question
from .results import Outcome, result_line
from .worker import BatchOptions, Worker

if TYPE_CHECKING:
    from ..config.plan import RunPlan

TASK_CPUS = 0.25
TASK_MAX_RETRIES = 3  # Ray runs a task again this often after its worker process or node died


def require_ray() -> Any:
    """The ``ray`` module; ``BatchInputError`` with the install command when the extra is missing."""
    try:
        import ray
    except ImportError:
        raise BatchInputError("--ray needs Ray: pip install 'massgen[ray]'") from None
    return ray


class LimiterService:
    """The cluster's one ``Limiter``, as a Ray actor; times are the actor's own clock, waits are returned."""

    def __init__(self, limits: dict[str, Any]) -> None:
        self.limiter = Limiter(limits)

    def reserve(self, key: str) -> float:
        return self.limiter.reserve(key, time.monotonic())

    def add_tokens(self, key: str, tokens: int) -> None:
        self.limiter.add_tokens(key, tokens, time.monotonic())

    def pause(self, key: str, seconds: float | None) -> None:
        self.limiter.pause(key, seconds, time.monotonic())


class RayGate:
    """The engine's ``RequestGate`` on a Ray worker: books slots with the limiter actor."""

    def __init__(self, keys: dict[str, str], actor: Any) -> None:
        self.keys, self.actor = keys, actor

    async def before_request(self, agent: str | None) -> None:
        key = self.keys.get(agent or "")
        if key is None:
            return
        try:
            delay = await self.actor.reserve.remote(key)
        except Exception:  # noqa: BLE001 - the actor is restarting (its node went away): send without waiting
            return
        if delay > 0:
            await asyncio.sleep(delay)

    def rate_limited(self, agent: str | None, retry_after: float | None) -> None:
        key = self.keys.get(agent or "")
        if key is not None:
            self.actor.pause.remote(key, retry_after)  # fire and forget: an error stays in the unread reference

    def add_tokens(self, agent: str | None, tokens: int) -> None:
        key = self.keys.get(agent or "")
        if key is not None:
            self.actor.add_tokens.remote(key, tokens)


class _ProcessRuntime:
    """A Ray worker process's event loop thread and batch worker, kept for the batch's later tasks."""

    def __init__(self, plan: RunPlan, options: BatchOptions, actor: Any) -> None:
        keys, _ = agent_buckets(plan, options.rate_limits)
        self.gate = RayGate(keys, actor)
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, name="massgen-batch", daemon=True).start()
        self.worker = Worker(plan, options, self.gate.add_tokens)
        atexit.register(self.close)

    def ask(self, question: Question) -> Outcome:
        from ..engine.gate import REQUEST_GATE

        async def ask() -> Outcome:
            REQUEST_GATE.set(self.gate)  # this task's own context
            return await self.worker.ask(question)

        return asyncio.run_coroutine_threadsafe(ask(), self.loop).result()

    def close(self) -> None:
        """Stop the session (its MCP servers) when the worker process exits; best effort, bounded."""
        try:
            asyncio.run_coroutine_threadsafe(self.worker.close(), self.loop).result(timeout=10)
        except Exception:  # noqa: BLE001 - the process is ending; its servers see their stdin close anyway
            pass


_RUNTIMES: dict[str, _ProcessRuntime] = {}


def answer_on_worker(batch_id: str, plan: RunPlan, options: BatchOptions, actor: Any,
                     question: Question) -> dict[str, Any]:
    """The body of one Ray task: the question's result line, with the node and process that answered it."""
    runtime = _RUNTIMES.get(batch_id)
    if runtime is None:
        runtime = _RUNTIMES[batch_id] = _ProcessRuntime(plan, options, actor)
    record = result_line(question, runtime.ask(question))
    import ray

    record["worker"] = {"node": ray.get_runtime_context().get_node_id()[:12], "pid": os.getpid()}
    return record


def run_on_ray(plan: RunPlan, todo: list[Question], options: BatchOptions, started: Callable[[], None],
               finished: Callable[[dict[str, Any]], None], *, address: str | None = None) -> None:
    ray = require_ray()
    own_cluster = not ray.is_initialized()
    if own_cluster:
        try:
            ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = address or "a local Ray instance"
            raise BatchInputError(f"cannot start or join Ray ({where}): {redact(str(exc), plan.secrets)}") from None
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    batch_id = uuid.uuid4().hex
    _, limits = agent_buckets(plan, options.rate_limits)
    actor = ray.remote(LimiterService).options(
        num_cpus=0, max_restarts=-1, max_task_retries=-1,
        # on the driver's node: the batch lives and dies with it anyway, and no worker node's loss takes it down
        scheduling_strategy=NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=False),
    ).remote(limits)
    task = ray.remote(num_cpus=TASK_CPUS, max_retries=TASK_MAX_RETRIES)(answer_on_worker)
    plan_ref, options_ref = ray.put(plan), ray.put(options)
    pending: dict[Any, Question] = {}
    queue = list(reversed(todo))
    try:
        while queue or pending:
            while queue and len(pending) < options.concurrency:
                question = queue.pop()
                pending[task.remote(batch_id, plan_ref, options_ref, actor, question)] = question
                started()
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                question = pending.pop(ref)
                try:
                    record = ray.get(ref)
                except Exception as exc:  # noqa: BLE001 - the task failed beyond Ray's retries: this question's result
                    record = _lost(question, exc, plan)
                finished(record)
    finally:
        for ref in pending:
            ray.cancel(ref, force=True)
        if own_cluster:
            ray.shutdown()


def _lost(question: Question, exc: BaseException, plan: RunPlan) -> dict[str, Any]:
    cause = getattr(exc, "cause", None)
    if isinstance(cause, MassGenError):
        message = str(cause)
    else:
        message = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    error = {"kind": "worker_lost", "message": redact(message, plan.secrets), "retryable": True, "status": None}
    return result_line(question, Outcome(error=error))
