"""JSON lines written in bursts: one write and one flush per network read, not one per event.

A single read of a provider stream carries many deltas; flushing each one costs a system call, and on a
long stream those calls cost more than decoding it. ``LineWriter`` keeps deferred lines until the event
loop next gets control (which is when the stream waits for more bytes), so a reader still gets every event
as soon as the process could have written it. Lines written with ``now=True`` go out at once, after any
that wait, so the order never changes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, TextIO

# One encoder for every line (json.dumps with options builds one per call); events hold plain JSON data
# from a provider, which cannot be circular, so the per-call cycle check is skipped.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str, check_circular=False)
MAX_PENDING = 4096  # a producer that never yields to the loop still gets its lines out in bounded batches


def encode(record: dict[str, Any]) -> str:
    return _ENCODER.encode(record)


class LineWriter:
    """Writes lines to ``stream``; ``transform`` (e.g. redaction) is applied to each batch as a whole."""

    def __init__(self, stream: TextIO, transform: Callable[[str], str] | None = None) -> None:
        self._stream = stream
        self._transform = transform
        self._pending: list[str] = []
        self._scheduled = False

    def write(self, line: str, *, now: bool = False) -> None:
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
        if self._pending:
            text = "\n".join(self._pending) + "\n"
            self._pending.clear()
            self._stream.write(self._transform(text) if self._transform else text)
        self._stream.flush()

    def _flush_scheduled(self) -> None:
        self._scheduled = False
        if self._pending and not self._stream.closed:
            self.flush()
