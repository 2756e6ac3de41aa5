"""Everything the catalog says about one agent's requests, resolved once when its backend is created.

The ``request`` facts are layered: the protocol's template defaults, then the backend's ``request:`` block,
then the preset's. Mappings merge key by key, anything else replaces. A ``null`` is kept while layering
(``body: {stream_options: null}`` must survive to remove that key from the rendered body) and read as
"nothing" everywhere else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from ..config.spec import AgentSpec
from ..errors import ConfigError, MissingAPIKeyError
from .template import load_template


@dataclass(frozen=True)
class Profile:
    protocol: str
    backend_type: str
    provider: str | None
    base_url: str
    facts: dict[str, Any]
    client_keys: frozenset[str]  # parameters that configure MassGen, never sent
    schema_defaults: dict[str, Any]
    api_key: str | None = field(default=None, repr=False)


def deep_merge(base: dict[str, Any], override: dict[str, Any], *, drop_nulls: bool = False) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if value is None and drop_nulls:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value, drop_nulls=drop_nulls)
        else:
            merged[key] = value
    return merged


def resolve(spec: AgentSpec, catalog: Any = None) -> Profile:
    from ..catalog import TOOL_FLAGS, load_catalog
    from ..config.request_parts import base_url_problem, model_problem

    catalog = catalog or spec.catalog or load_catalog()
    backend = catalog.backends.get(spec.backend_type)
    if backend is None:
        raise ConfigError(f"agent {spec.id!r}: unknown backend type {spec.backend_type!r}")
    provider = catalog.provider(spec.provider) if spec.provider else None
    if provider is None and spec.base_url:
        provider = catalog.provider_for_url(spec.base_url)
    defaults, _ = load_template(spec.protocol)
    facts = deep_merge(defaults, backend.request)
    if provider is not None:
        facts = deep_merge(facts, provider.request)

    client_keys = set(TOOL_FLAGS) | set(facts.get("client_params") or [])
    for group in facts.get("client_groups") or []:
        client_keys |= set(catalog.groups.get(group, {}))
    client_keys |= {name for name, schema in backend.parameters.items() if schema.get("x-runtime") == "ignored"}
    schema_defaults = {name: s["default"] for name, s in backend.parameters.items() if "default" in s}

    base_url = _base_url(spec, backend, provider, facts)
    # the linter checks what the config writes; this also catches a value from the environment
    problem = base_url_problem(base_url) or model_problem(spec.model or "")
    if problem:
        raise ConfigError(f"agent {spec.id!r}: {problem}")
    return Profile(
        protocol=spec.protocol,
        backend_type=backend.type,
        provider=provider.name if provider else None,
        base_url=base_url,
        facts=facts,
        client_keys=frozenset(client_keys),
        schema_defaults=schema_defaults,
        api_key=_api_key(spec, backend, provider),
    )


def _base_url(spec: AgentSpec, backend: Any, provider: Any, facts: dict[str, Any]) -> str:
    # a config's own base_url, then a parameter naming the same thing (Azure's azure_endpoint), then what
    # the compiler resolved (preset, catalog, env)
    aliases = [spec.params[p] for p in facts.get("base_url_params") or [] if spec.params.get(p)]
    explicit = spec.base_url if spec.backend.get("base_url") else None  # expanded by the compiler
    url = explicit or (aliases[0] if aliases else None) or spec.base_url
    url = url or (provider.base_url if provider else None) or backend.base_url
    if not url and backend.base_url_env:
        url = os.environ.get(backend.base_url_env)
    if not url:
        where = f" or set {backend.base_url_env}" if backend.base_url_env else ""
        raise ConfigError(f"agent {spec.id!r}: backend {backend.type!r} needs a base_url: add base_url to the config{where}")
    return url.rstrip("/")


def _api_key(spec: AgentSpec, backend: Any, provider: Any) -> str | None:
    if spec.api_key:
        return spec.api_key
    env_vars = spec.api_key_env or (provider.api_key_env if provider else []) or backend.api_key_env
    for name in env_vars:
        if os.environ.get(name):
            return os.environ[name]
    if backend.api_key_required:
        raise MissingAPIKeyError(provider.name if provider else backend.type, env_vars)
    return None
