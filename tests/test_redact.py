"""redact: known secrets and key-shaped text are masked; text without them is returned unchanged."""

from __future__ import annotations

import pytest

from massgen.errors import redact


@pytest.mark.parametrize("text, hidden", [
    ("Incorrect API key provided: sk-proj-abcdef0123456789", "sk-proj-abcdef0123456789"),
    ('{"api_key": "gsk_live_1234"}', "gsk_live_1234"),
    ("Authorization: Bearer tok_abcdef", "tok_abcdef"),
    ("X-Goog-Api-Key=AIzaSyA0123", "AIzaSyA0123"),
    ("header x-api-key: anthropic-secret", "anthropic-secret"),
])
def test_key_shaped_text_is_masked(text: str, hidden: str) -> None:
    masked = redact(text)
    assert hidden not in masked and "***" in masked


def test_known_secrets_are_masked_wherever_they_appear() -> None:
    assert redact("echo plainsecret42 twice: plainsecret42", ("plainsecret42",)) == "echo *** twice: ***"


def test_text_without_keys_is_unchanged() -> None:
    text = "The key insight: authorization matters.\n" * 1000  # the words alone are not a key assignment
    assert redact(text) == text
