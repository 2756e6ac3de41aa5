"""A sink for tests: keeps every event and also checks it serialises to the JSON-lines contract."""

from __future__ import annotations

import json
from typing import Any

from massgen.events import Event
from massgen.output.jsonl import CONTRACT_TYPES


class RecordingSink:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        json.dumps(event.to_json())  # every event must be serialisable as the contract says
        self.events.append(event)

    def close(self) -> None:
        pass

    def contract(self) -> list[dict[str, Any]]:
        """The events as ``--output jsonl`` prints them."""
        return [e.to_json() for e in self.events if e.type in CONTRACT_TYPES]

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.contract() if e["type"] == kind]
