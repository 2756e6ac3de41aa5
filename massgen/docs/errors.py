"""DocsError: a cell of the documentation that the catalog cannot fill, named by owner and field."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from ..catalog import BackendDef, ProviderDef
from ..errors import MassGenError
from ..suggest import did_you_mean

Owner = BackendDef | ProviderDef


class DocsError(MassGenError):
    """The catalog cannot fill a cell of the documentation."""


def owner_name(owner: Owner) -> str:
    """``backend 'claude' (path)`` or ``provider preset 'poe' (path)``: where the fix goes."""
    if isinstance(owner, BackendDef):
        return f"backend {owner.type!r} ({owner.source})"
    return f"provider preset {owner.name!r} ({owner.source})"


def fail(where: Owner | str, field_name: str, why: str) -> DocsError:
    return DocsError(f"{where if isinstance(where, str) else owner_name(where)}: {field_name}: {why}")


def need(owner: Owner, block: dict[str, Any], key: str, purpose: str, prefix: str = "docs") -> Any:
    """``block[key]``, or a DocsError naming ``<prefix>.<key>`` and the cell it fills."""
    value = block.get(key)
    if value in (None, "", []):
        raise fail(owner, f"{prefix}.{key}", f"missing; it fills {purpose}")
    return value


def need_number(owner: Owner, block: dict[str, Any], key: str, purpose: str, prefix: str = "docs") -> float:
    value = need(owner, block, key, purpose, prefix)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(owner, f"{prefix}.{key}", f"must be a number, not {value!r}")
    return value


def check_keys(owner: Owner, block: Any, known: Collection[str], prefix: str) -> dict[str, Any]:
    """The block itself, once it is a mapping of known keys: a typo (``mcp_notes``) must not pass unseen."""
    if not isinstance(block, dict):
        raise fail(owner, prefix, f"must be a mapping, not {type(block).__name__}")
    for key in block:
        if key not in known:
            hint = did_you_mean(key, known) or f"known keys: {', '.join(known)}"
            raise fail(owner, f"{prefix}.{key}", f"unknown key; {hint}")
    return block
