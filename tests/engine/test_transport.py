"""HTTP behaviour against the loopback server: retries, error mapping, broken streams, timeouts, secrets."""

from __future__ import annotations

import json

import pytest

from massgen.errors import (
    AuthenticationError,
    BadRequestError,
    ProviderError,
    RateLimitError,
    StreamError,
    TimeoutError_,
)
from massgen.events import Finish, Retry, TextDelta
from tests.engine.helpers import KEY, backend_for, collect
from tests.protocol_server import Fault, ProtocolServer, Reply, Turn

PROTOCOL_TYPES = ["vllm", "openai", "claude", "gemini"]  # one backend type per wire protocol


@pytest.mark.anyio
@pytest.mark.parametrize("type_", PROTOCOL_TYPES)
async def test_429_with_retry_after_then_success(protocol_server: ProtocolServer, type_: str) -> None:
    protocol_server.script(Reply.error(429, "slow down", {"retry-after": "0.05"}), Turn(text="fine now"))
    events = await collect(backend_for(protocol_server, type_))
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "fine now"
    assert len(protocol_server.requests) == 2
    assert protocol_server.requests[0].body == protocol_server.requests[1].body


@pytest.mark.anyio
async def test_retry_after_ms_is_preferred(protocol_server: ProtocolServer) -> None:
    # retry-after alone would wait an hour (beyond max_retry_after: backoff instead); retry-after-ms says 10 ms
    protocol_server.script(Reply.error(503, "busy", {"retry-after": "3600", "retry-after-ms": "10"}), Turn(text="ok"))
    events = await collect(backend_for(protocol_server, "claude"))
    assert isinstance(events[-1], Finish) and events[-1].message.content == "ok"


@pytest.mark.anyio
@pytest.mark.parametrize("status", [500, 408, 409, 529])
async def test_transient_status_then_success(protocol_server: ProtocolServer, status: int) -> None:
    protocol_server.script(Reply.error(status, "oops", {"retry-after-ms": "1"}), Turn(text="recovered"))
    events = await collect(backend_for(protocol_server, "vllm"))
    assert events[-1].message.content == "recovered"


@pytest.mark.anyio
@pytest.mark.parametrize(("status", "error"), [(400, BadRequestError), (401, AuthenticationError), (403, AuthenticationError),
                                                (404, BadRequestError), (422, BadRequestError)])
async def test_client_errors_are_never_retried(protocol_server: ProtocolServer, status: int, error: type) -> None:
    protocol_server.script(Reply.error(status, "you did something wrong"), Turn(text="never sent"))
    with pytest.raises(error) as caught:
        await collect(backend_for(protocol_server, "openai"))
    assert len(protocol_server.requests) == 1
    assert caught.value.status == status and caught.value.request_id == "req_000001"
    assert "you did something wrong" in str(caught.value) and f"HTTP {status}" in str(caught.value)


@pytest.mark.anyio
async def test_retries_are_bounded(protocol_server: ProtocolServer) -> None:
    protocol_server.script(*[Reply.error(429, "quota", {"retry-after-ms": "1"})] * 5)
    with pytest.raises(RateLimitError, match="quota"):
        await collect(backend_for(protocol_server, "gemini", max_retries=2))
    assert len(protocol_server.requests) == 3


@pytest.mark.anyio
async def test_reset_before_first_event_is_retried(protocol_server: ProtocolServer) -> None:
    protocol_server.script(Turn(text="lost", fault=Fault("reset", after=0)), Turn(text="second try"))
    events = await collect(backend_for(protocol_server, "claude"))
    assert events[-1].message.content == "second try"


