"""Request templates: a YAML structure whose string leaves are Jinja2 expressions, evaluated in a sandbox.

The structure (keys, nesting) is fixed by the file; only leaf values are computed, and a leaf that is
exactly ``{{ expr }}`` yields the expression's value itself (a list, a dict, a number), never text to be
re-parsed. User text only ever arrives as such a value, so it cannot change a request's shape however many
quotes, braces or ``{{ }}`` it holds. Leaves evaluating to ``omit`` drop their key; a ``__merge__`` list of
expressions merges mappings into the one that holds it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any

from jinja2 import StrictUndefined, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..resources import data_dir

OMIT = type("Omit", (), {"__repr__": lambda self: "omit", "__bool__": lambda self: False})()
MERGE = "__merge__"
_WHOLE = re.compile(r"^\{\{(?P<expr>(?:(?!\}\}).)*)\}\}$", re.S)
_ENV = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)

Node = Callable[[dict[str, Any]], Any]


def compile_node(value: Any) -> Node:
    """Compile a YAML value once into a function of the context."""
    if isinstance(value, dict):
        merges = [compile_node(v) for v in value.get(MERGE, [])]
        items = [(k, compile_node(v)) for k, v in value.items() if k != MERGE]

        def mapping(context: dict[str, Any]) -> Any:
            out = {}
            for key, node in items:
                result = node(context)
                if result is not OMIT:
                    out[key] = result
            for node in merges:
                extra = node(context)
                if extra:
                    out.update(extra)
            return out

        return mapping
    if isinstance(value, list):
        nodes = [compile_node(v) for v in value]
        return lambda context: [r for r in (n(context) for n in nodes) if r is not OMIT]
    if isinstance(value, str) and "{{" in value:
        whole = _WHOLE.match(value.strip())
        if whole:
            expression = _ENV.compile_expression(whole.group("expr"), undefined_to_none=False)

            def evaluate(context: dict[str, Any]) -> Any:
                result = expression(**context)
                if isinstance(result, Undefined):
                    result._fail_with_undefined_error()
                return result

            return evaluate
        template = _ENV.from_string(value)
        return lambda context: template.render(**context)
    return lambda context: value


def render_value(value: Any, context: dict[str, Any]) -> Any:
    """Evaluate a value from the catalog (e.g. a URL form) against a context, compiling it once."""
    return _compiled(json.dumps(value, sort_keys=True))(context)


@lru_cache(maxsize=256)
def _compiled(value_json: str) -> Node:
    return compile_node(json.loads(value_json))


@cache
def load_template(protocol: str) -> tuple[dict[str, Any], Node]:
    """``templates/requests/<protocol>.yaml``: its ``defaults`` (protocol request facts) and compiled ``request``."""
    from ruamel.yaml import YAML

    path = data_dir("templates") / "requests" / f"{protocol}.yaml"
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return data.get("defaults") or {}, compile_node(data["request"])
