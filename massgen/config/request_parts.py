"""Values that become part of a request's URL: a model name (Gemini and Azure put it in the path) and a
``base_url``. A ``?``, a ``#`` or a ``..`` segment in them would silently send the request elsewhere than
the config says (another path, a query, a dropped tail), so they are refused, by the linter and at run.

Model names keep what providers use: ``/`` (``openai/gpt-4o``, ``accounts/fireworks/models/...``), ``:``,
``@``, ``.``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_MODEL_BAD = re.compile(r"[?#%\\\s\x00-\x1f\x7f]")
_URL_BAD = re.compile(r"[?#\\\s\x00-\x1f\x7f]|%2e|%2f", re.IGNORECASE)


def _dot_segment(path: str) -> bool:
    return any(part in (".", "..") for part in path.split("/"))


def model_problem(model: str) -> str | None:
    """Why ``model`` cannot be sent as a model name, or None."""
    if _MODEL_BAD.search(model) or _dot_segment(model):
        return (f"the model name {model!r} holds a character or a `..` segment that would change the request's "
                "path (`?`, `#`, `%`, `\\`, whitespace, `.` or `..` between slashes)")
    return None


def base_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be used as a base_url, or None."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        return ("the base_url holds credentials (`user:password@`): HTTP clients send them as Basic auth in place "
                "of the API key; give the key as `api_key: ${VARIABLE}` and keep the base_url to scheme, host and path")
    match = _URL_BAD.search(url)
    if match or _dot_segment(parts.path):
        what = repr(match.group()) if match else "a `.` or `..` path segment"
        # the URL itself is not quoted: its query may carry a token (the diagnostic points at it anyway)
        return (f"the base_url holds {what}, which would change the request's path or drop part of it; "
                "a base_url is scheme, host and path only, as the provider's SDK takes it")
    return None
