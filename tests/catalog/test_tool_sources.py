"""Provider presets say, as data with a documented source, which built-in tools they have; the linter and the
runtime read the same declarations, so a flag the linter lets through is one the runtime can request."""

from __future__ import annotations

import pytest

from massgen.catalog import TOOL_FLAGS, load_catalog

CATALOG = load_catalog(use_cache=False)
PRESETS = sorted(CATALOG.providers.values(), key=lambda p: p.name)


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.name)
def test_a_preset_of_a_varies_backend_answers_every_tool_flag_with_a_source(preset) -> None:
    backend = CATALOG.backends[preset.backend]
    varies = [flag for flag in TOOL_FLAGS if backend.tool_flags.get(flag) == "varies"]
    for flag in varies:
        assert preset.tool_flags.get(flag) in ("supported", "unsupported"), f"{preset.name}: {flag} undecided"
        assert preset.tool_sources.get(flag, {}).get("source", "").startswith("https://"), f"{preset.name}: {flag}"


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.name)
def test_a_supported_flag_is_one_the_runtime_can_request(preset) -> None:
    requests = (preset.request.get("builtin_tools") or {})
    supported = {flag for flag in TOOL_FLAGS if preset.tool_flags.get(flag) == "supported"}
    assert supported == {flag for flag in requests if flag in TOOL_FLAGS}


@pytest.mark.parametrize("owner", [*CATALOG.backends.values(), *PRESETS], ids=lambda o: getattr(o, "type", None) or o.name)
def test_retirement_dates_name_their_source(owner) -> None:
    if owner.model_retirements:
        assert str(owner.data.get("model_retirements_source", "")).startswith("https://")
