"""Where a run's events go: JSON lines, the rich terminal display, or plain text.

Every sink is called with each event and closed once at the end of the run.
"""

from __future__ import annotations

from typing import Protocol

from ..events import Event


class Sink(Protocol):
    def __call__(self, event: Event) -> None: ...

    def close(self) -> None: ...


def make_sink(output: str, *, display: bool = True) -> Sink:
    """``output`` is ``jsonl`` or ``text``; text uses the rich display unless ``display`` is off."""
    if output == "jsonl":
        from .jsonl import JsonlSink

        return JsonlSink()
    if display:
        from .display import RichDisplay

        return RichDisplay()
    from .plain import PlainSink

    return PlainSink()
