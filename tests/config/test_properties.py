"""Property tests (hypothesis).

1. Random YAML text and random mutations of valid configs: the compiler returns diagnostics, never raises.
2. Differential: on generated configs, jsonschema's verdict with the schema `massgen schema` prints agrees
   with the compiler's verdict on schema-level problems (semantic rules are the compiler's alone).
"""

from __future__ import annotations

from pathlib import Path

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from massgen.config import compile_mapping, compile_text, default_catalog
from massgen.config.compiler import base_schema
from massgen.config.user_schema import build_user_schema
from massgen.diagnostics import Diagnostic
from tests.conftest import REPO

EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_well_formed(result, filename: str) -> None:
    assert all(isinstance(d, Diagnostic) and d.file == filename and d.line >= 1 and d.column >= 1
               for d in result.diagnostics)
    assert (result.spec is None) == result.has_errors


# --- 1. never raises --------------------------------------------------------------------------------

yaml_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                         st.text(max_size=12))
json_like = st.recursive(
    yaml_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


@SETTINGS
@given(st.text(max_size=300))
def test_random_text_never_raises(text: str) -> None:
    assert_well_formed(compile_text(text, "random.yaml"), "random.yaml")


@SETTINGS
@given(st.binary(max_size=200))
def test_random_bytes_never_raise(data: bytes) -> None:
    assert_well_formed(compile_text(data, "random.yaml"), "random.yaml")


@SETTINGS
@given(json_like)
def test_random_data_never_raises(data) -> None:
    assert_well_formed(compile_mapping(data, "data"), "data")


@st.composite
def mutated_example(draw) -> str:
    lines = draw(st.sampled_from(EXAMPLES)).read_text().splitlines()
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "insert", "indent", "truncate", "swap"]))
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        elif action == "insert":
            lines.insert(index, draw(st.text(alphabet=" :-[]{}#'\"&*!|>%@abcxyz0123\t", max_size=20)))
        elif action == "indent":
            lines[index] = " " * draw(st.integers(0, 8)) + lines[index].lstrip()
        elif action == "truncate":
            lines[index] = lines[index][: draw(st.integers(0, len(lines[index])))]
        else:
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
        if not lines:
            break
    return "\n".join(lines)


@SETTINGS
@given(mutated_example())
def test_mutated_examples_never_raise(text: str) -> None:
    assert_well_formed(compile_text(text, "mutated.yaml"), "mutated.yaml")


def _paths(value, path=()):
    yield path
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        yield from _paths(child, (*path, key))


@st.composite
def mutated_data(draw) -> dict:
    """An example's data with one value replaced by anything, or one key removed or renamed."""
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load(draw(st.sampled_from(EXAMPLES)).read_text())
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(data) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "delete", "rename"]))
        if action == "replace" or isinstance(parent, list):
            parent[path[-1]] = draw(json_like)
        elif action == "delete":
            del parent[path[-1]]
        else:
            parent[path[-1] + draw(st.sampled_from(["_", "s", "x"]))] = parent.pop(path[-1])
    return data


@SETTINGS
@given(mutated_data())
def test_mutated_example_data_never_raises(data: dict) -> None:
    assert_well_formed(compile_mapping(data, "mutated"), "mutated")


# --- 2. the emitted schema and the compiler agree ---------------------------------------------------

CATALOG = default_catalog()
VALIDATOR = jsonschema.Draft7Validator(build_user_schema(base_schema(), CATALOG))
# Codes for what a JSON Schema can say; the other error codes come from semantic rules.
SCHEMA_CODES = {"unknown-key", "invalid-type", "out-of-range", "invalid-value", "missing-key", "unsupported-capability",
                "unknown-backend-type", "no-agents", "root-not-mapping"}
# Keys whose problems are semantic (MCP entries, URL form, filters): left out of the generated configs.
SEMANTIC_KEYS = {"mcp_servers", "base_url", "allowed_tools", "disallowed_tools", "exclude_tools", "api_key"}

ALL_KEYS = sorted({k for b in CATALOG.backends.values() for k in b.parameters} - SEMANTIC_KEYS - {"type", "model"})
values = st.one_of(
    st.booleans(), st.integers(-3, 5000), st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.5, -0.5]),
    st.sampled_from(["low", "medium", "high", "hgh", "enabled", "local", "docker", "auto", "", "x"]),
    st.lists(st.sampled_from(["a", "b"]), max_size=2), st.lists(st.integers(0, 3), min_size=1, max_size=2),
    st.fixed_dictionaries({}, optional={"effort": st.sampled_from(["low", "hgh"]), "type": st.just("enabled"),
                                        "budget_tokens": st.integers(0, 5000), "verbosity": st.just("low"),
                                        "bogus": st.just(1)}),
)


@st.composite
def backend(draw) -> dict:
    type_name = draw(st.sampled_from(sorted(CATALOG.type_names()) + ["nosuch"]))
    data: dict = {"type": type_name, "model": "some-model"}
    if type_name in ("chatcompletion", "azure_openai"):
        data["base_url"] = "https://llm.example.com/v1"
    keys = draw(st.lists(st.sampled_from([*ALL_KEYS, "enable_websearch", "temprature"]), max_size=4))
    for key in keys:
        data[key] = draw(values)
    return data


@st.composite
def config(draw) -> dict:
    agents = [{"id": f"a{i}", "backend": draw(backend())} for i in range(draw(st.integers(1, 3)))]
    data: dict = {"agents": agents}
    if draw(st.booleans()):
        agents[0][draw(st.sampled_from(["system_message", "sytem_message"]))] = draw(st.sampled_from(["Hi", 3]))
    if draw(st.booleans()):
        data["orchestrator"] = {draw(st.sampled_from(["voting_sensitivity", "max_new_answers_per_agent",
                                                      "skip_coordination_rounds", "unheard_of"])): draw(values)}
    return data


@SETTINGS
@given(config())
def test_schema_and_compiler_agree(data: dict) -> None:
    result = compile_mapping(data, "generated")
    compiler_says_invalid = any(d.is_error and d.code in SCHEMA_CODES for d in result.diagnostics)
    schema_says_invalid = not VALIDATOR.is_valid(data)
    assert compiler_says_invalid == schema_says_invalid, (
        [f"{d.code} {d.path}" for d in result.diagnostics if d.is_error],
        [e.message for e in VALIDATOR.iter_errors(data)][:3],
    )


def test_every_example_is_valid_for_the_schema() -> None:
    from ruamel.yaml import YAML

    for path in EXAMPLES:
        assert VALIDATOR.is_valid(YAML(typ="safe").load(Path(path).read_text())), path.name


def test_emitted_schema_is_valid_draft07() -> None:
    schema = build_user_schema(base_schema(), CATALOG)
    jsonschema.Draft7Validator.check_schema(schema)
    backend_types = {name.removeprefix("backend_") for name in schema["definitions"] if name.startswith("backend_")}
    assert backend_types == set(CATALOG.backends)
    assert set(schema["definitions"]["backend"]["properties"]["type"]["enum"]) == set(CATALOG.type_names())
