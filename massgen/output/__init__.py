"""Where a run's events go: JSON lines, the rich terminal display, or plain text.

Every sink is called with each event and closed once at the end of the run. A sink that shows a spinner
has ``waiting()``, called when a question goes out.
"""

from __future__ import annotations

from typing import Protocol

from ..events import Event


class Sink(Protocol):
    def __call__(self, event: Event) -> None: ...

    def close(self) -> None: ...


def make_sink(output: str, *, display: bool = True, agents: list[str] | None = None) -> Sink:
    """``output`` is ``jsonl`` or ``text``; text uses a rich display unless ``display`` is off, the
    side-by-side one when several ``agents`` run."""
    if output == "jsonl":
        from .jsonl import JsonlSink

        return JsonlSink()
    if not display:
        if agents and len(agents) > 1:
            from .multi_agent import PlainMultiAgentSink

            return PlainMultiAgentSink(agents)
        from .plain import PlainSink

        return PlainSink()
    if agents and len(agents) > 1:
        from .multi_agent import MultiAgentDisplay

        return MultiAgentDisplay(agents)
    from .display import RichDisplay

    return RichDisplay()
