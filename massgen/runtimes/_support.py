"""Helpers shared by the runtimes: optional imports, the silence timeout, a conversation as one prompt."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING

from ..errors import MissingExtraError

if TYPE_CHECKING:
    from ..config.plan import AgentPlan
    from ..conversation import Message


def import_extra(module: str, *, package: str, backend: str, extra: str) -> ModuleType:
    """Import an optional SDK, or raise ``MissingExtraError`` naming the pip package and extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if exc.name is not None and module.split(".")[0] != exc.name.split(".")[0]:
            raise  # the SDK is there but broken: let the real import error show
        raise MissingExtraError(backend, extra, package) from None


def silence_timeout(plan: AgentPlan, default: float) -> float:
    """The config's ``timeout.read``: here, the longest silence accepted from the CLI or the agent."""
    timeout = plan.setting("timeout") or {}
    return float(timeout.get("read") or default)


def transcript_prompt(messages: list[Message]) -> str:
    """The conversation as one prompt: the last user message, after any earlier turns as a transcript."""
    turns = [m for m in messages if m.role != "system"]
    if len(turns) == 1 and turns[0].role == "user":
        return turns[0].content
    lines = ["Conversation so far:"]
    for message in turns:
        if message.role == "tool":
            lines.append(f"[tool result {message.name or ''}] {message.content}")
            continue
        lines.append(f"[{message.role}] {message.content}")
        lines += [f"[{message.role} called {call.name}] {call.arguments}" for call in message.tool_calls]
    lines.append("Continue the conversation: answer the last message.")
    return "\n".join(lines)
