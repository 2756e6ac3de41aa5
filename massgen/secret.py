"""Secret values (API keys, tokens, passwords) as a type, so every output can redact them by construction.

A ``Secret`` never shows its value in ``str``, ``repr``, f-strings or JSON (``json.dumps`` refuses it);
code that must send it calls ``reveal()``. ``forms()`` lists every way the value can appear in text that
some library wrote: raw, stripped of surrounding whitespace, JSON-escaped, Python-escaped (httpx quotes a
refused header with ``repr``) and percent-encoded. ``massgen.errors.redact`` removes all of them.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

MASK = "***"
# Shorter values are not hunted for in text: masking every "abc" of an output would destroy it, and no
# provider issues keys that short.
MIN_REDACTED_LENGTH = 6


class Secret:
    """A credential. ``reveal()`` is the only way to its value; equality compares values."""

    __slots__ = ("_value", "forms")

    def __init__(self, value: str) -> None:
        self._value = value
        self.forms = _forms(value)

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __str__(self) -> str:
        return MASK


def _forms(value: str) -> tuple[str, ...]:
    """Every text form of a value worth masking, longest first (a longer form is masked before its parts)."""
    found: set[str] = set()
    for text in {value, value.strip()}:
        if len(text) >= MIN_REDACTED_LENGTH:
            found |= {text, json.dumps(text)[1:-1], repr(text)[1:-1], quote(text, safe=""), quote_plus(text)}
    return tuple(sorted(found, key=len, reverse=True))


def secret_forms(secrets: tuple[Secret | str, ...] | list[Secret | str] | frozenset[Secret]) -> tuple[str, ...]:
    """All forms of several secrets (plain strings count as their raw form), longest first."""
    forms: set[str] = set()
    for secret in secrets:
        if isinstance(secret, Secret):
            forms.update(secret.forms)
        elif secret and len(secret) >= MIN_REDACTED_LENGTH:
            forms.add(secret)
    return tuple(sorted(forms, key=len, reverse=True))


# A name (env var, header, query parameter, CLI flag) that carries a credential: API_KEY, x-api-key,
# Authorization, access_token, --password, client_secret, sig...
_CREDENTIAL_NAME = re.compile(r"(?i)(key|token|secret|passw|auth|cred|session|cookie|signature|^sig$)")


def is_credential_name(name: str) -> bool:
    """Whether a setting called ``name`` holds a credential (its value is then treated as a Secret)."""
    return bool(_CREDENTIAL_NAME.search(name.strip("-")))


def url_credentials(url: str) -> list[str]:
    """The credentials inside a URL: the userinfo's password (or a lone user name, which some servers use as
    a token) and the values of credential-like query parameters (``?token=...``)."""
    try:
        parts = urlsplit(url)
        found = [parts.password or parts.username or ""]
        found += [value for name, value in parse_qsl(parts.query, keep_blank_values=False) if is_credential_name(name)]
    except ValueError:
        return []
    return [value for value in found if value]
