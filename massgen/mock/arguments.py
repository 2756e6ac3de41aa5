"""Schema-valid example arguments for a tool: the smallest value a JSON Schema accepts, chosen deterministically.

``example(schema)`` follows, in order: ``const``, ``default`` (when the schema accepts it), the first of
``examples`` / ``enum``, the first branch of ``anyOf`` / ``oneOf``, the merged ``allOf``, then the ``type``
(the first non-null one of a list): an object gets its required properties only, an array ``minItems``
items, a string ``"mock"`` padded to ``minLength`` (or a value of its ``format``), a number its lower bound
(or 1 within ``maximum``), a boolean ``false``. A string property named like a path (``path``, ``dir``,
``file``, ``folder`` in its name) gets ``"."``: the working folder lists, and a write to it fails harmlessly. ``$ref`` to ``#/definitions/..`` or ``#/$defs/..`` is
followed (a recursive one gives ``{}``). A ``pattern`` is not generated: a schema whose strings must match
one gets ``"mock"``, which the tool may reject (its error is a real tool result).
"""

from __future__ import annotations

import math
from typing import Any

_FORMATS = {"date-time": "2025-01-01T00:00:00Z", "date": "2025-01-01", "time": "00:00:00Z", "email": "mock@example.com",
            "uri": "https://example.com/", "hostname": "example.com", "ipv4": "127.0.0.1", "ipv6": "::1",
            "uuid": "00000000-0000-4000-8000-000000000000", "duration": "PT1S"}
_TYPE_ORDER = ("object", "string", "integer", "number", "boolean", "array", "null")


_PATH_WORDS = ("path", "dir", "file", "folder")


def example(schema: Any, root: Any = None, _seen: frozenset[str] = frozenset(), name: str = "") -> Any:
    """A value ``schema`` accepts (see the module docstring); ``root`` holds the definitions ``$ref`` points into."""
    if not isinstance(schema, dict):
        return {}
    root = schema if root is None else root
    ref = schema.get("$ref")
    if isinstance(ref, str):
        if ref in _seen:
            return {}
        return example(_resolve(ref, root), root, _seen | {ref}, name)
    if "const" in schema:
        return schema["const"]
    if "default" in schema:
        return schema["default"]
    for key in ("examples", "enum"):
        values = schema.get(key)
        if isinstance(values, list) and values:
            return values[0]
    for key in ("anyOf", "oneOf"):
        branches = schema.get(key)
        if isinstance(branches, list) and branches:
            non_null = [b for b in branches if not (isinstance(b, dict) and b.get("type") == "null")]
            return example((non_null or branches)[0], root, _seen, name)
    if isinstance(schema.get("allOf"), list):
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            if isinstance(part, dict):
                merged["properties"] = {**merged.get("properties", {}), **part.get("properties", {})}
                merged["required"] = [*merged.get("required", []), *part.get("required", [])]
                merged.update({k: v for k, v in part.items() if k not in ("properties", "required")})
        return example(merged, root, _seen, name)
    return _of_type(_type(schema), schema, root, _seen, name)


def _type(schema: dict[str, Any]) -> str:
    declared = schema.get("type")
    if isinstance(declared, list):
        return next((t for t in _TYPE_ORDER if t in declared and t != "null"), "null")
    if isinstance(declared, str):
        return declared
    return "object" if "properties" in schema else "string"


def _of_type(kind: str, schema: dict[str, Any], root: Any, seen: frozenset[str], name: str) -> Any:
    if kind == "object":
        properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        required = [r for r in schema.get("required") or () if isinstance(r, str)]
        return {key: example(properties.get(key, {}), root, seen, key) for key in required}
    if kind == "array":
        count = int(schema.get("minItems") or 0)
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        return [example(items, root, seen) for _ in range(count)]
    if kind in ("integer", "number"):
        return _number(schema, integer=kind == "integer")
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    pathlike = any(word in name.lower() for word in _PATH_WORDS) and "format" not in schema
    text = "." if pathlike else _FORMATS.get(str(schema.get("format")), "mock")
    low, high = int(schema.get("minLength") or 0), schema.get("maxLength")
    text = text.ljust(low, "x")
    return text[: int(high)] if isinstance(high, int) else text


def _number(schema: dict[str, Any], *, integer: bool) -> int | float:
    low = schema.get("minimum")
    exclusive_low = schema.get("exclusiveMinimum")
    high = schema.get("maximum")
    exclusive_high = schema.get("exclusiveMaximum")
    value: float = 1
    if isinstance(low, (int, float)):
        value = low
    if isinstance(exclusive_low, (int, float)) and not isinstance(exclusive_low, bool):
        value = math.floor(exclusive_low) + 1 if integer else exclusive_low + 1
    if isinstance(high, (int, float)) and value > high:
        value = high
    if isinstance(exclusive_high, (int, float)) and not isinstance(exclusive_high, bool) and value >= exclusive_high:
        value = math.ceil(exclusive_high) - 1 if integer else exclusive_high - 0.5
    step = schema.get("multipleOf")
    if isinstance(step, (int, float)) and step > 0:
        value = math.ceil(value / step) * step
    return int(value) if integer else value


def _resolve(ref: str, root: Any) -> Any:
    node = root
    for part in ref.removeprefix("#/").split("/") if ref.startswith("#/") else ():
        node = node.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(node, dict) else None
    return node if ref.startswith("#/") else {}
