"""HTTP for every protocol: pooled ``httpx.AsyncClient``s per event loop, timeouts, bounded retries.

A request is retried (exponential backoff with jitter, honouring ``retry-after-ms`` / ``Retry-After``), up to
``max_retries`` times and within the total timeout, on the statuses ``http.yaml`` lists, on connection
failures and timeouts, and when a stream breaks mid-way: the connection drops, the stream ends before its
protocol's end marker, or it finishes without a usable answer that is worth asking for again (a retryable
``StreamError`` / ``NoAnswerError``). When such a failure comes after events were handed on, a ``Retry`` event
goes out first, telling every consumer to discard that agent's partial output.

Streams share one event loop: each hands control back after its first event, after every event while another
stream of the loop still waits for its first, and after every ``FAIR_SLICE`` seconds of decoding, so one long
burst cannot hold up the first event of the others.
One answer is bounded by ``max_response`` (decoded bytes and text characters), and bodies are decompressed in
bounded pieces.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import random
import ssl
import time
import weakref
import zlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx

from ..errors import (
    BackendError,
    NoAnswerError,
    ProviderError,
    RateLimitError,
    StreamError,
    TimeoutError_,
    redact,
    status_error,
)
from ..events import Event, ReasoningDelta, Retry, TextDelta
from ..resources import http_facts
from .body import ACCEPT_ENCODING, UnsupportedEncoding, pieces
from .gate import REQUEST_GATE
from .request import HTTPRequest
from .sse import SSEParser


class _Loop:
    """This event loop's HTTP clients and its streams still waiting for their first event.

    Streams are spread over several ``httpx.AsyncClient``s of at most ``pool.streams_per_client`` streams each:
    httpcore's pool looks at every one of its connections whenever a request starts or ends, so one pool of
    500 busy connections costs O(500²) checks (a third of the time of 500 concurrent streams, profiled)."""

    def __init__(self) -> None:
        self.clients: list[httpx.AsyncClient] = []
        self.streams: dict[httpx.AsyncClient, int] = {}
        self.waiting = 0  # streams started whose first event has not come yet

    def client(self) -> httpx.AsyncClient:
        pool = http_facts()["pool"]
        self.clients = [c for c in self.clients if not c.is_closed]
        client = min(self.clients, key=lambda c: self.streams.get(c, 0), default=None)
        if client is None or self.streams.get(client, 0) >= pool["streams_per_client"]:
            limits = httpx.Limits(max_connections=pool["max_connections"],
                                  max_keepalive_connections=pool["max_keepalive_connections"])
            client = httpx.AsyncClient(limits=limits, follow_redirects=False, verify=_tls_context(),
                                       headers={"accept-encoding": ACCEPT_ENCODING})
            self.clients.append(client)
        return client


@cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context for every client: building one loads the CA bundle (about 20 ms)."""
    return httpx.create_ssl_context()


_LOOPS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Loop] = weakref.WeakKeyDictionary()


def _this_loop() -> _Loop:
    loop = asyncio.get_running_loop()
    state = _LOOPS.get(loop)
    if state is None:
        state = _LOOPS[loop] = _Loop()
    return state


async def aclose_shared_client() -> None:
    """Close this event loop's HTTP clients (their connections); the next request opens new ones."""
    state = _LOOPS.pop(asyncio.get_running_loop(), None)
    for client in state.clients if state is not None else ():
        await client.aclose()


@dataclass(frozen=True)
class Policy:
    connect: float
    read: float
    total: float
    max_retries: int
    max_bytes: int = 0  # of one decoded response body; 0: http.yaml's
    max_text: int = 0  # characters of text and reasoning in one response; 0: http.yaml's

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> Policy:
        defaults = http_facts()
        timeout = {**defaults["timeout"], **(params.get("timeout") or {})}
        retries = params.get("max_retries")
        most = {**defaults["max_response"], **(params.get("max_response") or {})}
        return cls(float(timeout["connect"]), float(timeout["read"]), float(timeout["total"]),
                   int(defaults["max_retries"] if retries is None else retries), int(most["bytes"]), int(most["text"]))


FAIR_SLICE = 0.0005  # seconds of decoding one stream does before letting the others run


class _Retry(Exception):
    """``error`` is worth sending the request again; ``handed_on``: events of this attempt were already yielded."""

    def __init__(self, error: BackendError, delay: float | None = None, handed_on: bool = False) -> None:
        self.error = error
        self.delay = delay
        self.handed_on = handed_on


async def stream_events(
    request: HTTPRequest,
    new_decoder: Callable[[], Any],
    policy: Policy,
    label: str,
    secrets: tuple[str, ...],
    agent: str | None = None,
) -> AsyncIterator[Event]:
    """POST ``request`` and yield the decoded events (``agent`` set), a ``Retry`` before each retry of a stream
    that broke after handing events on; raise a ``BackendError`` on failure."""
    deadline = time.monotonic() + policy.total
    state = _this_loop()
    clock = time.perf_counter
    attempt = 0
    gate = REQUEST_GATE.get()  # set by `massgen batch`: rate limits shared with the other questions
    while True:
        try:
            if gate is not None:
                await gate.before_request(agent)
            give_way = True  # after the first event of the attempt
            turn_ends = clock() + FAIR_SLICE
            async for batch in _attempt(state, request, new_decoder(), policy, label, secrets, deadline):
                for event in batch:
                    event.agent = agent
                    yield event
                    # hand the loop over after the first event, and after every event while another stream
                    # waits for its first: a long burst must not hold up everyone's first event
                    if give_way or state.waiting:
                        give_way = False
                        await asyncio.sleep(0)
                        turn_ends = clock() + FAIR_SLICE
                if clock() > turn_ends:  # and after each slice of decoding
                    await asyncio.sleep(0)
                    turn_ends = clock() + FAIR_SLICE
            return
        except _Retry as retry:
            if gate is not None and isinstance(retry.error, RateLimitError):
                gate.rate_limited(agent, retry.delay)
            if attempt >= policy.max_retries:
                raise retry.error from None
            delay = _backoff(attempt, retry.delay)
            if time.monotonic() + delay > deadline:
                raise retry.error from None
            attempt += 1
            if retry.handed_on:
                yield Retry(attempt + 1, str(retry.error), agent=agent)
            await asyncio.sleep(delay)


