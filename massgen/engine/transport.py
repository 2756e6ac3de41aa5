"""HTTP for every protocol: one pooled ``httpx.AsyncClient`` per event loop, timeouts, bounded retries.

A request is retried (exponential backoff with jitter, honouring ``retry-after-ms`` / ``Retry-After``) on the
statuses ``http.yaml`` lists and on connection failures, and only before the stream has handed on its
first event: a retry after that would repeat output the user has already seen.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import random
import time
import weakref
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from ..errors import BackendError, ProviderError, StreamError, TimeoutError_, redact, status_error
from ..events import Event
from ..resources import http_facts
from .request import HTTPRequest
from .sse import SSEParser

_CLIENTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = weakref.WeakKeyDictionary()


def shared_client() -> httpx.AsyncClient:
    loop = asyncio.get_running_loop()
    client = _CLIENTS.get(loop)
    if client is None or client.is_closed:
        pool = http_facts()["pool"]
        limits = httpx.Limits(max_connections=pool["max_connections"], max_keepalive_connections=pool["max_keepalive_connections"])
        client = _CLIENTS[loop] = httpx.AsyncClient(limits=limits, follow_redirects=False)
    return client


async def aclose_shared_client() -> None:
    client = _CLIENTS.pop(asyncio.get_running_loop(), None)
    if client is not None:
        await client.aclose()


@dataclass(frozen=True)
class Policy:
    connect: float
    read: float
    total: float
    max_retries: int

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> Policy:
        defaults = http_facts()
        timeout = {**defaults["timeout"], **(params.get("timeout") or {})}
        retries = params.get("max_retries")
        return cls(float(timeout["connect"]), float(timeout["read"]), float(timeout["total"]),
                   int(defaults["max_retries"] if retries is None else retries))


class _Retry(Exception):
    def __init__(self, error: BackendError, delay: float | None = None) -> None:
        self.error = error
        self.delay = delay


async def stream_events(
    request: HTTPRequest,
    new_decoder: Callable[[], Any],
    policy: Policy,
    label: str,
    secrets: tuple[str, ...],
    agent: str | None = None,
) -> AsyncIterator[Event]:
    """POST ``request`` and yield the decoded events (``agent`` set); raise a ``BackendError`` on failure."""
    deadline = time.monotonic() + policy.total
    attempt = 0
    while True:
        try:
            async for event in _attempt(request, new_decoder(), policy, label, secrets, deadline, agent):
                yield event
            return
        except _Retry as retry:  # _attempt retries only what failed before its first event was handed on
            if attempt >= policy.max_retries:
                raise retry.error from None
            delay = _backoff(attempt, retry.delay)
            if time.monotonic() + delay > deadline:
                raise retry.error from None
            attempt += 1
            await asyncio.sleep(delay)


async def _attempt(
    request: HTTPRequest, decoder: Any, policy: Policy, label: str, secrets: tuple[str, ...], deadline: float,
    agent: str | None,
) -> AsyncIterator[Event]:
    client = shared_client()
    read = min(policy.read, policy.total)
    timeout = httpx.Timeout(connect=policy.connect, read=read, write=policy.connect, pool=policy.connect)
    built = client.build_request(request.method, request.url, params=request.query or None, headers=request.headers,
                                 content=request.content, timeout=timeout)
    handed_on = False
    try:
        response = await client.send(built, stream=True)
    except httpx.TimeoutException as exc:
        raise _Retry(TimeoutError_(f"{label}: connecting to {request.url} timed out ({type(exc).__name__})")) from None
    except httpx.TransportError as exc:
        raise _Retry(ProviderError(redact(f"{label}: cannot reach {request.url}: {exc}", secrets))) from None
    try:
        if response.status_code >= 400:
            raise await _status_error(response, label, secrets)
        if response.headers.get("content-type", "").startswith("application/json"):
            raise await _not_a_stream(response, label, secrets)
        parser = SSEParser()
        async for chunk in response.aiter_bytes():  # decoded: a provider may gzip its stream
            for name, data in parser.feed(chunk):
                for event in decoder.feed(name, data):
                    handed_on = True
                    event.agent = agent
                    yield event
            if time.monotonic() > deadline:
                raise TimeoutError_(f"{label}: the answer took longer than the total timeout of {policy.total:g} s")
        for name, data in parser.close():
            for event in decoder.feed(name, data):
                event.agent = agent
                yield event
        for event in decoder.finish():
            event.agent = agent
            yield event
    except BackendError as error:  # reported inside the stream: say which request it was
        error.request_id = error.request_id or _request_id(response.headers)
        raise
    except httpx.TimeoutException:
        error = TimeoutError_(f"{label}: no data from the provider for {read:g} s (read timeout)")
        raise (error if handed_on else _Retry(error)) from None
    except httpx.TransportError as exc:
        error = StreamError(redact(f"{label}: the connection broke during the answer: {exc or type(exc).__name__}", secrets))
        raise (error if handed_on else _Retry(error)) from None
    finally:
        await response.aclose()


async def _read_body(response: httpx.Response) -> bytes:
    """The (decompressed) body, up to ``error_body_limit`` bytes: enough for any error message."""
    limit = http_facts()["error_body_limit"]
    body = b""
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) >= limit:
            break
    return body


async def _not_a_stream(response: httpx.Response, label: str, secrets: tuple[str, ...]) -> ProviderError:
    """A 200 with a JSON body where events were asked for: usually an error some servers send with 200."""
    message = _provider_message(await _read_body(response))
    return ProviderError(redact(f"{label}: the provider answered with JSON instead of an event stream: {message}", secrets),
                         status=response.status_code, request_id=_request_id(response.headers), provider=label)


async def _status_error(response: httpx.Response, label: str, secrets: tuple[str, ...]) -> Exception:
    body = await _read_body(response)
    status = response.status_code
    request_id = _request_id(response.headers)
    message = redact(f"{label}: {_provider_message(body) or response.reason_phrase or 'request failed'}", secrets)
    error = status_error(message, status, provider=label, request_id=request_id)
    if error.retryable:
        return _Retry(error, _retry_after(response.headers))
    return error


def _request_id(headers: httpx.Headers) -> str | None:
    return next((headers[h] for h in http_facts()["request_id_headers"] if h in headers), None)


def _provider_message(body: bytes) -> str:
    """The human message inside the error body every protocol wraps as ``{"error": {"message": ...}}``."""
    try:
        data = json.loads(body)
    except ValueError:
        return body[:500].decode("utf-8", "replace").strip()
    if isinstance(data, list) and data:
        data = data[0]
    error = data.get("error", data) if isinstance(data, dict) else data
    if isinstance(error, dict):
        return str(error.get("message") or error)
    return str(error)


def _retry_after(headers: httpx.Headers) -> float | None:
    try:
        if "retry-after-ms" in headers:
            return float(headers["retry-after-ms"]) / 1000
        if "retry-after" in headers:
            value = headers["retry-after"]
            try:
                return float(value)
            except ValueError:
                when = email.utils.parsedate_to_datetime(value)
                return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError):
        return None
    return None


def _backoff(attempt: int, retry_after: float | None) -> float:
    defaults = http_facts()
    if retry_after is not None and 0 <= retry_after <= defaults["max_retry_after"]:
        return retry_after
    backoff = defaults["backoff"]
    delay = min(backoff["max"], backoff["initial"] * backoff["factor"] ** attempt)
    return delay * (1 - backoff["jitter"] * random.random())
