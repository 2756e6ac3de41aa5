"""The terminal display of a multi-agent run: every agent's progress side by side, then the final answer
(and its ``--no-display`` twin, ``PlainMultiAgentSink``).

It is an event sink (called with each event, closed once at the end). Each agent gets a panel (a table
row when there are many agents) with its status, its answers and vote, and the tail of what it is
writing; coordination notices (a vote ignored, an agent dropped, a timeout) show where they happened.
Once the winner is announced its text streams into a final panel, which stays on screen when the run
ends.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TextIO

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.markdown import Markdown
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..events import Answer, Error, Event, Final, Notice, Retry, TextDelta, ToolCall, Usage, Vote
from ..orchestrator.state import anonymous_ids
from .console import TerminalConsole, error_console
from .summary import one_line, retry_note

_SIDE_BY_SIDE_MAX = 4  # more agents than this are shown as table rows
_TAIL_CHARS = 400


@dataclass
class _AgentView:
    anon: str
    status: str = "working"
    style: str = "cyan"
    answers: int = 0
    vote: str = ""
    answer: str = ""
    tail: str = ""
    note: str = ""
    tokens: list[int] = field(default_factory=lambda: [0, 0])


class MultiAgentDisplay:
    """One question at a time: its panels stay on screen once it is answered (or failed), and the next
    question starts with fresh panels (``waiting()``, or the ``final`` event of the one before)."""

    def __init__(self, agent_ids: list[str], console: Console | None = None, errors: Console | None = None) -> None:
        self.console = console or TerminalConsole()
        self.errors = errors or error_console()
        self._order = list(agent_ids)  # the panels follow the config's order
        self._anon = anonymous_ids(agent_ids)
        self.real_of = {a: r for r, a in self._anon.items()}
        self._new_question()

    def _new_question(self) -> None:
        self.agents = {agent_id: _AgentView(self._anon[agent_id]) for agent_id in self._order}
        self.presenter: str | None = None
        self.presentation = ""
        self.banner = ""
        self.final: str | None = None
        self.error: str | None = None
        self._seen = False  # any event of this question yet (anything to leave on screen)
        self._live = Live(console=self.console, get_renderable=self._render, refresh_per_second=8, transient=True)

    def waiting(self) -> None:
        """A question goes out: whatever the last one left (an error, no final answer) stays on screen,
        and the panels start afresh."""
        self._settle()

    def close(self) -> None:
        """Leaves the agents and the final answer (or the error) on screen."""
        self._settle()

    def _settle(self) -> None:
        """Replace the live view of this question by its printed outcome, then start a fresh one."""
        if self._live.is_started:
            self._live.stop()
        if self._seen:
            self.console.print(self._render_agents())
            if self.error is not None:
                self.errors.print(Text(f"error: {self.error}", style="bold red"), soft_wrap=True)
            if self.final is not None or self.presentation or self.banner:
                self.console.print(self._render_final())
        self._new_question()

    def __call__(self, event: Event) -> None:
        self._seen = True
        if not self._live.is_started:
            self._live.start()
        view = self.agents.get(event.agent or "")
        if view is None:
            if isinstance(event, Error):
                self.error = event.message
            return
        if isinstance(event, TextDelta):
            if event.agent == self.presenter:
                self.presentation += event.text
            else:
                view.tail = (view.tail + event.text)[-_TAIL_CHARS:]
        elif isinstance(event, ToolCall):
            view.note = f"calling {event.name}"
        elif isinstance(event, Answer):
            view.answers += 1
            view.answer = event.content
            view.status, view.style, view.vote, view.note = f"answered (#{view.answers})", "green", "", ""
        elif isinstance(event, Vote):
            target = self.real_of.get(event.for_agent, event.for_agent)
            view.status, view.style, view.note = "voted", "magenta", ""
            view.vote = f"{event.for_agent} ({target}): {event.reason}"
        elif isinstance(event, Usage):
            view.tokens[0] += event.input_tokens
            view.tokens[1] += event.output_tokens
        elif isinstance(event, Error):
            view.status, view.style, view.note = "error", "red", event.message
        elif isinstance(event, Retry):  # the partial text is discarded: clear it
            view.tail, view.note = "", retry_note(event)
            if event.agent == self.presenter:
                self.presentation = ""
        elif isinstance(event, Notice):
            self._notice(event, view)
        elif isinstance(event, Final):
            # The final answer as it stands (a fallback's differs from what streamed); the question is over.
            self.final = event.content
            self._settle()
            return
        self._live.refresh()

    def _notice(self, notice: Notice, view: _AgentView) -> None:
        if notice.kind == "winner":
            self.presenter = notice.agent
            view.status, view.style = "presenting", "bold yellow"
            self.banner = notice.message
        elif notice.kind in ("timeout", "fallback"):
            self.banner = notice.message
        elif notice.kind == "agent_failed":
            view.status, view.style = "dropped out", "red"
        if notice.kind != "winner":
            view.note = notice.message

    # -- rendering ---------------------------------------------------------------------------------

    def _render(self) -> RenderableType:
        parts: list[RenderableType] = [self._render_agents()]
        if self.presenter is not None or self.banner:
            parts.append(self._render_final())
        return Group(*parts)

    def _render_agents(self) -> RenderableType:
        if len(self.agents) <= _SIDE_BY_SIDE_MAX:
            grid = Table.grid(expand=True, padding=(0, 1))
            for _ in self.agents:
                grid.add_column(ratio=1)
            grid.add_row(*(self._panel(agent_id, view) for agent_id, view in self.agents.items()))
            return grid
        table = Table(expand=True)
        for column in ("agent", "status", "answers", "vote", "latest"):
            table.add_column(column, overflow="ellipsis", no_wrap=column != "latest")
        for agent_id, view in self.agents.items():
            tail_lines = view.tail.strip().splitlines()
            latest = view.note or (tail_lines[-1] if tail_lines else "") or one_line(view.answer)
            table.add_row(f"{agent_id} ({view.anon})", Text(view.status, style=view.style), str(view.answers),
                          view.vote, latest)
        return table

    def _panel(self, agent_id: str, view: _AgentView) -> Panel:
        lines = [Text(view.status, style=view.style)]
        if view.answer:
            lines.append(Text(f"answer #{view.answers}: {one_line(view.answer)}", style="green"))
        if view.vote:
            lines.append(Text(f"vote: {view.vote}", style="magenta"))
        if view.note:
            lines.append(Text(view.note, style="dim"))
        if view.tail.strip():
            lines.append(Text(view.tail.strip()))
        subtitle = f"{view.tokens[0]} in / {view.tokens[1]} out tokens" if any(view.tokens) else None
        return Panel(Group(*lines), title=f"{agent_id} ({view.anon})", subtitle=subtitle, border_style=view.style)

    def _render_final(self) -> RenderableType:
        body = self.final if self.final is not None else self.presentation
        parts: list[RenderableType] = []
        if self.banner:
            parts.append(Text(self.banner, style="yellow"))
        parts.append(Markdown(body) if body else Text("…", style="dim"))
        return Panel(Group(*parts), title="Final answer", border_style="bold yellow")


class PlainMultiAgentSink:
    """``--no-display`` for several agents: the final answer alone on stdout, coordination steps on stderr.

    The winner's presentation streams to stdout as it comes. When the final answer is not what streamed (the
    presentation failed or timed out part way and the winner's last answer is presented instead), the cut-off
    text's line is ended and the final answer follows in full, so stdout always ends with the whole answer.
    """

    def __init__(self, agent_ids: list[str], out: TextIO | None = None, err: TextIO | None = None) -> None:
        self._out, self._err = out or sys.stdout, err or sys.stderr
        self._real_of = {anon: real for real, anon in anonymous_ids(agent_ids).items()}
        self._new_question()
        self._at_line_start = True

    def _new_question(self) -> None:
        self._presenter: str | None = None
        self._streamed = ""

    def waiting(self) -> None:
        """A question goes out: nothing of the previous question's winner carries over to it."""
        self._end_line()
        self._new_question()

    def __call__(self, event: Event) -> None:
        who = f"[{event.agent}] " if event.agent else ""
        if isinstance(event, TextDelta):
            if self._presenter is not None and event.agent == self._presenter:
                self._streamed += event.text
                self._write(event.text)
        elif isinstance(event, Answer):
            self._note(f"{who}new answer: {one_line(event.content)}")
        elif isinstance(event, Vote):
            target = self._real_of.get(event.for_agent, event.for_agent)
            self._note(f"{who}votes for {event.for_agent} ({target}): {one_line(event.reason)}")
        elif isinstance(event, Notice):
            if event.kind == "winner":
                self._presenter = event.agent
            self._note(f"{who}{event.message}")
        elif isinstance(event, Error):
            self._note(f"{who}error: {event.message}")
        elif isinstance(event, Retry):
            if event.agent == self._presenter and self._streamed:
                self._streamed = ""
                self._note(f"{who}{retry_note(event)}; the partial answer above is discarded")
            else:
                self._note(f"{who}{retry_note(event)}")
        elif isinstance(event, Final):
            if not _already_shown(event.content, self._streamed):
                self._end_line()
                self._write(event.content)
            self._end_line()
            self._new_question()

    def _write(self, text: str) -> None:
        if text:
            self._out.write(text)
            self._out.flush()
            self._at_line_start = text.endswith("\n")

    def _end_line(self) -> None:
        if not self._at_line_start:
            self._write("\n")

    def _note(self, line: str) -> None:
        self._end_line()  # a note in the terminal must not land in the middle of the answer's line
        self._err.write(line + "\n")
        self._err.flush()

    def close(self) -> None:
        self._end_line()
        self._out.flush()


def _already_shown(final: str, streamed: str) -> bool:
    """Whether the streamed presentation ends with the final answer (it may have written more before a tool
    call: the final answer is the last turn's text)."""
    return streamed.rstrip().endswith(final.strip())
