"""What the editor features know, read from the compiler's own sources: the base schema and the catalog.

Nothing here restates a rule: keys, descriptions, enums, defaults, ranges, models, env var names, support
cells and docs sections all come from ``schema/config.base.schema.json`` and ``capabilities/``, through the
same ``Checker.resolve`` the compiler uses, so completion and hover cannot drift from ``massgen validate``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..catalog import TOOL_FLAGS, BackendDef, Catalog, ProviderDef
from ..config.checker import Checker
from ..config.compiler import base_schema

Path = tuple[str | int, ...]

# Support cells as the reference page writes them (templates/docs); the words are the catalog's values.
CELL_SYMBOLS = {"supported": "✅", "builtin": "✅", "mcp": "✅ (MCP)", "unsupported": "❌", "none": "❌",
                "not_applicable": "➖", "varies": "⚠️ varies", "limited": "⚠️ limited"}
# The support-matrix column a key belongs to (catalog `capabilities:`).
CAPABILITY_OF = {"enable_web_search": "web_search", "enable_code_execution": "code_execution",
                 "enable_code_interpreter": "code_execution", "mcp_servers": "mcp"}
REFERENCE_PAGE = "docs/backends.rst"


@dataclass(frozen=True, slots=True)
class Backend:
    """The backend an agent's ``backend`` mapping names (``preset`` for a provider shorthand or base_url)."""

    definition: BackendDef
    preset: ProviderDef | None

    @property
    def name(self) -> str:
        return self.preset.name if self.preset else self.definition.type


class Knowledge:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.base = base_schema()
        self.checker = Checker({**catalog.definitions, **self.base.get("definitions", {})})

    # -- which backend -------------------------------------------------------------------------------

    def backend(self, values: Mapping[str, str]) -> Backend | None:
        """The backend of a ``backend`` mapping from its ``type`` (or ``model``, as the compiler infers it)."""
        type_name, model = values.get("type", "").strip("\"'"), values.get("model", "").strip("\"'")
        if type_name:
            resolved = self.catalog.resolve_type(type_name)
            if resolved is None:
                return None
            definition, preset = resolved
            base_url = values.get("base_url", "").strip("\"'")
            if preset is None and base_url:
                match = self.catalog.provider_for_url(base_url)
                preset = match if match is not None and match.backend == definition.type else None
            return Backend(definition, preset)
        definition = self.catalog.infer_backend(model) if model else None
        return Backend(definition, None) if definition else None

    def tool_flag_support(self, backend: Backend, flag: str) -> str:
        support = backend.definition.tool_flags.get(flag, "unsupported")
        if backend.preset and flag in backend.preset.tool_flags:
            support = backend.preset.tool_flags[flag]
        return support

    def backend_schema(self, backend: Backend | None) -> dict[str, Any]:
        """The mapping schema of ``backend``: its parameters, plus the tool flags it does not refuse."""
        if backend is None:
            type_schema = self.base_backend_type()
            return {"type": "object", "properties": {"type": type_schema, "model": {
                "type": "string", "description": "Model name; with no `type`, it must name the backend."}}}
        properties = dict(backend.definition.parameters)
        for flag in TOOL_FLAGS:
            if flag not in properties and self.tool_flag_support(backend, flag) in ("supported", "varies"):
                properties[flag] = {"type": "boolean", "description": "Built-in tool flag."}
        return {"type": "object", "properties": properties}

    def base_backend_type(self) -> dict[str, Any]:
        return {"type": "string", "enum": self.catalog.type_names(),
                "description": "Backend type, or a provider preset such as cerebras."}

    # -- schema walking ------------------------------------------------------------------------------

    def schema_at(self, path: Path, backend: Backend | None) -> dict[str, Any] | None:
        """The schema fragment of the value at ``path``; None where the schema says nothing."""
        node: dict[str, Any] | None = self.base
        for depth, part in enumerate(path):
            if node is None:
                return None
            if _is_backend(path[:depth + 1]):
                node = self.backend_schema(backend)
                continue
            node = self._child(node, part)
        return self.checker.resolve(node) if node is not None else None

    def _child(self, node: dict[str, Any], part: str | int) -> dict[str, Any] | None:
        for branch in self._branches(node):
            if isinstance(part, int):
                if isinstance(branch.get("items"), dict):
                    return branch["items"]
            elif part in branch.get("properties", {}):
                return branch["properties"][part]
            elif isinstance(branch.get("additionalProperties"), dict):
                return branch["additionalProperties"]
        return None

    def _branches(self, node: dict[str, Any]) -> Iterator[dict[str, Any]]:
        node = self.checker.resolve(node)
        yield node
        for branch in node.get("oneOf", node.get("anyOf", [])):
            yield from self._branches(branch)

    def keys(self, schema: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
        """The keys a mapping schema names, each with its (resolved) fragment."""
        found: dict[str, dict[str, Any]] = {}
        for branch in self._branches(schema or {}):
            for key, fragment in branch.get("properties", {}).items():
                found.setdefault(key, self.checker.resolve(fragment))
        return found

    def enum(self, schema: dict[str, Any] | None) -> list[Any]:
        for branch in self._branches(schema or {}):
            if "enum" in branch:
                return list(branch["enum"])
            if branch.get("type") == "boolean":
                return [True, False]
        return []

    # -- facts for completion and hover --------------------------------------------------------------

    def models(self, backend: Backend) -> list[str]:
        return list((backend.preset.models if backend.preset else None) or backend.definition.models)

    def env_vars(self, backend: Backend | None) -> list[str]:
        """The environment variables a backend reads: its API key's, its base URL's."""
        if backend is None:
            return []
        names = list(backend.preset.api_key_env if backend.preset and backend.preset.api_key_env
                     else backend.definition.api_key_env)
        if backend.definition.base_url_env:
            names.append(backend.definition.base_url_env)
        return list(dict.fromkeys(names))

    def all_env_vars(self) -> list[str]:
        """Every environment variable a backend or preset of the catalog reads."""
        names: list[str] = []
        for definition in self.catalog.backends.values():
            names += [*definition.api_key_env, *([definition.base_url_env] if definition.base_url_env else [])]
        for preset in self.catalog.providers.values():
            names += preset.api_key_env
        return list(dict.fromkeys(names))

    def docs_section(self, definition: BackendDef) -> str | None:
        """The title of the reference page's section about ``definition`` (shared by a matrix group)."""
        group = definition.docs.get("matrix_group")
        for owner in [definition, *self.catalog.backends.values()]:
            section = owner.docs.get("section")
            if section and (owner is definition or (group and owner.docs.get("matrix_group") == group)):
                return section.get("title")
        return None

    def docs_line(self, definition: BackendDef) -> str:
        section = self.docs_section(definition)
        return f"Docs: `{REFERENCE_PAGE}`" + (f", section “{section}”" if section else "")


def _is_backend(path: Path) -> bool:
    return path in (("agent", "backend"),) or (len(path) == 3 and path[0] == "agents" and path[2] == "backend")


def type_words(schema: dict[str, Any]) -> str:
    """How the reference page names a value's type (``x-docs-type`` wins), with its range."""
    words = schema.get("x-docs-type") or schema.get("type") or ("one of the values below" if "enum" in schema else "")
    words = " or ".join(words) if isinstance(words, list) else str(words)
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    if low is not None and high is not None:
        words += f", from {low} to {high}"
    elif low is not None:
        words += f", at least {low}" if "minimum" in schema else f", above {low}"
    elif high is not None:
        words += f", at most {high}"
    return words
