"""``--output jsonl``: the event contract of DESIGN.md, one JSON object per line.

Deltas are written in bursts (see ``lines.LineWriter``); every other event is written and flushed at once.
"""

from __future__ import annotations

import sys
from typing import TextIO

from ..events import Event, ReasoningDelta, TextDelta
from .lines import LineWriter, encode

# The event types of the contract; anything else (a turn's ``finish``) stays internal.
CONTRACT_TYPES = frozenset(
    {"text", "reasoning", "tool_call", "tool_result", "builtin_tool", "usage", "answer", "vote", "retry", "error", "final"}
)


class JsonlSink:
    def __init__(self, stream: TextIO | None = None) -> None:
        self._lines = LineWriter(stream or sys.stdout)

    def __call__(self, event: Event) -> None:
        if event.type in CONTRACT_TYPES:
            self._lines.write(encode(event.to_json()), now=not isinstance(event, (TextDelta, ReasoningDelta)))

    def close(self) -> None:
        self._lines.flush()
