"""Where the data folders are: inside the installed wheel, or at the repository root in a checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """Return the folder ``capabilities``, ``schema`` or ``templates``.

    A wheel carries them as ``massgen/_data/<name>`` (copied by setup.py); an editable install or a plain
    checkout reads them from the repository root beside the package.
    """
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"massgen data folder {name!r} is missing from this installation")


@cache
def http_facts() -> dict[str, Any]:
    """``templates/requests/http.yaml``: the HTTP behaviour every protocol shares (timeouts, retries, statuses)."""
    from ruamel.yaml import YAML

    return YAML(typ="safe").load((data_dir("templates") / "requests" / "http.yaml").read_text(encoding="utf-8"))
