"""How much tool work an agent may do: the settings of its backend mapping, else the defaults that
``capabilities/parameters.yaml`` declares for them (MassGen's own defaults where MassGen has the key)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..catalog import Catalog


def setting(backend: Mapping[str, Any], name: str, catalog: Catalog | None = None) -> Any:
    """The backend's own value of a runtime setting, else the ``default`` the catalog declares for it."""
    value = backend.get(name)
    if value is not None:
        return value
    if catalog is None:
        from ..config.compiler import default_catalog

        catalog = default_catalog()
    return next((group[name].get("default") for group in catalog.groups.values() if name in group), None)


@dataclass(frozen=True, slots=True)
class ToolLimits:
    """``concurrency``: how many calls of one model turn run at the same time (1: one after the other);
    ``per_turn``: how many calls of one turn run at all."""

    concurrency: int
    per_turn: int

    @classmethod
    def for_backend(cls, backend: Mapping[str, Any], catalog: Catalog | None = None) -> ToolLimits:
        """From ``concurrent_tool_execution``, ``max_concurrent_tools`` and ``max_tool_calls_per_turn``."""
        concurrent = bool(setting(backend, "concurrent_tool_execution", catalog))
        return cls(
            concurrency=int(setting(backend, "max_concurrent_tools", catalog)) if concurrent else 1,
            per_turn=int(setting(backend, "max_tool_calls_per_turn", catalog)),
        )
