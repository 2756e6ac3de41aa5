"""One meaning per HTTP status, whoever reports it (engine response, in-stream error, Claude Code, AG2)."""

from __future__ import annotations

import pytest

from massgen.errors import (
    AuthenticationError,
    BadRequestError,
    ProviderError,
    RateLimitError,
    status_error,
)
from massgen.resources import http_facts


@pytest.mark.parametrize(("status", "cls", "retryable"), [
    (401, AuthenticationError, False), (403, AuthenticationError, False),
    (400, BadRequestError, False), (404, BadRequestError, False), (413, BadRequestError, False),
    (422, BadRequestError, False), (429, RateLimitError, True),
    (408, ProviderError, True), (409, ProviderError, True), (500, ProviderError, True),
    (529, ProviderError, True), (501, ProviderError, False),
])
def test_each_status_has_one_class_and_retryability(status: int, cls: type, retryable: bool) -> None:
    error = status_error("boom", status, provider="p")
    assert type(error) is cls and error.retryable is retryable and error.status == status


def test_retryable_statuses_are_exactly_http_yaml_s() -> None:
    listed = set(http_facts()["retry_statuses"])
    assert {s for s in range(400, 600) if status_error("x", s).retryable} == listed


def test_a_status_less_error_keeps_its_class_default() -> None:
    assert status_error("in-stream error", None).retryable is True


def test_runtimes_and_engine_share_the_mapping() -> None:
    import massgen.engine.decoders.base as decoders
    import massgen.engine.transport as transport
    import massgen.runtimes.ag2.backend as ag2
    import massgen.runtimes.claude_code.backend as claude_code

    assert {m.status_error for m in (decoders, transport, ag2, claude_code)} == {status_error}
