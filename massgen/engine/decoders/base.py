"""What every stream decoder shares: strict JSON, error mapping, tool-argument parsing, the final turn.

Each decoder's ``feed`` reads fields straight (``event["index"]``) inside one ``try``: an event of an
unexpected shape raises ``KeyError``/``TypeError``/... there, and ``malformed`` turns that into a
``StreamError`` naming the protocol and the event. (A ``try`` costs nothing until something raises; per-field
checks would cost on every event.)
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

from ...conversation import Message
from ...errors import BackendError, NoAnswerError, StreamError, status_error
from ...events import Event, Finish, ToolCall, Usage
from ...resources import http_facts
from ..template import load_template

# msgspec's decoder takes the event's bytes as they are (no str in between) and is several times faster than
# json.loads: this runs once per event of every stream
decode_json = msgspec.json.Decoder().decode
# the finish outcomes a turn may end with normally; ``refusal`` is one when the model wrote something
NORMAL_OUTCOMES = frozenset({"stop", "tool_calls", "length", "refusal", "other"})


# what a decoder's ``feed`` raises when an event has an unexpected shape (see ``malformed``)
SHAPE_ERRORS = (KeyError, IndexError, TypeError, AttributeError, ValueError)


def load(data: bytes, protocol: str) -> dict[str, Any]:
    """One event's JSON object; anything else (not JSON, or JSON that is not an object) is a ``StreamError``."""
    try:
        value = decode_json(data)
    except (msgspec.DecodeError, UnicodeDecodeError):
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


def protocol_facts(protocol: str, facts: dict[str, Any] | None) -> dict[str, Any]:
    """The request facts a decoder reads (``finish_reasons``): the agent's, or the protocol template's defaults."""
    return facts if facts is not None else load_template(protocol)[0]


def status_of(error: dict[str, Any]) -> int | None:
    """The HTTP status an in-stream error stands for: a number in ``status_code``, ``code`` or ``status``
    (``429``, ``"429"``), else a name in ``code``, ``status`` or ``type`` that ``http.yaml``'s
    ``error_statuses`` maps (``overloaded_error`` → 529, ``RESOURCE_EXHAUSTED`` → 429); ``None`` when unknown."""
    names = http_facts()["error_statuses"]
    for key in ("status_code", "code", "status", "type"):
        value = error.get(key)
        if type(value) is int and 100 <= value <= 599:
            return value
        if isinstance(value, str):
            if value.isdigit() and 100 <= int(value) <= 599:
                return int(value)
            if value in names:
                return names[value]
    return None


def stream_error(protocol: str, error: Any) -> BackendError:
    """The exception for an error object a server sent inside a 200 stream, in any of the shapes servers use:
    ``{"message", "type"}`` (Anthropic), ``{"code": 429, "message", "status": "RESOURCE_EXHAUSTED"}`` (Gemini),
    ``{"code": "server_error", "message"}`` (OpenAI, OpenRouter), ``{"object": "error", "code": 400, ...}``
    (vLLM), or a bare string. Its class and whether it is retryable come from the one status mapping
    (``errors.status_error``) applied to the status it stands for."""
    fields = error if isinstance(error, dict) else {"message": str(error)}
    status = status_of(fields)
    names = [v for k in ("code", "type", "status") if isinstance(v := fields.get(k), str) and v and not v.isdigit()]
    label = f" ({', '.join(dict.fromkeys(names))})" if names else ""
    message = fields.get("message") or json.dumps(fields, ensure_ascii=False, default=str)[:500]
    return status_error(f"{protocol}: the provider reported an error in the stream{label}: {message}", status)


def settle(
    protocol: str, outcomes: dict[str, str], raw: str | None, has_answer: bool, calls: list[ToolCall],
    detail: str | None = None,
) -> str:
    """The normalised finish reason of a turn, from the protocol's ``finish_reasons`` table (request facts).

    A reason the table maps to ``retry`` or ``error``, or a ``refusal`` with nothing written, is no answer:
    ``NoAnswerError`` with the provider's words (``detail``: Gemini's ``finishMessage``), ``retryable`` for
    ``retry``. ``stop`` with tool calls is ``tool_calls``; an unknown reason is ``other``.
    """
    outcome = outcomes.get(raw, "other") if raw is not None else "other"
    if outcome == "stop" and calls:
        return "tool_calls"
    if outcome in NORMAL_OUTCOMES and (outcome != "refusal" or has_answer or calls):
        return outcome
    words = f"{raw}: {detail}" if detail else raw
    if outcome == "refusal":
        error = NoAnswerError(f"{protocol}: the provider withheld the answer ({words})")
    else:
        error = NoAnswerError(f"{protocol}: the model gave no usable answer ({words})")
        error.retryable = outcome == "retry"
    raise error


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
    """A stream cut before its end marker: retryable, as a connection that broke is (the transport retries it)."""
    error = StreamError(f"{protocol}: the stream ended before {waited_for}; the answer is incomplete")
    error.retryable = True
    return error


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
