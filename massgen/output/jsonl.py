"""``--output jsonl``: the event contract of DESIGN.md, one JSON object per line, flushed line by line."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from ..events import Event

# The event types of the contract; anything else (a turn's ``finish``) stays internal.
CONTRACT_TYPES = frozenset(
    {"text", "reasoning", "tool_call", "tool_result", "builtin_tool", "usage", "answer", "vote", "error", "final"}
)


class JsonlSink:
    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stdout

    def __call__(self, event: Event) -> None:
        if event.type in CONTRACT_TYPES:
            self._stream.write(json.dumps(event.to_json(), ensure_ascii=False, separators=(",", ":")) + "\n")
            self._stream.flush()

    def close(self) -> None:
        self._stream.flush()
