"""Any MCP ``inputSchema`` (JSON Schema drafts 07 and 2020-12) in the subset a protocol accepts.

The subsets are data (``templates/requests/tool_schemas.yaml``); ``convert`` interprets them and
``violations`` checks a schema against one. Where a subset cannot keep a constraint's form, the converted
schema is more permissive (every instance valid for the original stays valid, outside strict mode) and the
constraint is named in the description, so the model still reads it.

What changes (each only where the subset asks):

- ``$ref`` into ``$defs`` / ``definitions`` inlined (a recursive one becomes an open schema);
- a root ``oneOf``/``anyOf``/``allOf`` folded into one object: the variants' properties merged, ``required``
  what every variant requires, the alternatives spelled out in the description; a root ``enum``/``not`` dropped;
- below the root, ``oneOf`` becomes ``anyOf`` (which accepts all it did), ``allOf`` is merged, ``not`` is dropped;
- ``const`` becomes a one-value ``enum``; OpenAPI's ``nullable: true`` becomes a ``null`` in ``type``;
- unknown keywords and formats dropped; ``properties: {}`` / ``items: {}`` added where required;
- strict mode: objects closed, every property required, optional ones made nullable.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from functools import cache, lru_cache
from typing import Any

from ..resources import data_dir

Schema = dict[str, Any]
COMBINATORS = ("oneOf", "anyOf", "allOf", "not")
_META = ("$schema", "$id", "$comment", "$anchor", "$defs", "definitions")
# Keywords whose loss changes what is valid: named in the description when dropped.
_CONSTRAINTS = ("pattern", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
                "multipleOf", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties", "format")
_CHILD_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_CHILDREN = ("items", "additionalProperties", "contains", "propertyNames", "if", "then", "else", "not")


@cache
def subsets() -> dict[str, dict[str, Any]]:
    """The subsets of ``tool_schemas.yaml``, by name."""
    from ruamel.yaml import YAML

    path = data_dir("templates") / "requests" / "tool_schemas.yaml"
    return dict(YAML(typ="safe").load(path.read_text(encoding="utf-8"))["subsets"])


def convert(schema: Mapping[str, Any] | None, subset_name: str) -> Schema:
    """``schema`` (an MCP tool's ``inputSchema``; None or ``{}`` for no arguments) in subset ``subset_name``.

    Never raises for a schema-shaped input (an unknown ``$ref`` becomes an open schema). Every request of a
    run converts the same schemas, so results are cached by the schema's JSON text: the returned dict is
    shared and must not be modified.
    """
    return _convert(json.dumps(schema or {}, sort_keys=True), subset_name)


@lru_cache(maxsize=2048)
def _convert(text: str, subset_name: str) -> Schema:
    subset = subsets()[subset_name]
    root = json.loads(text)
    definitions = {**root.get("definitions", {}), **root.get("$defs", {})}
    node = _inline(root, definitions, ())
    node = _fold_root(node, subset)
    node.setdefault("type", "object")
    if node.get("type") != "object":  # MCP requires an object; keep what was meant under one property
        node = {"type": "object", "properties": {"value": node}, "required": ["value"]}
    return _walk(node, subset)


def violations(schema: Any, subset_name: str, *, path: str = "") -> list[str]:
    """What ``schema`` has that subset ``subset_name`` refuses, as ``"<path>: <problem>"``; empty when accepted."""
    subset = subsets()[subset_name]
    found: list[str] = []
    if not path:
        if not isinstance(schema, dict) or schema.get("type") != "object":
            return [": the root must be `type: object`"]
        found += [f": `{k}` at the root" for k in subset["top_level_forbidden"] if k in schema]
    _check(schema, subset, path, found)
    return found


# --- references ------------------------------------------------------------------------------------

def _inline(node: Any, definitions: dict[str, Any], seen: tuple[str, ...]) -> Any:
    """``node`` with every local ``$ref`` replaced by its target; a cycle ends in an open schema."""
    if isinstance(node, list):
        return [_inline(item, definitions, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1] if ref.startswith(("#/$defs/", "#/definitions/")) else None
        rest = {k: v for k, v in node.items() if k != "$ref"}
        if name is None or name not in definitions or name in seen:
            note = f"same shape as `{name}`" if name in seen else f"see {ref}"
            return {**_inline(rest, definitions, seen), **_described({}, note)}
        target = _inline(copy.deepcopy(definitions[name]), definitions, (*seen, name))
        return _merge([target, _inline(rest, definitions, seen)]) if rest else target
    return {k: _inline(v, definitions, seen) for k, v in node.items() if k not in ("$defs", "definitions")}


# --- the root ----------------------------------------------------------------------------------------

def _fold_root(node: Schema, subset: dict[str, Any]) -> Schema:
    """One object for a root the subset refuses to combine: properties merged, alternatives described."""
    for key in subset["top_level_forbidden"]:
        if key not in node:
            continue
        value = node.pop(key)
        if key in ("oneOf", "anyOf") and isinstance(value, list):
            variants = [v for v in value if isinstance(v, dict)]
            merged = _union_of_objects(variants)
            own = set(node.get("required") or [])
            node = _merge([node, {"properties": merged["properties"]}])
            common = set.intersection(*(set(v.get("required") or []) for v in variants)) if variants else set()
            if own | common:
                node["required"] = sorted(own | common)
            else:
                node.pop("required", None)
            choices = " | ".join("(" + ", ".join(v.get("required") or ["nothing required"]) + ")" for v in variants)
            node = _described(node, f"give one of these sets of arguments: {choices}")
        elif key == "allOf" and isinstance(value, list):
            node = _merge([node, *[v for v in value if isinstance(v, dict)]])
        else:  # enum / not on an object
            node = _described(node, f"{key}: {json.dumps(value, separators=(',', ':'))}")
    return node


def _union_of_objects(variants: list[Schema]) -> Schema:
    """The properties of every variant; one named by several keeps each of its schemas as alternatives."""
    properties: dict[str, list[Any]] = {}
    for variant in variants:
        for name, schema in (variant.get("properties") or {}).items():
            if schema not in properties.setdefault(name, []):
                properties[name].append(schema)
    return {"properties": {name: schemas[0] if len(schemas) == 1 else {"anyOf": schemas}
                           for name, schemas in properties.items()}}


def _merge(schemas: list[Schema]) -> Schema:
    """``allOf`` as one schema: properties and required joined; a clash keeps the first (more permissive)."""
    merged: Schema = {}
    for schema in schemas:
        for key, value in schema.items():
            if key == "properties" and isinstance(value, dict):
                merged["properties"] = {**value, **merged.get("properties", {})}
            elif key == "required" and isinstance(value, list):
                merged["required"] = list(dict.fromkeys([*merged.get("required", []), *value]))
            elif key == "description" and key in merged and value != merged[key]:
                merged[key] = f"{merged[key]} {value}"
            else:
                merged.setdefault(key, value)
    return merged


# --- every node ----------------------------------------------------------------------------------------

def _walk(node: Any, subset: dict[str, Any]) -> Any:
    if node is True or node is None:
        return {}
    if node is False:
        return {"not": {}} if "not" in subset["combinators"] else {}
    if not isinstance(node, dict):
        return {}
    node = {k: v for k, v in node.items() if k not in _META}
    notes: list[str] = []
    if node.pop("nullable", False) is True and "type" in node:
        node["type"] = _with_null(node["type"])
    if "const" in node and not subset["const"]:
        node["enum"] = [node.pop("const")]
    node = _combinators(node, subset, notes)
    if subset["formats"] is not None and "format" in node and node["format"] not in subset["formats"]:
        notes.append(f"format {node.pop('format')}")
    if isinstance(node.get("items"), list):  # draft 07 tuples are 2020-12 prefixItems
        node["prefixItems"] = node.pop("items")
    for key in _CHILD_MAPS:
        if isinstance(node.get(key), dict):
            node[key] = {name: _walk(child, subset) for name, child in node[key].items()}
    for key in _CHILDREN:
        if isinstance(node.get(key), (dict, bool)):
            node[key] = _walk(node[key], subset)
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        if isinstance(node.get(key), list):
            node[key] = [_walk(child, subset) for child in node[key]]
    types = node.get("type") if isinstance(node.get("type"), list) else [node.get("type")]
    if "object" in types and subset["object_needs_properties"]:
        node.setdefault("properties", {})
    if "array" in types and subset["array_needs_items"] and "prefixItems" not in node:
        node.setdefault("items", {})
    if subset["keywords"] is not None:
        kept = set(subset["keywords"])
        notes += [f"{k} {json.dumps(node[k])}" for k in _CONSTRAINTS if k in node and k not in kept]
        node = {k: v for k, v in node.items() if k in kept}
    if subset["strict"]:
        node = _strict(node)
    return _described(node, "; ".join(notes)) if notes else node


def _combinators(node: Schema, subset: dict[str, Any], notes: list[str]) -> Schema:
    allowed = subset["combinators"]
    if "oneOf" in node:  # always: a branch the conversion widens (nullable) could make two match, failing oneOf
        node["anyOf"] = [*node.get("anyOf", []), *node.pop("oneOf")]
    if "allOf" in node and "allOf" not in allowed:
        node = _merge([{k: v for k, v in node.items() if k != "allOf"}, *[v for v in node["allOf"] if isinstance(v, dict)]])
    if "not" in node and "not" not in allowed:
        notes.append(f"must not match {json.dumps(node.pop('not'), separators=(',', ':'))}")
    if "anyOf" in node and "anyOf" not in allowed:
        node.pop("anyOf")
    return node


def _strict(node: Schema) -> Schema:
    """OpenAI strict mode: closed objects, every property required, the optional ones nullable."""
    types = node.get("type") if isinstance(node.get("type"), list) else [node.get("type")]
    if "object" not in types:
        return node
    required = set(node.get("required") or [])
    properties = node.get("properties") or {}
    node["properties"] = {name: schema if name in required else _nullable(schema)
                          for name, schema in properties.items()}
    node["required"] = list(properties)
    node["additionalProperties"] = False
    return node


def _nullable(schema: Schema) -> Schema:
    if "type" in schema and "enum" not in schema:
        return {**schema, "type": _with_null(schema["type"])}
    return {"anyOf": [schema, {"type": "null"}]}


def _with_null(kind: Any) -> Any:
    kinds = kind if isinstance(kind, list) else [kind]
    return kinds if "null" in kinds else [*kinds, "null"]


def _described(node: Schema, note: str) -> Schema:
    text = node.get("description")
    return {**node, "description": f"{text} ({note})" if text else f"({note})"}


# --- the checker -------------------------------------------------------------------------------------

def _check(node: Any, subset: dict[str, Any], path: str, found: list[str]) -> None:
    if not isinstance(node, dict):
        found.append(f"{path}: not a schema object")
        return
    if subset["keywords"] is not None:
        found += [f"{path}: keyword `{k}`" for k in node if k not in subset["keywords"]]
    found += [f"{path}: `{k}`" for k in COMBINATORS if k in node and k not in subset["combinators"]]
    if "const" in node and not subset["const"]:
        found.append(f"{path}: `const`")
    if "$ref" in node and not subset["refs"]:
        found.append(f"{path}: `$ref`")
    if subset["formats"] is not None and "format" in node and node["format"] not in subset["formats"]:
        found.append(f"{path}: format `{node['format']}`")
    types = node.get("type") if isinstance(node.get("type"), list) else [node.get("type")]
    if "object" in types and subset["object_needs_properties"] and "properties" not in node:
        found.append(f"{path}: object without `properties`")
    if "array" in types and subset["array_needs_items"] and "items" not in node and "prefixItems" not in node:
        found.append(f"{path}: array without `items`")
    if subset["strict"] and "object" in types:
        if node.get("additionalProperties") is not False:
            found.append(f"{path}: object not closed (`additionalProperties: false`)")
        if set(node.get("required") or []) != set(node.get("properties") or {}):
            found.append(f"{path}: not every property is required")
    for key in _CHILD_MAPS:
        for name, child in (node.get(key) or {}).items():
            _check(child, subset, f"{path}/{key}/{name}", found)
    for key in _CHILDREN:
        if isinstance(node.get(key), dict):
            _check(node[key], subset, f"{path}/{key}", found)
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for index, child in enumerate(node.get(key) or []):
            _check(child, subset, f"{path}/{key}/{index}", found)
