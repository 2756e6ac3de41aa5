"""``--no-display``: the answer as plain text on stdout; tool activity, usage and errors on stderr."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from ..events import Error, Event, Final, Notice, Retry, TextDelta, ToolCall, ToolResult, Usage
from .summary import UsageTotals, one_line, retry_note


class PlainSink:
    def __init__(self, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self._out, self._err = out or sys.stdout, err or sys.stderr
        self._usage = UsageTotals()
        self._at_line_start = True

    def __call__(self, event: Event) -> None:
        if isinstance(event, TextDelta):
            self._out.write(event.text)
            self._out.flush()
            self._at_line_start = event.text.endswith("\n")
        elif isinstance(event, ToolCall):
            self._note(f"[tool] {event.name} {json.dumps(event.arguments, ensure_ascii=False)}")
        elif isinstance(event, ToolResult):
            self._note(f"[{'tool error' if event.is_error else 'result'}] {event.name}: {one_line(event.content)}")
        elif isinstance(event, Usage):
            self._usage.add(event)
        elif isinstance(event, Notice):
            self._note(f"notice: {event.message}")
        elif isinstance(event, Error):
            self._note(f"error: {event.message}")
        elif isinstance(event, Retry):  # stdout cannot take back what it wrote: say it no longer counts
            self._note(f"{retry_note(event)}; the partial answer above is discarded")
        elif isinstance(event, Final):
            self._end_line()

    def _note(self, line: str) -> None:
        self._end_line()
        self._err.write(line + "\n")
        self._err.flush()

    def _end_line(self) -> None:
        if not self._at_line_start:
            self._out.write("\n")
            self._out.flush()
            self._at_line_start = True

    def close(self) -> None:
        self._end_line()
        if self._usage:
            self._err.write(f"usage: {self._usage}\n")
            self._err.flush()
