"""MCP inputSchemas into each protocol's accepted subset (templates/requests/tool_schemas.yaml).

The property: for generated schemas (drafts 07 and 2020-12, $ref/$defs, combinators, const, nullable unions,
formats), the converted schema passes the subset's checker, and every instance valid for the original is valid
for the converted one (in strict mode, once the optional properties it leaves out are given as null, since
strict mode cannot express an absent property).
"""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from massgen.engine.tool_schema import convert, subsets, violations

SUBSETS = sorted(subsets())
FORMATS = ["date-time", "date", "email", "uri", "uuid", "hostname"]
_FORMAT_VALUES = {"date-time": "2025-01-02T03:04:05Z", "date": "2025-01-02", "email": "a@b.co",
                  "uri": "https://x.org/a", "uuid": "123e4567-e89b-12d3-a456-426614174000", "hostname": "x.org"}


# --- generated schemas, each with a strategy for its valid instances -------------------------------------

Pair = tuple[dict[str, Any], st.SearchStrategy[Any]]


def scalars() -> st.SearchStrategy[Pair]:
    text = st.text(alphabet="abcxyz", min_size=1, max_size=4)
    return st.one_of(
        st.just(({"type": "string"}, text)),
        st.just(({"type": "string", "minLength": 2, "pattern": "^[a-z]+$"}, st.text(alphabet="ab", min_size=2, max_size=5))),
        st.sampled_from(FORMATS).map(lambda f: ({"type": "string", "format": f}, st.just(_FORMAT_VALUES[f]))),
        st.just(({"type": "integer", "minimum": 0, "maximum": 9}, st.integers(0, 9))),
        st.just(({"type": "number"}, st.floats(-5, 5, allow_nan=False))),
        st.just(({"type": "boolean"}, st.booleans())),
        text.map(lambda v: ({"const": v}, st.just(v))),
        st.lists(text, min_size=1, max_size=3, unique=True).map(lambda vs: ({"type": "string", "enum": vs}, st.sampled_from(vs))),
        st.just(({"type": ["string", "null"]}, st.one_of(text, st.none()))),
        st.just(({"type": "string", "nullable": True}, st.one_of(text, st.none()))),
    )


def nodes(children: st.SearchStrategy[Pair]) -> st.SearchStrategy[Pair]:
    def obj(props: dict[str, Pair], required: list[str]) -> Pair:
        schema = {"type": "object", "properties": {k: s for k, (s, _) in props.items()}}
        if required:
            schema["required"] = required
        return schema, st.fixed_dictionaries({k: props[k][1] for k in required},
                                             optional={k: v for k, (_, v) in props.items() if k not in required})

    def with_required(props: dict[str, Pair]) -> st.SearchStrategy[Pair]:
        return st.lists(st.sampled_from(sorted(props)), unique=True).map(lambda req: obj(props, req)) if props \
            else st.just(obj({}, []))

    names = st.sampled_from(["a", "b", "c", "d"])
    return st.one_of(
        st.dictionaries(names, children, max_size=3).flatmap(with_required),
        children.map(lambda p: ({"type": "array", "items": p[0]}, st.lists(p[1], max_size=3))),
        st.just(({"type": "array"}, st.lists(st.integers(), max_size=2))),  # no items
        st.just(({"type": "object"}, st.just({}))),  # the Go SDK's no-argument form
        st.lists(children, min_size=2, max_size=3).map(
            lambda ps: ({"oneOf" if len(ps) == 2 else "anyOf": [s for s, _ in ps]}, st.one_of(*[v for _, v in ps]))),
        children.map(lambda p: ({"allOf": [p[0], {"description": "and more"}]}, p[1])),
    )


schemas_with_instances = st.recursive(scalars(), nodes, max_leaves=8)


