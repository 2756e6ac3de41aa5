"""Keep AG2 off stdout: its console stream prints every message, which would corrupt
``massgen run --output jsonl``. The backend streams those messages as events instead."""

from __future__ import annotations

from typing import Any

from ...errors import MassGenError


class SilentStream:
    """An AG2 IO stream that shows nothing and never asks for input (agents run unattended)."""

    def print(self, *objects: Any, sep: str = " ", end: str = "\n", flush: bool = False) -> None:
        return None

    def send(self, message: Any) -> None:
        return None

    def input(self, prompt: str = "", *, password: bool = False) -> str:
        raise MassGenError("an AG2 agent asked for human input; MassGen runs AG2 agents unattended")


def silence_ag2() -> None:
    # Global, not a context variable: AG2 calls its LLM clients in worker threads, which do not inherit
    # the caller's context.
    from autogen.io import IOStream

    if not isinstance(IOStream.get_global_default(), SilentStream):
        IOStream.set_global_default(SilentStream())
