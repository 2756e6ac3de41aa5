"""The catalog as Python objects: what each backend and provider preset is, read from capabilities/."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# The vocabulary of capability files. schema/capability.schema.json pins the same values (a test keeps
# the two equal); these copies let the hot lint path work without reading or evaluating the meta-schema.

# Wire protocols and runtimes: code exists per protocol, never per provider.
# The HTTP engine serves the first four (a codec, a decoder and a request template each); the other two are
# runtimes of their own (massgen.backend.RUNTIMES).
HTTP_PROTOCOLS = ("openai_chat", "openai_responses", "anthropic_messages", "gemini")
PROTOCOLS = (*HTTP_PROTOCOLS, "claude_code", "ag2")
# Support-matrix cells (capabilities:) and backend-level tool flags (tool_flags:).
CAPABILITY_VALUES = ("builtin", "mcp", "none", "varies", "limited")
TOOL_FLAG_VALUES = ("supported", "unsupported", "not_applicable", "varies")
CAPABILITIES = ("web_search", "code_execution", "file_ops", "mcp")
TOOL_FLAGS = ("enable_web_search", "enable_code_execution", "enable_code_interpreter")

# The only keywords a parameter declaration (a JSON Schema fragment) may use, so that the compiler can
# interpret parameter schemas with its own small checker instead of importing jsonschema. ``$ref`` only
# points to ``#/definitions/<name>`` of the parameters file; ``format`` only takes PARAMETER_FORMATS.
# x- annotations: x-docs-type / x-docs-example (documentation tables), x-runtime: ignored (accepted
# but not acted on: reported as info, with x-ignored-because saying why), x-secret: true (never echoed), x-mcp-tools: requested | implied
# (set, the key gives the agent MCP-based tools; where the backend's mcp capability is none, a requested one
# is an error and an implied one, cwd's file tools, a warning that none are offered).
PARAMETER_KEYWORDS = frozenset({
    "type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength",
    "pattern", "format", "properties", "additionalProperties", "required", "items", "oneOf", "anyOf",
    "$ref", "default", "description", "x-docs-type", "x-docs-example", "x-runtime", "x-secret",
    "x-mcp-tools", "x-ignored-because",
})
PARAMETER_FORMATS = ("uri",)
DEFINITION_REF_PREFIX = "#/definitions/"


def host_matches(url: str, domains: list[str]) -> bool:
    """Whether ``url``'s host is one of ``domains`` or a subdomain of one (``api.z.ai`` is on ``z.ai``).

    Only the host counts: a domain in a path, a query or userinfo (``https://proxy/?u=api.groq.com``) never
    routes a provider's key there. A URL without a scheme is read as a host name."""
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    except ValueError:
        return False
    return any(host == domain or host.endswith(f".{domain}") for domain in (d.lower() for d in domains))


def merge_facts(base: dict[str, Any], override: dict[str, Any], *, drop_nulls: bool = False) -> dict[str, Any]:
    """Layer request facts: mappings merge key by key, anything else replaces. A ``null`` is kept (it removes a
    key later, e.g. a header a preset turns off) unless ``drop_nulls``, which removes the key now."""
    merged = dict(base)
    for key, value in override.items():
        if value is None and drop_nulls:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_facts(merged[key], value, drop_nulls=drop_nulls)
        else:
            merged[key] = value
    return merged


@dataclass(slots=True)
class BackendDef:
    """One backend type (``capabilities/backends/<type>.yaml``).

    ``parameters`` is the merged set: the shared groups it names, then its own entries, each a JSON
    Schema fragment. ``data`` keeps the whole file for consumers with their own blocks (``docs``,
    ``request``).
    """

    type: str
    title: str
    protocol: str
    source: str
    api_key_env: list[str] = field(default_factory=list)
    api_key_required: bool = True
    key_follows_host: bool = False  # a generic endpoint: the implicit key is that of base_url's host's provider
    base_url: str | None = None
    base_url_env: str | None = None
    base_url_required: bool = False
    model_required: bool = True
    required_parameters: dict[str, dict[str, str]] = field(default_factory=dict)  # name -> {why, hint}
    url_match: list[str] = field(default_factory=list)
    default_port: int | None = None
    models: list[str] = field(default_factory=list)
    model_patterns: list[str] = field(default_factory=list)
    model_retirements: dict[str, str] = field(default_factory=dict)  # lower-case model -> YYYY-MM-DD
    capabilities: dict[str, str] = field(default_factory=dict)
    tool_flags: dict[str, str] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    extra: str | None = None
    request: dict[str, Any] = field(default_factory=dict)
    docs: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict, repr=False)

    def missing_parameters(self, backend: dict[str, Any]) -> list[tuple[str, str, str]]:
        """(name, message, hint) for each ``required_parameters`` entry ``backend`` leaves unset; the linter and
        the runtimes report exactly these."""
        return [(name, f"`{self.type}` requires `{name}`: {fact['why']}", fact["hint"])
                for name, fact in self.required_parameters.items() if backend.get(name) in (None, "")]

    def matches_model(self, model: str) -> bool:
        lowered = model.lower()
        return lowered in self.models or any(re.search(p, lowered) for p in self.model_patterns)

    def matches_url(self, base_url: str) -> bool:
        return host_matches(base_url, self.url_match)


