"""What every stream decoder shares: strict JSON, error mapping, tool-argument parsing, the final turn."""

from __future__ import annotations

import json
from typing import Any

from ...conversation import Message
from ...errors import BackendError, BadRequestError, AuthenticationError, ProviderError, RateLimitError, StreamError
from ...events import Event, Finish, ToolCall, Usage


_decode = json.JSONDecoder().decode  # json.loads minus its per-call encoding sniffing: this runs per event


def load(data: bytes, protocol: str) -> Any:
    try:
        return _decode(data.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError is one too
        snippet = data[:120].decode("utf-8", "replace")
        raise StreamError(f"{protocol}: malformed event in the stream (not JSON): {snippet!r}") from None


def error_for_status(status: int | None) -> type[BackendError]:
    """The exception class for an HTTP status (also used for statuses reported inside a stream)."""
    if status in (401, 403):
        return AuthenticationError
    if status == 429:
        return RateLimitError
    if status in (400, 404, 413, 422):
        return BadRequestError
    return ProviderError


def stream_error(protocol: str, message: str, status: int | None = None, kind: str | None = None) -> BackendError:
    label = f" ({kind})" if kind else ""
    return error_for_status(status)(f"{protocol}: the provider reported an error in the stream{label}: {message}", status=status)


def parse_arguments(protocol: str, name: str, text: str) -> dict[str, Any]:
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        raise StreamError(f"{protocol}: the arguments of tool call {name!r} are not valid JSON: {text[:200]!r}") from None
    if not isinstance(value, dict):
        raise StreamError(f"{protocol}: the arguments of tool call {name!r} are not a JSON object: {text[:200]!r}")
    return value


def ended_early(protocol: str, waited_for: str) -> StreamError:
    return StreamError(f"{protocol}: the stream ended before {waited_for}; the answer is incomplete")


def final_events(
    usage: tuple[int, int] | None,
    reason: str,
    raw_reason: str | None,
    text: list[str],
    calls: list[ToolCall],
    provider_state: Any = None,
) -> list[Event]:
    """Usage (when reported) then the one Finish carrying the assistant turn to append."""
    message = Message(role="assistant", content="".join(text), tool_calls=calls, provider_state=provider_state)
    events: list[Event] = [Usage(*usage)] if usage is not None else []
    events.append(Finish(reason=reason, raw_reason=raw_reason, message=message))
    return events
