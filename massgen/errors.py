"""Exceptions a user may see, each with a message meant for people.

    MassGenError
    ├── ConfigError                  the config cannot run (carries diagnostics)
    ├── MissingAPIKeyError           no key in the config nor in the env vars the catalog names
    ├── MissingExtraError            an optional backend used without its pip extra
    └── BackendError                 talking to a provider failed
        ├── AuthenticationError      401 / 403
        ├── BadRequestError          any other 4xx outside http.yaml's retry_statuses (never retried)
        ├── RateLimitError           429 (retried)
        ├── ProviderError            5xx, 408, 409, an ``error`` event inside a stream
        ├── TimeoutError_            connect / read / total timeout
        ├── StreamError              a stream that broke, ended early or carried malformed events
        └── NoAnswerError            a stream that finished without a usable answer (a refusal, or a finish
                                     reason such as Gemini's MALFORMED_FUNCTION_CALL)

Messages never contain API keys: ``redact`` is applied to anything that came from a request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .secret import MASK, Secret, secret_forms


class MassGenError(Exception):
    """Base of every error meant for the user."""


class ConfigError(MassGenError):
    def __init__(self, message: str, diagnostics: list[Any] | None = None) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics or []


class MissingAPIKeyError(MassGenError):
    def __init__(self, backend: str, env_vars: list[str]) -> None:
        names = " or ".join(env_vars) if env_vars else "api_key in the config"
        super().__init__(f"backend {backend!r} needs an API key: set {names} (or api_key in the config)")
        self.backend = backend
        self.env_vars = env_vars


class MissingExtraError(MassGenError):
    def __init__(self, backend: str, extra: str, module: str) -> None:
        super().__init__(
            f"backend {backend!r} needs the optional package {module!r}: pip install 'massgen[{extra}]'"
        )
        self.extra = extra


class BackendError(MassGenError):
    """A provider call failed. ``retryable`` says whether trying again could help."""

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        provider: str | None = None,
    ) -> None:
        super().__init__(redact(message))
        self.message = redact(message)
        self.status = status
        self.request_id = request_id
        self.provider = provider

    def __str__(self) -> str:
        parts = [self.message]
        if self.status is not None:
            parts.append(f"(HTTP {self.status})")
        if self.request_id:
            parts.append(f"[request id {self.request_id}]")
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class AuthenticationError(BackendError):
    pass


class BadRequestError(BackendError):
    pass


class RateLimitError(BackendError):
    retryable = True


class ProviderError(BackendError):
    retryable = True


class TimeoutError_(BackendError):
    retryable = True


class StreamError(BackendError):
    """``retryable`` is set on the instances worth sending again: a stream cut off before its end marker."""


class NoAnswerError(BackendError):
    """The provider ended the answer without one the user can use; ``retryable`` when sending the request
    again may well succeed (a malformed function call), not when it was refused."""


def status_error(message: str, status: int | None, *, provider: str | None = None,
                 request_id: str | None = None) -> BackendError:
    """The one meaning of an HTTP status, whoever reports it: a response, an error event inside a stream,
    or a runtime's CLI or SDK. It is retryable exactly when http.yaml's ``retry_statuses`` lists it (a
    status-less error keeps its class's default)."""
    from .resources import http_facts

    retry_statuses = http_facts()["retry_statuses"]
    if status in (401, 403):
        cls: type[BackendError] = AuthenticationError
    elif status == 429:
        cls = RateLimitError
    elif status is not None and 400 <= status < 500 and status not in retry_statuses:
        cls = BadRequestError
    else:
        cls = ProviderError
    error = cls(message, status=status, request_id=request_id, provider=provider)
    if status is not None:
        error.retryable = status in retry_statuses
    return error


_URL_USERINFO = re.compile(r"(://[^/\s:@]*:)[^/\s@]+@")
_URL_QUERY_CREDENTIAL = re.compile(
    r"(?i)([?&][\w.-]*(?:key|token|secret|passw|auth|sig|session|credential)[\w.-]*=)[^&#\s\"']+")
_OPENAI_STYLE_KEY = re.compile(r"sk-[A-Za-z0-9_\-]{8,}")
# Other well-known credential shapes, wherever they are written (a key put in the wrong field): Google API
# keys, GitHub tokens, Slack tokens, AWS access key ids. Each is looked for only after its prefix is seen.
_KNOWN_SHAPES = (("AIza", re.compile(r"AIza[0-9A-Za-z_\-]{20,}")), ("gh", re.compile(r"gh[pousr]_[A-Za-z0-9]{20,}")),
                 ("xox", re.compile(r"xox[abposr]-[A-Za-z0-9\-]{8,}")), ("AKIA", re.compile(r"AKIA[0-9A-Z]{16}")))
# A ``${VAR}`` reference (optionally after ``Bearer``) names where the key comes from: it stays readable.
_KEY_ASSIGNMENT = re.compile(
    r"(?i)(api[-_]?key|authorization|x-api-key|x-goog-api-key)([\"']?\s*[:=]\s*[\"']?)"
    r"(?!(?:Bearer\s+)?\$\{)(Bearer\s+)?[^\s\"',}&#]+"
)


def redact(text: str, secrets: Iterable[Secret | str] = ()) -> str:
    """Remove the given secrets, in each form they can take in text (``Secret.forms``), plus anything that
    looks like an API key or a credential in a URL (``user:password@``, ``?token=...``)."""
    for form in secret_forms(tuple(secrets)):
        if form in text:
            text = text.replace(form, MASK)
    if "@" in text and "://" in text:
        text = _URL_USERINFO.sub(rf"\1{MASK}@", text)
    if "=" in text and ("?" in text or "&" in text):
        text = _URL_QUERY_CREDENTIAL.sub(rf"\1{MASK}", text)
    if "sk-" in text:
        text = _OPENAI_STYLE_KEY.sub("sk-***", text)
    for prefix, shape in _KNOWN_SHAPES:
        if prefix in text:
            text = shape.sub(MASK, text)
    # The case-blind alternation scans slowly (a long transcript batch is megabytes): look for its words first.
    lowered = text.lower()
    if "key" in lowered or "authorization" in lowered:
        text = _KEY_ASSIGNMENT.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    return text