@st.composite
def roots(draw: st.DrawFn) -> tuple[dict[str, Any], Any]:
    """A tool's inputSchema: an object, sometimes with a root combinator, $defs/definitions, a $schema."""
    props = draw(st.dictionaries(st.sampled_from(["p", "q", "r", "s"]), schemas_with_instances, max_size=4))
    required = draw(st.lists(st.sampled_from(sorted(props)), unique=True)) if props else []
    schema: dict[str, Any] = {"type": "object", "properties": {k: s for k, (s, _) in props.items()}}
    if required:
        schema["required"] = required
    instance = draw(st.fixed_dictionaries({k: props[k][1] for k in required},
                                          optional={k: v for k, (_, v) in props.items() if k not in required}))
    if props and draw(st.booleans()):  # move one property's schema into definitions, reached by $ref
        name = sorted(props)[0]
        defs = "$defs" if draw(st.booleans()) else "definitions"
        schema[defs] = {"Shared": schema["properties"][name]}
        schema["properties"][name] = {"$ref": f"#/{defs}/Shared"}
    if props and draw(st.booleans()):  # a root anyOf/oneOf of required sets the instance meets
        present = sorted(instance)
        schema[draw(st.sampled_from(["anyOf", "oneOf"]))] = [{"required": present}, {"required": ["zz"]}]
    schema["$schema"] = draw(st.sampled_from(["http://json-schema.org/draft-07/schema#",
                                              "https://json-schema.org/draft/2020-12/schema"]))
    return schema, instance


def is_valid(instance: Any, schema: dict[str, Any]) -> bool:
    validator = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    return validator(schema, format_checker=validator.FORMAT_CHECKER).is_valid(instance)


def filled(instance: Any, schema: Any) -> Any:
    """Strict mode's view of an instance: every declared property present, null where it was left out."""
    if not isinstance(schema, dict) or instance is None:
        return instance
    for branch in schema.get("anyOf") or ():
        candidate = filled(instance, branch)
        if is_valid(candidate, branch):
            return candidate
    if isinstance(instance, list) and isinstance(schema.get("items"), dict):
        return [filled(item, schema["items"]) for item in instance]
    if isinstance(instance, dict) and isinstance(schema.get("properties"), dict):
        return {name: filled(instance.get(name), sub) for name, sub in schema["properties"].items()}
    return instance


@pytest.mark.parametrize("subset", SUBSETS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=roots())
def test_converted_schemas_are_accepted_and_keep_every_valid_instance(subset: str, case: tuple[dict, Any]) -> None:
    original, instance = case
    assume(is_valid(instance, original))  # a generated oneOf can have two matching branches
    converted = convert(original, subset)
    assert violations(converted, subset) == [], converted
    if subsets()[subset]["strict"]:
        instance = filled(instance, converted)
    assert is_valid(instance, converted), (original, converted, instance)


# --- single forms, with their exact results ------------------------------------------------------------

def test_a_no_argument_tool_gets_empty_properties_where_openai_needs_them() -> None:
    assert convert({"type": "object"}, "openai") == {"type": "object", "properties": {}}
    assert convert(None, "openai") == {"type": "object", "properties": {}}
    assert convert({"type": "object"}, "anthropic") == {"type": "object"}


def test_references_are_inlined_and_a_recursive_one_becomes_an_open_schema() -> None:
    schema = {"type": "object", "properties": {"node": {"$ref": "#/$defs/Node"}},
              "$defs": {"Node": {"type": "object", "properties": {"child": {"$ref": "#/$defs/Node"}}}}}
    converted = convert(schema, "gemini")
    assert "$defs" not in converted
    child = converted["properties"]["node"]["properties"]["child"]
    assert child == {"description": "(same shape as `Node`)"}


def test_const_nullable_and_formats_follow_the_subset() -> None:
    schema = {"type": "object", "properties": {
        "kind": {"const": "file"}, "when": {"type": "string", "format": "uri"},
        "note": {"type": "string", "nullable": True}}}
    gemini = convert(schema, "gemini")["properties"]
    assert gemini["kind"] == {"enum": ["file"]}
    assert gemini["when"] == {"type": "string", "description": "(format uri)"}
    assert gemini["note"] == {"type": ["string", "null"]}
    assert convert(schema, "openai")["properties"]["kind"] == {"const": "file"}


def test_strict_mode_closes_objects_and_makes_optional_properties_nullable() -> None:
    converted = convert({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
                         "required": ["a"]}, "openai_strict")
    assert converted == {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": ["integer", "null"]}},
                         "required": ["a", "b"], "additionalProperties": False}


def test_dropped_constraints_stay_in_the_description() -> None:
    converted = convert({"type": "object", "properties": {"n": {"type": "string", "pattern": "^a", "description": "Name"}}},
                        "gemini")
    assert converted["properties"]["n"] == {"type": "string", "description": 'Name (pattern "^a")'}


def test_the_checker_finds_what_each_subset_refuses() -> None:
    assert violations({"type": "object", "anyOf": [{}]}, "anthropic") == [": `anyOf` at the root"]
    assert violations({"type": "object"}, "openai") == [": object without `properties`"]
    assert ": the root must be `type: object`" in violations({"type": "string"}, "gemini")