@pytest.mark.anyio
@pytest.mark.parametrize("type_", PROTOCOL_TYPES)
@pytest.mark.parametrize("fault", ["reset", "truncate"])
async def test_a_stream_broken_mid_way_is_retried_after_a_retry_event(protocol_server: ProtocolServer, type_: str,
                                                                      fault: str) -> None:
    # cut after 7 events: past the first text delta in every protocol, before the end in all
    protocol_server.script(Turn(text="one two three four five six seven eight", fault=Fault(fault, after=7)),
                           Turn(text="second try"))
    events = await collect(backend_for(protocol_server, type_))
    [retry] = [e for e in events if isinstance(e, Retry)]
    before, after = events[:events.index(retry)], events[events.index(retry) + 1:]
    assert before and all(isinstance(e, TextDelta) for e in before)  # what arrived was handed on once
    assert "".join(e.text for e in after if isinstance(e, TextDelta)) == "second try"
    assert after[-1].message.content == "second try"  # the turn is the attempt that finished
    expected = "connection broke" if fault == "reset" else "ended before"
    assert retry.to_json() == {"type": "retry", "agent": "agent_a", "attempt": 2, "reason": retry.reason}
    assert expected in retry.reason and KEY not in retry.reason
    assert len(protocol_server.requests) == 2 and protocol_server.requests[0].body == protocol_server.requests[1].body


@pytest.mark.anyio
@pytest.mark.parametrize("type_", PROTOCOL_TYPES)
async def test_a_stream_that_keeps_breaking_is_an_error_after_max_retries(protocol_server: ProtocolServer,
                                                                        type_: str) -> None:
    protocol_server.handler = lambda request: Turn(text="one two three four five six seven eight", fault=Fault("truncate", after=7))
    seen = []
    with pytest.raises(StreamError, match="ended before") as raised:
        async for event in backend_for(protocol_server, type_, max_retries=2).stream([], []):
            seen.append(event)
    assert raised.value.retryable and len(protocol_server.requests) == 3
    assert [e.attempt for e in seen if isinstance(e, Retry)] == [2, 3]


@pytest.mark.anyio
async def test_a_stream_cut_before_any_event_is_retried_without_a_retry_event(protocol_server: ProtocolServer) -> None:
    protocol_server.script(Turn(text="lost", fault=Fault("truncate", after=0)), Turn(text="ok"))
    events = await collect(backend_for(protocol_server, "vllm"))
    assert not [e for e in events if isinstance(e, Retry)] and events[-1].message.content == "ok"


@pytest.mark.anyio
@pytest.mark.parametrize("type_", PROTOCOL_TYPES)
async def test_malformed_event_is_an_error(protocol_server: ProtocolServer, type_: str) -> None:
    protocol_server.script(Turn(text="one two three", fault=Fault("malformed", after=2)))
    with pytest.raises(StreamError, match="malformed event"):
        await collect(backend_for(protocol_server, type_))


@pytest.mark.anyio
@pytest.mark.parametrize("type_", PROTOCOL_TYPES)
async def test_error_event_in_a_200_stream(protocol_server: ProtocolServer, type_: str) -> None:
    protocol_server.script(Turn(text="one two three", fault=Fault("error_event", after=3, message="model overloaded")))
    with pytest.raises(ProviderError, match="model overloaded") as caught:
        await collect(backend_for(protocol_server, type_))
    assert caught.value.request_id == "req_000001"  # from the response headers, for the provider's support


@pytest.mark.anyio
async def test_stall_past_read_timeout(protocol_server: ProtocolServer) -> None:
    protocol_server.script(Turn(text="one two three", fault=Fault("stall", after=3)))
    with pytest.raises(TimeoutError_, match="read timeout"):
        await collect(backend_for(protocol_server, "vllm", timeout={"read": 0.3}, max_retries=0))


@pytest.mark.anyio
async def test_stall_before_any_event_is_retried_then_reported(protocol_server: ProtocolServer) -> None:
    protocol_server.script(*[Turn(text="x", fault=Fault("stall", after=0))] * 2)
    with pytest.raises(TimeoutError_):
        await collect(backend_for(protocol_server, "claude", timeout={"read": 0.2}, max_retries=1))
    assert len(protocol_server.requests) == 2


@pytest.mark.anyio
async def test_unreachable_server_is_a_clear_error() -> None:
    with ProtocolServer() as server:
        backend = backend_for(server, "vllm", max_retries=0)
    with pytest.raises(ProviderError, match="cannot reach"):
        await collect(backend)


