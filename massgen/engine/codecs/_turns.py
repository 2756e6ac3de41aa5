"""What the Anthropic and Gemini codecs share: system text apart, tool results merged into one user turn."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...conversation import Message

Turn = Callable[[Message], tuple[str, list[dict[str, Any]]]]


def split_turns(messages: list[Message], turn: Turn, key: str) -> tuple[str, list[dict[str, Any]]]:
    """Return the joined system text and the role turns, ``key`` naming the turn's item list.

    Every result of one assistant turn must answer it together, in a single user turn.
    """
    system = "\n\n".join(m.content for m in messages if m.role == "system")
    turns: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "system":
            continue
        role, items = turn(message)
        if turns and turns[-1]["role"] == role == "user" and message.role == "tool":
            turns[-1][key].extend(items)
        else:
            turns.append({"role": role, key: items})
    return system, turns
