"""The example configs of MassGen 0.1.97 (tests/corpus/): the ones whose backends are all on the reference
page validate with zero errors; the others get `unknown-backend-type` on exactly those agents."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from massgen.config import compile_file
from tests.conftest import REPO

CORPUS = REPO / "tests" / "corpus" / "massgen-0.1.97"
FILES = sorted(CORPUS.rglob("*.yaml"))

# The backend types of reference/backends.rst, plus the provider-preset shorthands MassGen accepts.
REFERENCE_TYPES = {
    "claude", "claude_code", "gemini", "openai", "grok", "azure_openai", "zai", "chatcompletion",
    "lmstudio", "vllm", "sglang", "ag2",
    "cerebras", "together", "fireworks", "groq", "openrouter", "moonshot", "kimi", "nebius", "poe",
}


def backend_types(path: Path) -> list[str] | None:
    """The ``type`` of every agent's backend, read independently of the compiler; None = no agents."""
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    agents = data.get("agents") or ([data["agent"]] if "agent" in data else None)
    if agents is None:
        return None
    return [agent["backend"]["type"] for agent in agents]


def relative(path: Path) -> str:
    return str(path.relative_to(CORPUS))


def test_corpus_is_complete() -> None:
    assert len(FILES) == 276


@pytest.mark.parametrize("path", FILES, ids=relative)
def test_corpus_config(path: Path) -> None:
    types = backend_types(path)
    result = compile_file(path)
    errors = [d for d in result.diagnostics if d.is_error]
    if types is None:  # rate_limits.yaml: a MassGen data file, not a run config
        assert [d.code for d in errors] == ["no-agents"]
        return
    foreign = [t for t in types if t not in REFERENCE_TYPES]
    if not foreign:
        assert errors == [], "\n".join(f"{d.line}:{d.column} {d.code} {d.message}" for d in errors)
        assert result.spec is not None and len(result.spec.agents) == len(types)
    else:
        assert {d.code for d in errors} == {"unknown-backend-type"}
        assert len(errors) == len(foreign)
        assert all(f"`{t}`" in d.message for d, t in zip(errors, foreign, strict=True))


def test_corpus_counts() -> None:
    """How many configs are eligible: a change here means the corpus or the rules changed."""
    eligible = foreign = 0
    for path in FILES:
        types = backend_types(path)
        if types is None:
            continue
        if all(t in REFERENCE_TYPES for t in types):
            eligible += 1
        else:
            foreign += 1
    assert (eligible, foreign) == (259, 16)
