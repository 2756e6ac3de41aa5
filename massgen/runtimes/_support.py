"""Helpers shared by the runtimes: optional imports, settings with catalog defaults, API keys."""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ..errors import MissingExtraError

if TYPE_CHECKING:
    from ..config.spec import AgentSpec
    from ..conversation import Message


def import_extra(module: str, *, package: str, backend: str, extra: str) -> ModuleType:
    """Import an optional SDK, or raise ``MissingExtraError`` naming the pip package and extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if exc.name is not None and module.split(".")[0] != exc.name.split(".")[0]:
            raise  # the SDK is there but broken: let the real import error show
        raise MissingExtraError(backend, extra, package) from None


class Settings:
    """A backend's parameters as the user set them, falling back to the defaults the catalog declares."""

    def __init__(self, spec: AgentSpec) -> None:
        from ..catalog import load_catalog

        self._spec = spec
        backend = (spec.catalog or load_catalog()).backends.get(spec.backend_type)
        self._declared: dict[str, dict[str, Any]] = backend.parameters if backend else {}

    def is_set(self, name: str) -> bool:
        return name in self._spec.params or name in self._spec.backend

    def get(self, name: str, fallback: Any = None) -> Any:
        for source in (self._spec.params, self._spec.backend):
            if name in source:
                return source[name]
        default = self._declared.get(name, {}).get("default")
        return fallback if default is None else default


def silence_timeout(settings: Settings, default: float) -> float:
    """The config's ``timeout.read``: here, the longest silence accepted from the CLI or the agent."""
    timeout = settings.get("timeout") or {}
    return float(timeout.get("read") or default)


def api_key(spec: AgentSpec) -> str | None:
    """The config's key, else the first set environment variable the catalog names (may be None)."""
    if spec.api_key:
        return spec.api_key
    return next((os.environ[name] for name in spec.api_key_env if os.environ.get(name)), None)


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
