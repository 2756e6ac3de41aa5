"""Plans for tests of the agent's own tools, made as `massgen run` makes them: by the compiler."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from massgen.config import compile_mapping
from massgen.config.plan import AgentPlan


def tools_plan(cwd: Path | str | None = None, **backend: Any) -> AgentPlan:
    """A chatcompletion agent's plan with these backend keys (its tool settings) and ``cwd``."""
    entry = {"type": "chatcompletion", "model": "m", "base_url": "http://127.0.0.1:9/v1", **backend}
    if cwd is not None:
        entry["cwd"] = str(cwd)
    result = compile_mapping({"agent": {"id": "a", "backend": entry}})
    assert result.spec is not None, [d.message for d in result.diagnostics if d.is_error]
    return result.spec.agents[0]
