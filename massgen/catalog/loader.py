"""Reads capabilities/ (plus the user's extra folders) into a Catalog.

A file is classified by its keys: ``type`` = a backend, ``name`` = an OpenAI-compatible provider preset,
otherwise (``groups``) = shared parameter definitions. Extra folders (``--catalog DIR`` or the
``MASSGEN_CATALOG_PATH`` environment variable, ``os.pathsep``-separated) are read after the bundled one,
so a user's file may add a backend or preset, or replace one of the same name from an earlier folder.

Every file is checked (``check.py``) before use; the checked result is cached (``cache.py``) so that a
warm start reads one JSON file and imports neither ruamel.yaml nor jsonschema.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..diagnostics import Diagnostic, Severity
from ..errors import MassGenError
from ..resources import data_dir
from . import cache
from .model import BackendDef, Catalog, ProviderDef

ENV_VAR = "MASSGEN_CATALOG_PATH"
CATALOG_SUFFIXES = (".yaml", ".yml")

# (folder index, path): the index tells an override from another folder apart from a clash in one.
SourceFile = tuple[int, Path]
# (source path, folder index, parsed data): the checked form that the cache stores.
LoadedDocument = tuple[str, int, dict[str, Any]]


class CatalogError(MassGenError):
    """A capability file is broken; ``diagnostics`` place each problem in its file."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        lines = [f"{d.file}:{d.line}:{d.column}: {d.message}" for d in diagnostics]
        super().__init__("invalid capability files:\n" + "\n".join(lines))


def catalog_dirs(extra_dirs: Sequence[str | os.PathLike[str]] = (), *, use_env: bool = True) -> list[Path]:
    """The folders read, in order: bundled, then ``MASSGEN_CATALOG_PATH``, then ``extra_dirs``."""
    dirs = [data_dir("capabilities")]
    if use_env and os.environ.get(ENV_VAR):
        dirs.extend(Path(p) for p in os.environ[ENV_VAR].split(os.pathsep) if p)
    dirs.extend(Path(d) for d in extra_dirs)
    return dirs


def _source_files(dirs: Sequence[Path]) -> list[SourceFile]:
    missing = [d for d in dirs if not d.is_dir()]
    if missing:
        raise CatalogError([
            Diagnostic(file=str(d), line=1, column=1, severity=Severity.ERROR, code="catalog-folder-missing",
                       message=f"catalog folder {str(d)!r} does not exist or is not a folder",
                       hint=f"check --catalog and {ENV_VAR}")
            for d in missing
        ])
    files: list[SourceFile] = []
    for index, directory in enumerate(dirs):
        found = (p for p in directory.rglob("*") if p.suffix in CATALOG_SUFFIXES and p.is_file())
        files.extend((index, p) for p in sorted(found))
    return files


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
        key_follows_host=data.get("key_follows_host", False),
        base_url=data.get("base_url"),
        base_url_env=data.get("base_url_env"),
        base_url_required=data.get("base_url_required", False),
        model_required=data.get("model_required", True),
        required_parameters=data.get("required_parameters", {}),
        url_match=list(data.get("url_match") or []),
        default_port=data.get("default_port"),
        models=[m.lower() for m in data.get("models") or []],
        model_patterns=list(data.get("model_patterns") or []),
        model_retirements={m.lower(): str(d) for m, d in (data.get("model_retirements") or {}).items()},
        capabilities=dict(data.get("capabilities") or {}),
        tool_flags=dict(data.get("tool_flags") or {}),
        hints=dict(data.get("hints") or {}),
        notes=list(data.get("notes") or []),
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
        model_retirements={m.lower(): str(d) for m, d in (data.get("model_retirements") or {}).items()},
        tool_flags=dict(data.get("tool_flags") or {}),
        tool_sources={flag: dict(entry) for flag, entry in (data.get("tool_sources") or {}).items()},
        notes=list(data.get("notes") or []),
        request=dict(data.get("request") or {}),
        docs=dict(data.get("docs") or {}),
        data=data,
    )


def file_kind(data: dict[str, Any]) -> str:
    """``backend``, ``provider`` or ``parameters`` (the meta-schema branches the same way)."""
    if "type" in data:
        return "backend"
    return "provider" if "name" in data else "parameters"


def build_catalog(documents: Sequence[LoadedDocument]) -> Catalog:
    """Assemble checked documents: parameter groups first, then backends and presets (later files win)."""
    catalog = Catalog(backends={}, providers={})
    for _, _, data in documents:
        if file_kind(data) == "parameters":
            catalog.definitions.update(data.get("definitions") or {})
            for name, params in (data.get("groups") or {}).items():
                catalog.groups.setdefault(name, {}).update(params)
    for source, _, data in documents:
        kind = file_kind(data)
        if kind == "backend":
            catalog.backends[data["type"]] = _backend(data, source, catalog.groups)
        elif kind == "provider":
            catalog.providers[data["name"]] = _provider(data, source)
    return catalog


def load_catalog(
    extra_dirs: Sequence[str | os.PathLike[str]] = (), *, use_env: bool = True, use_cache: bool = True
) -> Catalog:
    """Load and check the bundled catalog plus any extra folders; raise CatalogError if a file is broken."""
    files = _source_files(catalog_dirs(extra_dirs, use_env=use_env))
    key = cache.cache_key([path for _, path in files]) if use_cache else None
    cached = cache.read(key) if key is not None else None
    if cached is not None:
        try:
            return build_catalog(cached)
        except (TypeError, ValueError, KeyError, AttributeError):
            pass  # a damaged cache entry under a valid key: check the files again
    from .check import check_files  # ruamel.yaml + jsonschema: only when the cache cannot answer

    documents, diagnostics = check_files(files)
    if diagnostics:
        raise CatalogError(diagnostics)
    if key is not None:
        cache.write(key, documents)
    return build_catalog(documents)
