"""AG2 agents as a MassGen backend (protocol ``ag2``); needs ``pip install 'massgen[ag2]'``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._support import import_extra

if TYPE_CHECKING:
    from ...config.plan import AgentPlan
    from .backend import AG2Backend


def create(spec: AgentPlan) -> AG2Backend:
    autogen = import_extra("autogen", package="ag2", backend=spec.backend_type, extra="ag2")
    from .backend import AG2Backend
    from .quiet import silence_ag2

    silence_ag2()
    return AG2Backend(spec, autogen)
