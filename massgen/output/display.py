"""The rich terminal display of one agent: a spinner until the first token, the answer streamed as it
comes, tool calls and results as compact lines, usage at the end."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.text import Text

from ..events import (
    BuiltinTool,
    Error,
    Event,
    Final,
    Notice,
    ReasoningDelta,
    Retry,
    TextDelta,
    ToolCall,
    ToolResult,
    Usage,
)
from .console import TerminalConsole, error_console
from .summary import UsageTotals, one_line, retry_note

_STYLES = {"text": "", "reasoning": "dim italic"}


class RichDisplay:
    def __init__(self, console: Console | None = None, *, waiting: str = "Waiting for the model…",
                 errors: Console | None = None) -> None:
        self.console = console or TerminalConsole(highlight=False)
        self.errors = errors or error_console()
        self._usage = UsageTotals()
        self._waiting = waiting
        self._status: Any = None
        self._at_line_start = True
        self._streaming: str | None = None  # "text" or "reasoning" while a stream is being written

    def waiting(self) -> None:
        """A question went out: spin until the first token comes back."""
        self._spin()

    def __call__(self, event: Event) -> None:
        self._stop_spinner()
        if isinstance(event, TextDelta):
            self._write(event.text, "text")
        elif isinstance(event, ReasoningDelta):
            self._write(event.text, "reasoning")
        elif isinstance(event, ToolCall):
            args = one_line(json.dumps(event.arguments, ensure_ascii=False))
            self._line(Text.assemble(("⚙ ", "cyan"), (event.name, "bold cyan"), (f" {args}", "cyan")))
        elif isinstance(event, ToolResult):
            style = "red" if event.is_error else "green"
            self._line(Text.assemble(("  ↳ ", style), (one_line(event.content), style)))
            self._spin()  # the model works on the results next
        elif isinstance(event, BuiltinTool):
            self._line(Text(f"⚙ {event.tool} (provider side)", style="cyan"))
        elif isinstance(event, Usage):
            self._usage.add(event)
        elif isinstance(event, Notice):
            self._line(Text(f"notice: {event.message}", style="yellow"))
        elif isinstance(event, Error):
            self._end_line()
            self._streaming = None
            self.errors.print(Text(f"error: {event.message}", style="bold red"), soft_wrap=True)
        elif isinstance(event, Retry):  # what is on screen stays there; this line says it no longer counts
            self._line(Text(f"↻ {retry_note(event)}; the partial answer above is discarded", style="yellow"))
            self._spin()
        elif isinstance(event, Final):
            self._end_line()

    def _spin(self) -> None:
        if self._status is None:
            self._status = self.console.status(self._waiting, spinner="dots")
            self._status.start()

    def _stop_spinner(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    def _write(self, text: str, kind: str) -> None:
        if kind != self._streaming:  # reasoning and answer each start on their own line
            self._end_line()
            self._streaming = kind
        self.console.print(Text(text, style=_STYLES[kind]), end="", soft_wrap=True)
        self._at_line_start = text.endswith("\n")

    def _line(self, text: Text) -> None:
        self._end_line()
        self._streaming = None
        self.console.print(text, soft_wrap=True)

    def _end_line(self) -> None:
        if not self._at_line_start:
            self.console.print()
            self._at_line_start = True

    def close(self) -> None:
        self._stop_spinner()
        self._end_line()
        if self._usage:
            self.console.print(Text(f"usage: {self._usage}", style="dim"))
