"""MassGen's tool filtering: which tools of which server an agent may see and call.

- ``exclude_tools`` and ``disallowed_tools`` (backend-wide and per server) add up: a tool named in any of
  them is out.
- ``allowed_tools`` of a server replaces the backend-wide one; when neither is set every tool is in.
- An entry matches a tool by any name it is known by: the server's own tool name (``read_file``), the
  ``mcp__<server>__<tool>`` name (``mcp__filesystem__read_file``) and the provider-safe name the model is
  shown when that one had to be cleaned or shortened (``mcp__my_tools__read_file`` for a server named
  ``my.tools``; see ``massgen.mcp.manager``). The manager checks when it offers a tool and again when
  the tool is called.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


def offered_name(server: str, tool: str) -> str:
    return f"mcp__{server}__{tool}"


@dataclass(frozen=True, slots=True)
class ToolFilter:
    allowed: frozenset[str] | None = None
    excluded: frozenset[str] = frozenset()

    @classmethod
    def for_server(
        cls,
        backend_allowed: Iterable[str] | None,
        backend_excluded: Iterable[str],
        server_allowed: Iterable[str] | None = None,
        server_excluded: Iterable[str] = (),
    ) -> ToolFilter:
        allowed = server_allowed if server_allowed is not None else backend_allowed
        return cls(
            allowed=frozenset(allowed) if allowed is not None else None,
            excluded=frozenset(backend_excluded) | frozenset(server_excluded),
        )

    def permits(self, server: str, tool: str, shown_as: str | None = None) -> bool:
        """Whether ``tool`` of ``server`` may be offered and called; ``shown_as`` is the name the model
        is shown for it when that differs from ``mcp__<server>__<tool>``."""
        names = {tool, offered_name(server, tool)}
        if shown_as:
            names.add(shown_as)
        if names & self.excluded:
            return False
        return self.allowed is None or bool(names & self.allowed)
