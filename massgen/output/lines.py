"""JSON lines written in bursts: one write and one flush per network read, not one per event.

A single read of a provider stream carries many deltas; flushing each one costs a system call, and on a
long stream those calls cost more than decoding it. ``LineWriter`` keeps deferred lines until the event
loop next gets control (which is when the stream waits for more bytes), so a reader still gets every event
as soon as the process could have written it. Lines written with ``now=True`` go out at once, after any
that wait, so the order never changes.

When the reader goes away (``massgen run --output jsonl | head``), the next write raises ``OutputClosed``,
which ends the run quietly instead of streaming into a closed pipe.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any, TextIO

# One encoder for every line (json.dumps with options builds one per call); events hold plain JSON data
# from a provider, which cannot be circular, so the per-call cycle check is skipped.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str, check_circular=False)
MAX_PENDING = 4096  # a producer that never yields to the loop still gets its lines out in bounded batches


class OutputClosed(BrokenPipeError):
    """Whoever read the output closed it: there is no one left to write the run's events for. A broken pipe, so
    that the layers below (the orchestrator) stop for it without knowing the output exists."""


def encode(record: dict[str, Any]) -> str:
    return _ENCODER.encode(record)


class LineWriter:
    """Writes lines to ``stream``, deferred ones in batches."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._pending: list[str] = []
        self._scheduled = False
        self._reader_gone = False

    def write(self, line: str, *, now: bool = False) -> None:
        if self._reader_gone:
            raise OutputClosed
        self._pending.append(line)
        if now or len(self._pending) >= MAX_PENDING:
            self.flush()
        elif not self._scheduled:
            try:
                asyncio.get_running_loop().call_soon(self._flush_scheduled)
            except RuntimeError:  # no event loop: nothing would come back to write later
                self.flush()
                return
            self._scheduled = True

    def flush(self) -> None:
        """Write what waits; a reader that has gone away is noted (the next ``write`` says so), not raised here,
        since this also runs as an event-loop callback, where nobody could catch it."""
        if self._reader_gone:
            return
        text = "\n".join(self._pending) + "\n" if self._pending else ""
        self._pending.clear()
        try:
            if text:
                self._stream.write(text)
            self._stream.flush()
        except BrokenPipeError:
            self._reader_gone = True
            silence(self._stream)

    def _flush_scheduled(self) -> None:
        self._scheduled = False
        if self._pending and not self._stream.closed:
            self.flush()


def silence(stream: TextIO) -> None:
    """Point the stream's descriptor at /dev/null, so the interpreter's own flush at exit cannot fail again."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):  # not backed by a descriptor (a StringIO in tests)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)