@dataclass(slots=True)
class ProviderDef:
    """An OpenAI-compatible provider preset (``capabilities/providers/<name>.yaml``).

    Usable as ``type: chatcompletion`` with a ``base_url`` that matches ``url_match``, or as the
    shorthand ``type: <name>`` (or one of ``aliases``). ``backend`` is the backend type it runs on.
    """

    name: str
    title: str
    source: str
    backend: str = "chatcompletion"
    base_url: str | None = None
    url_match: list[str] = field(default_factory=list)
    api_key_env: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    model_retirements: dict[str, str] = field(default_factory=dict)  # lower-case model -> YYYY-MM-DD
    tool_flags: dict[str, str] = field(default_factory=dict)
    tool_sources: dict[str, dict[str, Any]] = field(default_factory=dict)  # flag -> {source, models}
    notes: list[str] = field(default_factory=list)
    request: dict[str, Any] = field(default_factory=dict)
    docs: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict, repr=False)

    def matches_url(self, base_url: str) -> bool:
        return host_matches(base_url, self.url_match)


@dataclass(slots=True)
class Catalog:
    backends: dict[str, BackendDef]
    providers: dict[str, ProviderDef]
    definitions: dict[str, Any] = field(default_factory=dict)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)

    def provider(self, name: str) -> ProviderDef | None:
        """A preset by its name or one of its aliases."""
        if name in self.providers:
            return self.providers[name]
        return next((p for p in self.providers.values() if name in p.aliases), None)

    def resolve_type(self, type_name: str) -> tuple[BackendDef, ProviderDef | None] | None:
        """``claude`` → (claude, None); ``cerebras`` → (chatcompletion, cerebras); unknown → None."""
        if type_name in self.backends:
            return self.backends[type_name], None
        preset = self.provider(type_name)
        if preset is None or preset.backend not in self.backends:
            return None
        return self.backends[preset.backend], preset

    def provider_for_url(self, base_url: str) -> ProviderDef | None:
        return next((p for p in self.providers.values() if p.matches_url(base_url)), None)

    def owner_of_url(self, base_url: str) -> ProviderDef | BackendDef | None:
        """The provider whose host ``base_url`` is on: a preset first, then a backend's own ``url_match``
        (``api.z.ai`` → ``zai``); None for a host no catalog entry claims (a gateway, a local server)."""
        preset = self.provider_for_url(base_url)
        if preset is not None:
            return preset
        return next((b for b in self.backends.values() if b.matches_url(base_url)), None)

    def infer_backend(self, model: str) -> BackendDef | None:
        """The backend a bare model name belongs to, or None.

        Only backends with ``model_patterns`` take part (``claude_code`` lists Claude models too but
        is never inferred); an exact name in a ``models`` list wins over a pattern.
        """
        lowered = model.lower()
        inferable = [b for b in self.backends.values() if b.model_patterns]
        exact = next((b for b in inferable if lowered in b.models), None)
        return exact or next((b for b in inferable if b.matches_model(lowered)), None)

    def type_names(self) -> list[str]:
        """Every name ``type:`` accepts: backend types, then preset names and aliases."""
        names = list(self.backends)
        for preset in self.providers.values():
            names.extend([preset.name, *preset.aliases])
        return names


def first_model_rule(rules: list[dict[str, Any]] | None, model: str) -> dict[str, Any]:
    """The first rule whose ``match`` (a regex) finds the lower-cased model name, ``{}`` when none does
    (request facts such as ``builtin_with_functions``; the engine and the linter read them alike)."""
    import re

    return next((rule for rule in rules or [] if re.search(rule["match"], model.lower())), {})
