"""Progress of a batch on stderr: a rich bar on a terminal, one plain line per finished question otherwise.

Both show questions done / failed / in flight, the tokens spent so far and an ETA (from this run's pace).
Lines carry ids and error kinds, never an answer's or an error's text (the results file has those).
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO


def format_duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


class Counts:
    def __init__(self) -> None:
        self.total = self.skipped = self.done = self.failed = self.in_flight = self.tokens = 0
        self.started_at = time.monotonic()

    def eta(self) -> str:
        left = self.total - self.skipped - self.done
        if not self.done or left <= 0:
            return "?" if left > 0 else "0s"
        return format_duration((time.monotonic() - self.started_at) / self.done * left)

    def start(self, total: int, skipped: int) -> None:
        self.total, self.skipped = total, skipped
        self.started_at = time.monotonic()

    def finish(self, record: dict[str, Any]) -> None:
        self.in_flight = max(0, self.in_flight - 1)
        self.done += 1
        self.failed += record.get("status") != "ok"
        self.tokens += sum(u.get("input_tokens", 0) + u.get("output_tokens", 0)
                           for u in (record.get("usage") or {}).values())


class PlainProgress:
    """One line per finished question: for logs and CI, where a redrawn bar would be noise."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.counts = Counts()

    def start(self, total: int, skipped: int) -> None:
        self.counts.start(total, skipped)
        already = f" ({skipped} already answered in the results file)" if skipped else ""
        self._line(f"massgen batch: {total - skipped} of {total} questions to answer{already}")

    def started(self) -> None:
        self.counts.in_flight += 1

    def finished(self, record: dict[str, Any]) -> None:
        c = self.counts
        c.finish(record)
        error = record.get("error") or {}
        status = f"error ({error.get('kind', '?')})" if record.get("status") != "ok" else "ok"
        self._line(f"massgen batch: {c.skipped + c.done}/{c.total} done, {c.failed} failed, {c.in_flight} in flight, "
                   f"{c.tokens:,} tokens, ETA {c.eta()} | id {record.get('id')!s} {status} "
                   f"in {record.get('wall_seconds', 0):.2f}s")

    def _line(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        pass


class RichProgress:
    """A live bar with done / failed / in-flight / tokens / ETA, redrawn on the terminal."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.counts = Counts()
        self._progress = Progress(
            TextColumn("[bold]massgen batch"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"), console=Console(stderr=True), transient=False,
        )
        self._task: Any = None

    def start(self, total: int, skipped: int) -> None:
        self.counts.start(total, skipped)
        self._task = self._progress.add_task("batch", total=total, completed=skipped, status=self._status())
        self._progress.start()

    def _status(self) -> str:
        c = self.counts
        failed = f"[red]{c.failed} failed[/]" if c.failed else "0 failed"
        return f"{failed} · {c.in_flight} in flight · {c.tokens:,} tokens · ETA {c.eta()}"

    def started(self) -> None:
        self.counts.in_flight += 1
        self._progress.update(self._task, status=self._status())

    def finished(self, record: dict[str, Any]) -> None:
        self.counts.finish(record)
        self._progress.update(self._task, advance=1, status=self._status())

    def close(self) -> None:
        self._progress.stop()


def make_progress(stream: TextIO | None = None) -> PlainProgress | RichProgress:
    """The rich bar when stderr is a terminal, plain lines otherwise."""
    stream = stream or sys.stderr
    return RichProgress() if stream.isatty() else PlainProgress(stream)
