"""The one "did you mean …?" of the project (click-style), used by the linter, the catalog checker and the CLI."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# difflib's ratio: 0.6 accepts one or two typos in a short key (`temprature`) and rejects unrelated words.
CUTOFF = 0.6
# No key or name is this long, and difflib is quadratic in the word's length.
MAX_WORD = 100


def closest(word: Any, choices: Iterable[Any]) -> str | None:
    """The choice closest to ``word`` (both compared as strings), or None when nothing is close enough."""
    text = str(word)
    if len(text) > MAX_WORD:
        return None
    from difflib import get_close_matches  # only needed when something is wrong

    matches = get_close_matches(text, [str(c) for c in choices], n=1, cutoff=CUTOFF)
    return matches[0] if matches else None


def did_you_mean(word: Any, choices: Iterable[Any]) -> str | None:
    """``did you mean `choice`?`` for the closest choice, or None."""
    match = closest(word, choices)
    return f"did you mean `{match}`?" if match else None
