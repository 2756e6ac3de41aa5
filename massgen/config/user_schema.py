"""The user-config JSON Schema (draft-07) for editors, compiled from the base schema and the catalog.

Each backend type becomes ``definitions/backend_<type>`` (its parameters, with the catalog's
descriptions); the agent's ``backend`` picks one with ``if``/``then`` on ``type`` (a preset name selects
the backend it runs on). The compiler checks the same facts, with positions and better messages.
"""

from __future__ import annotations

import copy
from typing import Any

from ..catalog import TOOL_FLAGS, BackendDef, Catalog


def backend_schema(definition: BackendDef) -> dict[str, Any]:
    properties: dict[str, Any] = {
        flag: {"type": "boolean",
               "description": f"Built-in tool ({definition.tool_flags.get(flag, 'unsupported')} here)."}
        for flag in TOOL_FLAGS
    }
    properties.update(copy.deepcopy(definition.parameters))
    schema = {
        "type": "object",
        "title": definition.title,
        "description": f"Parameters of the `{definition.type}` backend.",
        "properties": properties,
        "additionalProperties": False,
    }
    if definition.model_required:
        schema["required"] = ["model"]
    return schema


def backend_selector(catalog: Catalog) -> dict[str, Any]:
    """``backend``: ``type`` chooses the parameter set; without ``type``, ``model`` must say it."""
    branches = []
    for definition in catalog.backends.values():
        names = [definition.type]
        for preset in catalog.providers.values():
            if preset.backend == definition.type:
                names.extend([preset.name, *preset.aliases])
        branches.append({
            "if": {"properties": {"type": {"enum": names}}, "required": ["type"]},
            "then": {"$ref": f"#/definitions/backend_{definition.type}"},
        })
    return {
        "type": "object",
        "description": "The model and provider the agent runs on (see `massgen backends`).",
        "properties": {"type": {"type": "string", "enum": catalog.type_names(),
                                "description": "Backend type, or a provider preset such as cerebras."}},
        "anyOf": [{"required": ["type"]}, {"required": ["model"]}],
        "allOf": branches,
    }


def _replace_catalog_nodes(node: Any) -> Any:
    """Swap the base schema's ``x-catalog: backend`` placeholder for a $ref to the compiled selector."""
    if isinstance(node, dict):
        if node.get("x-catalog") == "backend":
            return {"$ref": "#/definitions/backend", "description": node.get("description", "")}
        return {k: _replace_catalog_nodes(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_replace_catalog_nodes(v) for v in node]
    return node


def build_user_schema(base: dict[str, Any], catalog: Catalog) -> dict[str, Any]:
    schema = _replace_catalog_nodes(base)
    definitions = schema.setdefault("definitions", {})
    definitions.update(copy.deepcopy(catalog.definitions))
    definitions["backend"] = backend_selector(catalog)
    for definition in catalog.backends.values():
        definitions[f"backend_{definition.type}"] = backend_schema(definition)
    return schema
