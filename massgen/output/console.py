"""The rich Consoles of the terminal displays: a closed output ends the run as the JSON lines' does; errors go
to stderr (``error_console``), never wrapped by us (a terminal wraps them itself; a file keeps whole lines)."""

from __future__ import annotations

from rich.console import Console

from .lines import OutputClosed, silence


class TerminalConsole(Console):
    def on_broken_pipe(self) -> None:  # rich's own exits with status 1 from wherever it was writing
        self.quiet = True
        silence(self.file)
        raise OutputClosed


def error_console() -> Console:
    """stderr, for error lines: ``print(..., soft_wrap=True)`` keeps a line whole wherever it goes."""
    return TerminalConsole(stderr=True, highlight=False, soft_wrap=True)