@pytest.mark.anyio
async def test_api_key_never_in_errors_or_reprs(protocol_server: ProtocolServer) -> None:
    protocol_server.script(Reply.error(401, f"Incorrect API key provided: {KEY}. Check it."))
    backend = backend_for(protocol_server, "openai")
    with pytest.raises(AuthenticationError) as caught:
        await collect(backend)
    assert protocol_server.requests[0].headers["authorization"] == f"Bearer {KEY}"
    for text in (str(caught.value), repr(caught.value), repr(backend), repr(backend.profile), repr(backend.spec),
                 repr(backend.build_request([], []))):
        assert KEY not in text and KEY[3:15] not in text


@pytest.mark.anyio
async def test_total_timeout_bounds_a_slow_stream(protocol_server: ProtocolServer) -> None:
    protocol_server.script(Turn(text="one two three four five six seven eight nine ten", delay=0.1))
    with pytest.raises(TimeoutError_, match="total timeout of 0.4 s"):
        await collect(backend_for(protocol_server, "vllm", timeout={"total": 0.4, "read": 5}))


@pytest.mark.anyio
async def test_a_session_closes_the_pooled_client_it_used(protocol_server: ProtocolServer) -> None:
    import asyncio

    from massgen.config import compile_mapping
    from massgen.engine import transport
    from massgen.session import run_session

    protocol_server.script(Turn(text="pooled"))
    config = {"agent": {"id": "solo", "backend": {"type": "vllm", "model": "m", "base_url": protocol_server.openai_base_url}}}
    result = compile_mapping(config, "<test>")
    assert result.spec is not None, result.diagnostics
    loop = asyncio.get_running_loop()
    opened: list[object] = []
    answer = await run_session(result.spec, "hi", lambda event: opened.extend(transport._LOOPS[loop].clients))
    assert answer == "pooled"
    assert opened  # the client that carried the stream ...
    assert all(c.is_closed for c in opened) and loop not in transport._LOOPS  # ... is closed with the session


@pytest.mark.anyio
async def test_concurrent_streams_are_spread_over_small_clients(protocol_server: ProtocolServer) -> None:
    import asyncio

    from massgen.engine import transport
    from massgen.resources import http_facts

    per_client = http_facts()["pool"]["streams_per_client"]
    count = per_client * 2 + 1
    protocol_server.handler = lambda request: Turn(text="one two", delay=0.05)
    backend = backend_for(protocol_server, "vllm")
    results = await asyncio.gather(*(collect(backend) for _ in range(count)))
    assert all(events[-1].message.content == "one two" for events in results)
    state = transport._LOOPS[asyncio.get_running_loop()]
    assert len(state.clients) == 3 and state.waiting == 0 and not any(state.streams.values())
    await transport.aclose_shared_client()


@pytest.mark.anyio
async def test_a_gzip_compressed_stream_and_error_body_are_decoded(protocol_server: ProtocolServer) -> None:
    import gzip

    from tests.conftest import RECORDED

    body = (RECORDED / "openai_chat" / "gpt4o_mini_text_after_tool_result.sse").read_bytes()
    protocol_server.script(Reply.sse(gzip.compress(body), {"content-encoding": "gzip"}))
    events = await collect(backend_for(protocol_server, "vllm"))
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) and isinstance(events[-1], Finish)

    denied = json.dumps({"error": {"message": "invalid api key", "type": "auth"}}).encode()
    protocol_server.script(Reply(401, gzip.compress(denied), {"content-encoding": "gzip"}))
    with pytest.raises(AuthenticationError, match="invalid api key"):
        await collect(backend_for(protocol_server, "vllm"))


@pytest.mark.anyio
async def test_a_json_answer_where_a_stream_was_asked_for_shows_the_provider_s_message(
    protocol_server: ProtocolServer,
) -> None:
    protocol_server.script(Reply(200, {"error": {"message": "Model m is not loaded"}}))
    with pytest.raises(ProviderError, match="instead of an event stream: Model m is not loaded"):
        await collect(backend_for(protocol_server, "lmstudio"))
    posts = [r for r in protocol_server.requests if r.method == "POST"]  # lmstudio first GETs /api/v0/models
    assert len(posts) == 1  # not retried: the same request would get the same answer
