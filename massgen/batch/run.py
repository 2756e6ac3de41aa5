"""A whole batch: read the questions, skip those the results file already answers, answer the rest locally or
on Ray, appending each result as it comes."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .questions import Question
from .results import ResultsFile, encode_result, read_results
from .worker import BatchOptions

if TYPE_CHECKING:
    from ..config.plan import RunPlan


class Progress(Protocol):
    def start(self, total: int, skipped: int) -> None: ...

    def started(self) -> None: ...

    def finished(self, record: dict[str, Any]) -> None: ...

    def close(self) -> None: ...


@dataclass
class BatchReport:
    total: int = 0
    skipped: int = 0  # answered by an earlier run (their result line says ok)
    done: int = 0  # finished in this run, answered or failed
    failed: int = 0


def still_to_answer(questions: list[Question], out: str | Path) -> list[Question]:
    """The questions whose id has no ``ok`` line in ``out`` yet (a failed one is asked again)."""
    answered = {key for key, record in read_results(out).items() if record.get("status") == "ok"}
    return [q for q in questions if q.key not in answered]


def run_batch(plan: RunPlan, questions: list[Question], out: str | Path, options: BatchOptions, progress: Progress,
              *, ray_address: str | None = None, use_ray: bool = False) -> BatchReport:
    """Answer the questions not yet answered in ``out``, appending one line each; KeyboardInterrupt leaves
    every line written complete (the report is then lost with the exception, the file is not)."""
    todo = still_to_answer(questions, out)
    report = BatchReport(total=len(questions), skipped=len(questions) - len(todo))
    results = ResultsFile(out)
    progress.start(report.total, report.skipped)

    def finished(record: dict[str, Any]) -> None:
        results.write(encode_result(record, plan.secrets))
        report.done += 1
        report.failed += record.get("status") != "ok"
        progress.finished(record)

    try:
        if not todo:
            return report
        if use_ray:
            from .on_ray import run_on_ray

            run_on_ray(plan, todo, options, progress.started, finished, address=ray_address)
        else:
            from .local import run_local

            asyncio.run(run_local(plan, todo, options, progress.started, finished))
        return report
    finally:
        results.close()
        progress.close()
