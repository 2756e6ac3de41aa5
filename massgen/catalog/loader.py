"""Reads capabilities/ (plus the user's extra folders) into a Catalog.

A file is classified by its keys: ``groups`` = shared parameter definitions, ``type`` = a backend,
``name`` = an OpenAI-compatible provider preset. Extra folders (``--catalog DIR`` or the
``MASSGEN_CATALOG_PATH`` environment variable, ``os.pathsep``-separated) are read after the bundled one,
so a user's file may add a backend or preset, or replace one of the same name.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..resources import data_dir
from .model import BackendDef, Catalog, ProviderDef

ENV_VAR = "MASSGEN_CATALOG_PATH"


class CatalogError(Exception):
    """A capability file is broken; ``diagnostics`` place each problem in its file."""

    def __init__(self, diagnostics: list[Any]) -> None:
        self.diagnostics = diagnostics
        lines = [f"{d.file}:{d.line}:{d.column}: {d.message}" for d in diagnostics]
        super().__init__("invalid capability files:\n" + "\n".join(lines))


def catalog_dirs(extra_dirs: Sequence[str | os.PathLike[str]] = (), *, use_env: bool = True) -> list[Path]:
    dirs = [data_dir("capabilities")]
    if use_env and os.environ.get(ENV_VAR):
        dirs.extend(Path(p) for p in os.environ[ENV_VAR].split(os.pathsep) if p)
    dirs.extend(Path(d) for d in extra_dirs)
    return dirs


def _yaml_files(directory: Path) -> Iterable[Path]:
    return sorted(p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def _backend(data: dict[str, Any], source: str, groups: dict[str, dict[str, Any]]) -> BackendDef:
    parameters: dict[str, dict[str, Any]] = {}
    for group in data.get("parameter_groups", []):
        parameters.update(groups.get(group, {}))
    parameters.update(data.get("parameters") or {})
    return BackendDef(
        type=data["type"],
        title=data.get("title", data["type"]),
        protocol=data["protocol"],
        source=source,
        api_key_env=list(data.get("api_key_env") or []),
        api_key_required=data.get("api_key_required", True),
        base_url=data.get("base_url"),
        base_url_env=data.get("base_url_env"),
        base_url_required=data.get("base_url_required", False),
        default_port=data.get("default_port"),
        models=[m.lower() for m in data.get("models") or []],
        model_patterns=list(data.get("model_patterns") or []),
        capabilities=dict(data.get("capabilities") or {}),
        tool_flags=dict(data.get("tool_flags") or {}),
        hints=dict(data.get("hints") or {}),
        parameters=parameters,
        extra=data.get("extra"),
        request=dict(data.get("request") or {}),
        docs=dict(data.get("docs") or {}),
        data=data,
    )


def _provider(data: dict[str, Any], source: str) -> ProviderDef:
    return ProviderDef(
        name=data["name"],
        title=data.get("title", data["name"]),
        source=source,
        backend=data.get("backend", "chatcompletion"),
        base_url=data.get("base_url"),
        url_match=list(data.get("url_match") or []),
        api_key_env=list(data.get("api_key_env") or []),
        aliases=list(data.get("aliases") or []),
        models=list(data.get("models") or []),
        tool_flags=dict(data.get("tool_flags") or {}),
        request=dict(data.get("request") or {}),
        docs=dict(data.get("docs") or {}),
        data=data,
    )


def load_catalog(
    extra_dirs: Sequence[str | os.PathLike[str]] = (), *, use_env: bool = True
) -> Catalog:
    """Load and check the bundled catalog plus any extra folders."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=False)
    documents: list[tuple[str, dict[str, Any]]] = []
    for directory in catalog_dirs(extra_dirs, use_env=use_env):
        for path in _yaml_files(directory):
            with path.open("rb") as handle:
                documents.append((str(path), yaml.load(handle)))

    catalog = Catalog(backends={}, providers={})
    for source, data in documents:
        if isinstance(data, dict) and "groups" in data:
            catalog.definitions.update(data.get("definitions") or {})
            for name, params in (data.get("groups") or {}).items():
                catalog.groups.setdefault(name, {}).update(params)
    for source, data in documents:
        if not isinstance(data, dict) or "groups" in data:
            continue
        if "type" in data:
            catalog.backends[data["type"]] = _backend(data, source, catalog.groups)
        elif "name" in data:
            catalog.providers[data["name"]] = _provider(data, source)
    return catalog
