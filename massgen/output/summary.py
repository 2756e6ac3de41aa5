"""Small helpers the terminal outputs share: usage totals and one-line previews of tool output."""

from __future__ import annotations

from dataclasses import dataclass

from ..events import Retry, Usage

PREVIEW_CHARS = 120


@dataclass(slots=True)
class UsageTotals:
    input_tokens: int = 0
    output_tokens: int = 0
    turns: int = 0

    def add(self, usage: Usage) -> None:
        self.input_tokens += usage.input_tokens
        self.output_tokens += usage.output_tokens
        self.turns += 1

    def __bool__(self) -> bool:
        return self.turns > 0

    def __str__(self) -> str:
        return f"{self.input_tokens} input tokens, {self.output_tokens} output tokens"


def one_line(text: str, limit: int = PREVIEW_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def retry_note(retry: Retry) -> str:
    """``retrying (attempt 2): <why>``, the why cut to one line."""
    return f"retrying (attempt {retry.attempt}): {one_line(retry.reason)}"
