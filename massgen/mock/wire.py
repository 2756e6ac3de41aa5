"""Pieces shared by the four protocol renderers: SSE framing, ids, finish-reason tables."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

_counter = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}{next(_counter):06d}scripted"


def now() -> int:
    return int(time.time())


def data_event(payload: Any, newline: str = "\n") -> bytes:
    """A data-only SSE event (Chat Completions, Gemini)."""
    return f"data: {json.dumps(payload, separators=(',', ':'))}{newline}{newline}".encode()


def named_event(name: str, payload: Any) -> bytes:
    """A named SSE event whose data repeats the type (Responses, Anthropic)."""
    return f"event: {name}\ndata: {json.dumps(payload, separators=(',', ':'))}\n\n".encode()
