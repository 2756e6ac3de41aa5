"""What every stream decoder shares: strict JSON, error mapping, tool-argument parsing, the final turn.

Each decoder's ``feed`` reads fields straight (``event["index"]``) inside one ``try``: an event of an
unexpected shape raises ``KeyError``/``TypeError``/... there, and ``malformed`` turns that into a
``StreamError`` naming the protocol and the event. (A ``try`` costs nothing until something raises; per-field
checks would cost on every event.)
"""

from __future__ import annotations

import json
from typing import Any

from ...conversation import Message
from ...errors import BackendError, StreamError, status_error
from ...events import Event, Finish, ToolCall, Usage

_decode = json.JSONDecoder().decode  # json.loads minus its per-call encoding sniffing: this runs per event


# what a decoder's ``feed`` raises when an event has an unexpected shape (see ``malformed``)
SHAPE_ERRORS = (KeyError, IndexError, TypeError, AttributeError, ValueError)


def load(data: bytes, protocol: str) -> dict[str, Any]:
    """One event's JSON object; anything else (not JSON, or JSON that is not an object) is a ``StreamError``."""
    try:
        value = _decode(data.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError is one too
        raise StreamError(f"{protocol}: malformed event in the stream (not JSON): {_snippet(data)!r}") from None
    if type(value) is dict:
        return value
    raise StreamError(f"{protocol}: malformed event in the stream (JSON, but not a JSON object): {_snippet(data)!r}")


def _snippet(data: bytes, size: int = 120) -> str:
    return data[:size].decode("utf-8", "replace") + ("..." if len(data) > size else "")


def malformed(protocol: str, event: Any, exc: Exception, data: bytes | None = None) -> StreamError:
    """The ``StreamError`` for an event whose fields are missing or of the wrong type (``exc`` says which)."""
    if isinstance(exc, KeyError):
        detail = f"no {exc.args[0]!r} field" if exc.args else "a field is missing"
    elif isinstance(exc, IndexError):
        detail = "a list is shorter than expected"
    else:
        detail = f"a field has an unexpected type: {exc}"
    where = f"a {event!r} event" if event else "an event"
    shown = f": {_snippet(data)!r}" if data is not None else ""
    return StreamError(f"{protocol}: malformed event in the stream ({where} of an unexpected shape, {detail}){shown}")


def error_fields(error: Any) -> dict[str, Any]:
    """An in-stream error object as a dict (some servers send a bare string as the error)."""
    return error if isinstance(error, dict) else {"message": str(error)}


def stream_error(protocol: str, message: str, status: int | None = None, kind: str | None = None) -> BackendError:
    label = f" ({kind})" if kind else ""
    return status_error(f"{protocol}: the provider reported an error in the stream{label}: {message}", status)


def parse_arguments(name: str, text: str) -> tuple[dict[str, Any], str | None]:
    """A tool call's arguments and, when they are not a JSON object, why: such a call is still handed on
    (with ``{}``), so that the agent loop answers it with a tool error the model can correct, instead of the
    whole turn failing."""
    value = arguments_or_none(text)
    if value is None:
        return {}, f"the arguments of tool {name!r} are {_what_is_wrong(text)}"
    return value, None


def arguments_or_none(text: Any) -> dict[str, Any] | None:
    """A tool call's arguments, ``{}`` for none at all, ``None`` when they are not a JSON object."""
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _what_is_wrong(text: Any) -> str:
    text = text if isinstance(text, str) else json.dumps(text)
    try:
        json.loads(text)
        what = "not a JSON object"
    except ValueError as exc:
        what = f"not valid JSON ({exc.msg} at character {exc.pos})"
    excerpt = repr(text) if len(text) <= 120 else f"{text[:80]!r} ... {text[-30:]!r} ({len(text):,} characters)"
    return f"{what}: {excerpt}"


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