async def _attempt(
    state: _Loop, request: HTTPRequest, decoder: Any, policy: Policy, label: str, secrets: tuple[str, ...],
    deadline: float,
) -> AsyncIterator[list[Event]]:
    """One request; yields the events of each network read together (one generator step per read, not per
    event). Raises ``_Retry`` for what is worth sending again, with ``handed_on`` when events went out."""
    client = state.client()
    state.streams[client] = state.streams.get(client, 0) + 1
    state.waiting += 1
    waiting = True  # for this attempt's first event: the other streams of the loop give way meanwhile
    handed_on = False
    read = min(policy.read, policy.total)
    timeout = httpx.Timeout(connect=policy.connect, read=read, write=policy.connect, pool=policy.connect)
    response: httpx.Response | None = None
    try:
        built = client.build_request(request.method, request.url, params=request.query or None,
                                     headers=request.headers, content=request.content, timeout=timeout)
        try:
            response = await client.send(built, stream=True)
        except httpx.TimeoutException as exc:
            raise _Retry(TimeoutError_(f"{label}: connecting to {request.url} timed out ({type(exc).__name__})")) from None
        except httpx.TransportError as exc:
            raise _Retry(ProviderError(redact(f"{label}: cannot reach {request.url}: {exc}", secrets))) from None
        if response.status_code >= 400:
            raise await _status_error(response, label, secrets)
        if response.headers.get("content-type", "").startswith("application/json"):
            raise await _not_a_stream(response, label, secrets)
        parser = SSEParser()
        size = _Size(policy, label)
        batch: list[Event] = []
        try:
            async for chunk in pieces(response):  # decoded in bounded pieces: a provider may gzip its stream
                size.add_bytes(len(chunk))
                for name, data in parser.feed(chunk):
                    events = decoder.feed(name, data)
                    size.add_events(events)
                    batch += events
                if batch:
                    if waiting:
                        waiting = False
                        state.waiting -= 1
                    handed_on = True
                    out, batch = batch, []
                    yield out
                if time.monotonic() > deadline:
                    raise TimeoutError_(f"{label}: the answer took longer than the total timeout of {policy.total:g} s")
            for name, data in parser.close():
                batch += decoder.feed(name, data)
            batch += decoder.finish()
        except (BackendError, httpx.TransportError):
            if batch:  # what was decoded before the failure still goes out, before the failure does
                handed_on = True
                out, batch = batch, []
                yield out
            raise
        handed_on = True
        yield batch
    except BackendError as error:  # reported inside the stream: say which request it was
        if response is not None:
            error.request_id = error.request_id or _request_id(response.headers)
        if error.retryable and isinstance(error, (StreamError, NoAnswerError)):
            raise _Retry(error, handed_on=handed_on) from None
        raise
    except httpx.TimeoutException:
        error = TimeoutError_(f"{label}: no data from the provider for {read:g} s (read timeout)")
        raise _Retry(error, handed_on=handed_on) from None
    except httpx.TransportError as exc:
        error = StreamError(redact(f"{label}: the connection broke during the answer: {exc or type(exc).__name__}", secrets))
        raise _Retry(error, handed_on=handed_on) from None
    except (UnsupportedEncoding, zlib.error) as exc:
        raise StreamError(f"{label}: the answer could not be decompressed: {exc}") from None
    finally:
        state.streams[client] -= 1
        if waiting:
            state.waiting -= 1
        if response is not None:
            await response.aclose()


class _Size:
    """Counts one response against ``max_response``; past either cap the answer ends in a StreamError."""

    def __init__(self, policy: Policy, label: str) -> None:
        self.policy, self.label = policy, label
        self.bytes = self.text = 0

    def add_bytes(self, count: int) -> None:
        self.bytes += count
        if self.bytes > self.policy.max_bytes:
            self._stop(f"more than {self.policy.max_bytes:,} bytes", "bytes")

    def add_events(self, events: list[Event]) -> None:
        for event in events:
            if isinstance(event, (TextDelta, ReasoningDelta)):
                self.text += len(event.text)
        if self.text > self.policy.max_text:
            self._stop(f"more than {self.policy.max_text:,} characters of text", "text")

    def _stop(self, what: str, key: str) -> None:
        raise StreamError(f"{self.label}: the answer was stopped after {what} (max_response.{key}); "
                          f"raise max_response.{key} in the backend config if such an answer is expected")


async def _read_body(response: httpx.Response) -> bytes:
    """The (decompressed) body, up to ``error_body_limit`` bytes: enough for any error message."""
    limit = http_facts()["error_body_limit"]
    body = b""
    try:
        async for chunk in pieces(response):
            body += chunk
            if len(body) >= limit:
                break
    except (UnsupportedEncoding, zlib.error):
        pass  # the status says enough
    return body[:limit]


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
