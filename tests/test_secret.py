"""The secret type: never shown, and masked in every form a library may print it in."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from massgen.errors import BackendError, redact
from massgen.secret import Secret, is_credential_name, url_credentials

KEY = "sk-proj-Secret/Value+With=Chars\n"


def test_a_secret_never_shows_its_value() -> None:
    secret = Secret(KEY)
    assert KEY.strip() not in f"{secret} {secret!r} {[secret]} {dict(k=secret)}"
    with pytest.raises(TypeError):
        json.dumps(secret)
    assert secret.reveal() == KEY and secret == Secret(KEY) and bool(Secret("")) is False


@pytest.mark.parametrize("shown", [
    KEY, KEY.strip(), json.dumps(KEY)[1:-1], repr(KEY)[1:-1], quote(KEY, safe=""), quote(KEY.strip(), safe=""),
    f"Illegal header value b'Bearer {KEY!r}'",  # httpx quoting a refused header
    json.dumps({"authorization": f"Bearer {KEY}"}),
])
def test_every_form_of_a_secret_is_masked(shown: str) -> None:
    text = redact(f"error: {shown} end", [Secret(KEY)])
    assert KEY.strip() not in text and quote(KEY.strip(), safe="") not in text and "***" in text


def test_short_values_are_not_hunted_for() -> None:
    assert redact("a key of k everywhere", [Secret("k")]) == "a key of k everywhere"


def test_backend_errors_mask_known_secrets_by_their_message() -> None:
    assert KEY.strip() not in str(BackendError(redact(f"refused {KEY!r}", [Secret(KEY)])))


@pytest.mark.parametrize(("name", "credential"), [
    ("OPENAI_API_KEY", True), ("x-api-key", True), ("Authorization", True), ("--token", True),
    ("access_token", True), ("client_secret", True), ("PASSWORD", True), ("sig", True),
    ("PATH", False), ("HOME", False), ("--port", False), ("model", False),
])
def test_credential_names(name: str, credential: bool) -> None:
    assert is_credential_name(name) is credential


def test_url_credentials() -> None:
    assert url_credentials("http://user:pa55word@host/v1") == ["pa55word"]
    assert url_credentials("https://host/sse?token=t0k3n&mode=x&api_key=k3y") == ["t0k3n", "k3y"]
    assert url_credentials("https://host/v1") == [] and url_credentials("http://[::1") == []


@pytest.mark.parametrize("shape", ["AIzaSyA1234567890abcdefghijklmnopqrstu", "ghp_abcdefghijklmnopqrstuvwxyz012345",
                                   "xoxb-1234567890-abcdef", "AKIAIOSFODNN7EXAMPLE"])
def test_well_known_key_shapes_are_masked_anywhere(shape: str) -> None:
    assert shape not in redact(f"model: {shape} (a key in the wrong field)")


def test_a_url_keeps_its_shape_when_its_credentials_are_masked() -> None:
    assert redact("https://h/mcp?key=K1-2020&api_key=K2-2121&mode=x#frag") == "https://h/mcp?key=***&api_key=***&mode=x#frag"
