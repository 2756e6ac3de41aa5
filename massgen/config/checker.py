"""A small JSON Schema interpreter for the subset the catalog uses, with messages meant for people.

jsonschema costs ~80 ms to import and its messages speak schema, not config; this checker speaks
config ("`temperature` must be at most 1, got 1.5") and reports every problem of a document at once.
Supported: type, enum, const, minimum, maximum, exclusiveMinimum, exclusiveMaximum, minLength, pattern,
format (uri), properties, additionalProperties, required, items, oneOf, anyOf, $ref to #/definitions.
Extensions: ``x-runtime: ignored`` (info ``not-implemented``), ``x-secret`` (value never echoed),
``x-unknown-keys: warning`` (an open mapping whose unknown keys are only worth a warning) and
``x-unknown-keys: misspelling-error`` (the same, except that a key whose one close match is a known key is an
error: its settings would be silently dropped).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from ..diagnostics import Fix, Severity
from ..suggest import closest, did_you_mean

Path = tuple[str | int, ...]

_TYPE_NAMES = {
    "string": "a string", "number": "a number", "integer": "an integer", "boolean": "true or false",
    "object": "a mapping", "array": "a list", "null": "null",
}


@dataclass(frozen=True, slots=True)
class Issue:
    """A problem at ``path``; ``at_key`` places it on the key (unknown keys) rather than the value."""

    path: Path
    code: str
    message: str
    hint: str | None = None
    severity: Severity = Severity.ERROR
    at_key: bool = False
    fixes: tuple[Fix, ...] = ()


def rename_fixes(key: str, choices: Any, present: Any = ()) -> tuple[Fix, ...]:
    """The fix of a misspelt key: rename it to its closest match, never to a key ``present`` already.

    Safe (``massgen validate --fix`` applies it) only when that match is the one close match.
    """
    choices = [str(c) for c in choices]
    match = closest(key, choices)
    if match is None or match in present:
        return ()
    only = closest(key, [c for c in choices if c != match]) is None
    return (Fix("rename-key", f"Rename `{key}` to `{match}`", match, safe=only),)


def replace_fixes(value: str, choices: Any) -> tuple[Fix, ...]:
    """The fix of a misspelt value (an enum, a backend type): offered to editors, never applied unasked."""
    match = closest(value, choices)
    return (Fix("replace-value", f"Replace `{value}` with `{match}`", match),) if match else ()


# bool before int: a boolean is an int to Python, never to a config's reader.
_TYPE_WORDS = ((bool, "a boolean"), (int, "an integer"), (float, "a number"), (str, "a string"),
               (dict, "a mapping"), (list, "a list"))


def describe(value: Any) -> str:
    """The JSON type of a value in user terms."""
    if value is None:
        return "null"
    return next((word for kind, word in _TYPE_WORDS if isinstance(value, kind)), type(value).__name__)


def is_type(value: Any, name: str) -> bool:
    if name == "string":
        return isinstance(value, str)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "null":
        return value is None
    return True


def key_name(path: Path) -> str:
    """How a user names the place: ``temperature``, ``exclude_tools[1]``, ``agents[0]``."""
    if not path:
        return "the config"
    if isinstance(path[-1], int):
        return f"{key_name(path[:-1])}[{path[-1]}]"
    return str(path[-1])


class Checker:
    """Checks values against schema fragments whose ``$ref``s point into ``definitions``."""

    def __init__(self, definitions: dict[str, Any]) -> None:
        self.definitions = definitions

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        ref = schema.get("$ref")
        if not ref:
            return schema
        target = self.definitions.get(ref.rpartition("/")[2], {})
        # Sibling keywords (description, default, x-*) sit beside the $ref; the target's rules win.
        return {**{k: v for k, v in schema.items() if k != "$ref"}, **self.resolve(target)}

    def check(self, value: Any, schema: dict[str, Any], path: Path) -> list[Issue]:
        issues: list[Issue] = []
        self._check(value, schema, path, issues)
        return issues

    def _check(self, value: Any, schema: dict[str, Any], path: Path, out: list[Issue]) -> None:
        schema = self.resolve(schema)
        if schema.get("x-runtime") == "ignored" and path:
            out.append(Issue(path, "not-implemented",
                             f"`{key_name(path)}` is accepted by MassGen but not acted on by this runtime",
                             hint=schema.get("x-ignored-because"), severity=Severity.INFO, at_key=True))
        if "oneOf" in schema or "anyOf" in schema:
            self._alternatives(value, schema, path, out)
            return
        types = schema.get("type")
        if types is not None:
            names = [types] if isinstance(types, str) else list(types)
            if _non_finite(value) and ("number" in names or "integer" in names):
                self._not_finite(value, schema, path, out)
                return
            if not any(is_type(value, t) for t in names):
                wanted = " or ".join(_TYPE_NAMES.get(t, t) for t in names)
                shown = "" if schema.get("x-secret") else _shown(value)
                out.append(Issue(path, "invalid-type",
                                 f"`{key_name(path)}` must be {wanted}, got {describe(value)}{shown}",
                                 hint=_type_hint(value, names)))
                return
        self._value(value, schema, path, out)
        if isinstance(value, dict):
            self._object(value, schema, path, out)
        elif isinstance(value, list) and "items" in schema:
            for index, item in enumerate(value):
                self._check(item, schema["items"], (*path, index), out)

    def _value(self, value: Any, schema: dict[str, Any], path: Path, out: list[Issue]) -> None:
        name = key_name(path)
        if "enum" in schema and not any(_same(value, v) for v in schema["enum"]):
            allowed = ", ".join(f"`{v}`" for v in schema["enum"])
            suggestion = did_you_mean(str(value), schema["enum"]) if isinstance(value, str) else None
            out.append(Issue(path, "invalid-value", f"`{name}` must be one of {allowed}, got {value!r}",
                             hint=suggestion, fixes=replace_fixes(value, schema["enum"]) if suggestion else ()))
        if "const" in schema and not _same(value, schema["const"]):
            out.append(Issue(path, "invalid-value", f"`{name}` must be {schema['const']!r}, got {value!r}"))
        if _non_finite(value):
            self._not_finite(value, schema, path, out)
        elif is_type(value, "number"):
            self._range(value, schema, path, out)
        if isinstance(value, str):
            if "minLength" in schema and len(value) < schema["minLength"]:
                out.append(Issue(path, "invalid-value",
                                 f"`{name}` must have at least {schema['minLength']} character(s)"))
            if "pattern" in schema and not re.search(schema["pattern"], value):
                out.append(Issue(path, "invalid-value",
                                 f"`{name}` does not match the expected form /{schema['pattern']}/"))
            if schema.get("format") == "uri" and "${" not in value and not _URI.match(value):
                out.append(Issue(path, "invalid-value", f"`{name}` must be a URL such as https://host/v1",
                                 hint="include the scheme, e.g. `https://` or `http://localhost:8000/v1`"))

    def _range(self, value: float, schema: dict[str, Any], path: Path, out: list[Issue]) -> None:
        name = key_name(path)
        bounds = (
            ("minimum", lambda b: value < b, "at least"),
            ("maximum", lambda b: value > b, "at most"),
            ("exclusiveMinimum", lambda b: value <= b, "greater than"),
            ("exclusiveMaximum", lambda b: value >= b, "less than"),
        )
        for keyword, violated, words in bounds:
            if keyword in schema and violated(schema[keyword]):
                allowed = _allowed_range(schema)
                out.append(Issue(path, "out-of-range", f"`{name}` must be {words} {schema[keyword]}, got {value}",
                                 hint=f"the allowed range is {allowed}" if allowed else None))

    def _not_finite(self, value: float, schema: dict[str, Any], path: Path, out: list[Issue]) -> None:
        """``.nan`` and ``.inf`` are numbers to YAML but not to JSON, and compare false with every bound."""
        written = _yaml_float(value)
        meaning = {".nan": "not-a-number", ".inf": "infinity", "-.inf": "minus infinity"}[written]
        allowed = _allowed_range(schema)
        hint = f"YAML reads `{written}` as {meaning}, which no provider accepts; write a plain number"
        out.append(Issue(path, "invalid-value", f"`{key_name(path)}` must be a finite number, got {written}",
                         hint=f"{hint} (the allowed range is {allowed})" if allowed else hint))

    def _object(self, value: dict[str, Any], schema: dict[str, Any], path: Path, out: list[Issue]) -> None:
        properties: dict[str, Any] = schema.get("properties", {})
        for required in schema.get("required", []):
            if required not in value:
                out.append(Issue(path, "missing-key", f"`{key_name(path)}` needs `{required}`", at_key=True))
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            child = (*path, str(key))
            if key in properties:
                self._check(item, properties[key], child, out)
            elif isinstance(extra, dict):
                self._check(item, extra, child, out)
            elif extra is False or schema.get("x-unknown-keys"):
                fixes = rename_fixes(str(key), properties, value)
                misspelt = schema.get("x-unknown-keys") == "misspelling-error" and any(f.safe for f in fixes)
                severity = Severity.ERROR if extra is False or misspelt else Severity.WARNING
                where = f"in `{key_name(path)}`" if path else "at the top level"
                hint = did_you_mean(str(key), properties)
                if misspelt:
                    hint = f"{hint} (as written, its settings would be ignored)"
                out.append(Issue(child, "unknown-key", f"unknown key `{key}` {where}", hint=hint, severity=severity,
                                 at_key=True, fixes=fixes))

    def _alternatives(self, value: Any, schema: dict[str, Any], path: Path, out: list[Issue]) -> None:
        one_of = "oneOf" in schema
        branches = [self.resolve(b) for b in schema.get("oneOf", schema.get("anyOf", []))]
        results = []
        for branch in branches:
            found: list[Issue] = []
            self._check(value, branch, path, found)
            results.append(found)
        passing = [r for r in results if not any(i.severity is Severity.ERROR for i in r)]
        if len(passing) == 1 or (passing and not one_of):
            out.extend(passing[0])
            return
        if passing:
            out.append(Issue(path, "invalid-value", f"`{key_name(path)}` matches more than one allowed form"))
            return
        # Like jsonschema's best_match: the branch whose type fits the value explains the problem best.
        fitting = [r for b, r in zip(branches, results, strict=True) if "type" not in b or _fits(value, b["type"])]
        if fitting:
            out.extend(min(fitting, key=len))
            return
        kinds = dict.fromkeys(_TYPE_NAMES.get(b.get("type"), str(b.get("type"))) for b in branches)  # once each
        wanted = " or ".join(kinds)
        out.append(Issue(path, "invalid-type", f"`{key_name(path)}` must be {wanted}, got {describe(value)}"))


# Words that YAML 1.1 (PyYAML, hence MassGen) reads as booleans but YAML 1.2 reads as text.
_BOOLEAN_WORDS = {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False}
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://\S+$")


def _non_finite(value: Any) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


def _yaml_float(value: float) -> str:
    """How YAML writes a non-finite number."""
    return ".nan" if value != value else (".inf" if value > 0 else "-.inf")


def _allowed_range(schema: dict[str, Any]) -> str | None:
    lo = schema.get("minimum", schema.get("exclusiveMinimum"))
    hi = schema.get("maximum", schema.get("exclusiveMaximum"))
    return f"from {lo} to {hi}" if lo is not None and hi is not None else None


def _same(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1 (Python says it is)."""
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def _fits(value: Any, types: Any) -> bool:
    return any(is_type(value, t) for t in ([types] if isinstance(types, str) else types))


def _shown(value: Any) -> str:
    if isinstance(value, (bool, int, float)) or (isinstance(value, str) and len(value) <= 40):
        return f" ({value!r})"
    return ""


def _type_hint(value: Any, names: list[str]) -> str | None:
    if isinstance(value, str) and "boolean" in names and value.lower() in _BOOLEAN_WORDS:
        word = "true" if _BOOLEAN_WORDS[value.lower()] else "false"
        return f"write `{word}` without quotes (`{value}` is read as text)"
    if isinstance(value, str) and ("number" in names or "integer" in names):
        try:
            float(value)
        except ValueError:
            return None
        return "write the number without quotes"
    return None
