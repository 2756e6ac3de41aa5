"""The rich Console of the terminal displays: a closed output ends the run as the JSON lines' does."""

from __future__ import annotations

from rich.console import Console

from .lines import OutputClosed, silence


class TerminalConsole(Console):
    def on_broken_pipe(self) -> None:  # rich's own exits with status 1 from wherever it was writing
        self.quiet = True
        silence(self.file)
        raise OutputClosed
