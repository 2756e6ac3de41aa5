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


def _ignored(schema, path):
    if isinstance(schema, dict):
        if schema.get("x-runtime") == "ignored":
            yield path, schema
        for key, value in schema.items():
            yield from _ignored(value, f"{path}/{key}")
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            yield from _ignored(value, f"{path}[{index}]")


def test_every_ignored_key_says_why() -> None:
    found = [(f"{b.type}{p}", s) for b in CATALOG.backends.values() for p, s in _ignored(b.parameters, "")]
    found += [(f"definitions{p}", s) for p, s in _ignored(CATALOG.definitions, "")]
    assert len(found) > 20
    assert [p for p, s in found if len(s.get("x-ignored-because", "")) < 20] == []


def test_a_key_marked_ignored_without_a_reason_is_refused(tmp_path) -> None:
    from massgen.catalog import CatalogError

    (tmp_path / "mine.yaml").write_text(
        "type: mine\ntitle: Mine\nprotocol: openai_chat\nbase_url: https://example.com/v1\n"
        "capabilities: {web_search: none, code_execution: none, file_ops: none, mcp: none}\n"
        "tool_flags: {enable_web_search: unsupported, enable_code_execution: unsupported, enable_code_interpreter: unsupported}\n"
        "parameter_groups: [core]\nparameters:\n  later: {type: boolean, description: Later., x-runtime: ignored}\n")
    with pytest.raises(CatalogError, match="x-ignored-because"):
        load_catalog([tmp_path], use_cache=False)
