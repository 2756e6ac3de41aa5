"""The config compiler: YAML text → Document → diagnostics + RunSpec, in one pass that never raises.

Order of work: the base schema (top-level, orchestrator, ui, agents), the root rules, then per agent:
resolve the backend type (or infer it from the model), check each backend key against the catalog's
parameter fragments, run the backend rules, and build the AgentSpec.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path as FilePath
from typing import Any

from ..catalog import TOOL_FLAGS, BackendDef, Catalog, load_catalog
from ..diagnostics import Diagnostic, Severity, sort_key
from ..resources import data_dir
from .checker import Checker, Issue, Path, describe, did_you_mean
from .document import Document, load_document, pointer
from .envvars import substitute_config_variables
from .rules import BACKEND_RULES, BackendContext, agent_entries, mcp_server_entries, root_rules
from .spec import AgentSpec, RunSpec

# Parameter groups that configure the runtime rather than the provider request.
RUNTIME_GROUPS = ("core", "mcp", "command_line", "framework")


@dataclass(slots=True)
class CompileResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    spec: RunSpec | None = None

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)


@lru_cache(maxsize=1)
def base_schema() -> dict[str, Any]:
    with (data_dir("schema") / "config.base.schema.json").open(encoding="utf-8") as handle:
        return json.load(handle)


@lru_cache(maxsize=4)
def _default_catalog(env_value: str) -> Catalog:  # env_value is only the cache key: load_catalog reads it
    return load_catalog()


def default_catalog() -> Catalog:
    """The bundled catalog plus MASSGEN_CATALOG_PATH, loaded once per value of that variable."""
    return _default_catalog(os.environ.get("MASSGEN_CATALOG_PATH", ""))


def compile_file(path: str | os.PathLike[str], catalog: Catalog | None = None) -> CompileResult:
    """Compile a config file; an unreadable file is a diagnostic too."""
    name = os.fspath(path)
    try:
        content = FilePath(name).read_bytes()
    except OSError as exc:
        return CompileResult([Diagnostic(file=name, line=1, column=1, severity=Severity.ERROR, code="unreadable-file",
                                         message=f"cannot read the file: {exc.strerror or exc}")])
    document, problems = load_document(content, name)
    return _compile(document, problems, catalog)


def compile_text(text: str | bytes, filename: str = "<config>", catalog: Catalog | None = None) -> CompileResult:
    """Compile YAML text; ``filename`` is what the diagnostics name."""
    document, problems = load_document(text, filename)
    return _compile(document, problems, catalog)


def compile_mapping(data: Any, source: str = "<config>", catalog: Catalog | None = None) -> CompileResult:
    """Compile data that has no text (the CLI's quick ``--model`` mode): every place is line 1."""
    return _compile(Document(filename=source, data=data), [], catalog)


def _compile(document: Document | None, problems: list[Diagnostic], catalog: Catalog | None) -> CompileResult:
    if document is None:
        return CompileResult(sorted(problems, key=sort_key))
    compiler = _Compiler(document, catalog or default_catalog())
    spec = compiler.run()
    diagnostics = sorted([*problems, *compiler.diagnostics], key=sort_key)
    has_errors = any(d.is_error for d in diagnostics)
    return CompileResult(diagnostics, None if has_errors else spec)


class _Compiler:
    def __init__(self, document: Document, catalog: Catalog) -> None:
        self.document = document
        self.catalog = catalog
        schema = base_schema()
        self.checker = Checker({**catalog.definitions, **schema.get("definitions", {})})
        self.diagnostics: list[Diagnostic] = []

    def report(self, issues: Any) -> None:
        for issue in issues:
            line, column, end_line, end_column = self.document.span(issue.path, key=issue.at_key)
            self.diagnostics.append(Diagnostic(
                file=self.document.filename, line=line, column=column, end_line=end_line,
                end_column=end_column, severity=issue.severity, code=issue.code, message=issue.message,
                path=pointer(issue.path), hint=issue.hint,
            ))

    def run(self) -> RunSpec | None:
        """Check everything; build the RunSpec only from a config without errors (it trusts the data)."""
        data = self.document.data
        if not isinstance(data, dict):
            self.report([Issue((), "root-not-mapping", f"the config must be a mapping of keys, not {describe(data)}",
                               hint="start with `agents:` (a list) or `agent:` (one agent)")])
            return None
        self.report(self.checker.check(data, base_schema(), ()))
        self.report(root_rules(data))
        checked = [(self.check_agent(agent, path), agent, path, index)
                   for index, (path, agent) in enumerate(agent_entries(data))
                   if isinstance(agent, dict) and isinstance(agent.get("backend"), dict)]
        if any(d.is_error for d in self.diagnostics):
            return None
        shared = shared_context_paths(data.get("orchestrator"))
        return RunSpec(
            agents=[build_agent_spec(ctx, agent, _default_id(path, index), self.catalog, shared)
                    for ctx, agent, path, index in checked if ctx is not None],
            orchestrator=_mapping(data.get("orchestrator")),
            timeout_settings=_mapping(data.get("timeout_settings")),
            ui=_mapping(data.get("ui")),
            source=self.document.filename,
        )

    def check_agent(self, agent: dict[str, Any], path: Path) -> BackendContext | None:
        ctx = self.resolve(agent["backend"], (*path, "backend"))
        if ctx is not None:
            self.check_keys(ctx)
            for rule in BACKEND_RULES:
                self.report(rule(ctx))
        return ctx

    def resolve(self, backend: dict[str, Any], path: Path) -> BackendContext | None:
        """Which backend (and preset) this mapping means; reports why when it cannot be told."""
        type_name, model = backend.get("type"), backend.get("model")
        if type_name is None:
            if not isinstance(model, str):
                self.report([Issue(path, "missing-key", "the backend needs `type` (or a `model` that names one)",
                                   hint=f"add `type:`; one of {', '.join(self.catalog.backends)}", at_key=True)])
                return None
            definition = self.catalog.infer_backend(model)
            if definition is None:
                self.report([Issue((*path, "model"), "unknown-model",
                                   f"cannot tell the backend from the model name `{model}`",
                                   hint="add `type:` (e.g. `type: openai`); `massgen backends` lists them")])
                return None
            return BackendContext(path, backend, definition, None, tuple(self.catalog.providers.values()))
        if not isinstance(type_name, str):
            self.report([Issue((*path, "type"), "invalid-type", "`type` must be a string")])
            return None
        resolved = self.catalog.resolve_type(type_name)
        if resolved is None:
            self.report([Issue((*path, "type"), "unknown-backend-type", f"unknown backend type `{type_name}`",
                               hint=did_you_mean(type_name, self.catalog.type_names())
                               or "`massgen backends` lists the backend types")])
            return None
        definition, preset = resolved
        base_url = backend.get("base_url")
        if preset is None and isinstance(base_url, str):
            match = self.catalog.provider_for_url(base_url)
            if match is not None and match.backend == definition.type:
                preset = match
        return BackendContext(path, backend, definition, preset, tuple(self.catalog.providers.values()))

    def check_keys(self, ctx: BackendContext) -> None:
        parameters = ctx.definition.parameters
        for key, value in ctx.backend.items():
            child = (*ctx.path, str(key))
            if key in parameters:
                self.report(self.checker.check(value, parameters[key], child))
            elif key in TOOL_FLAGS:  # known everywhere; whether it is supported is the rule's job
                self.report(self.checker.check(value, {"type": "boolean"}, child))
            elif key == "mcp_servers" and ctx.definition.capabilities.get("mcp") == "none":
                continue  # mcp_support_rule explains it
            else:
                self.report([self.unknown_key(ctx, str(key), child)])

    def unknown_key(self, ctx: BackendContext, key: str, path: Path) -> Issue:
        takers = [b.type for b in self.catalog.backends.values() if key in b.parameters]
        if takers:
            return Issue(path, "unknown-key", f"`{key}` is not a parameter of `{ctx.name}`",
                         hint=f"`{key}` is taken by {', '.join(takers)}", at_key=True)
        known = [*ctx.definition.parameters, *TOOL_FLAGS]
        return Issue(path, "unknown-key", f"unknown key `{key}` in the `{ctx.name}` backend",
                     hint=did_you_mean(key, known) or f"`massgen backends show {ctx.definition.type}` lists its keys",
                     at_key=True)


def is_provider_parameter(key: str, definition: BackendDef, catalog: Catalog) -> bool:
    """Whether a backend key goes to the provider's request (not runtime settings, tool flags, ignored keys)."""
    fragment = definition.parameters.get(key)
    return (fragment is not None and key not in TOOL_FLAGS and fragment.get("x-runtime") != "ignored"
            and not any(key in catalog.groups.get(group, {}) for group in RUNTIME_GROUPS))


def shared_context_paths(orchestrator: Any) -> list[dict[str, str]]:
    """The orchestrator's ``context_paths``, read-only for every agent (MassGen's write permission belongs to the
    final presenter alone, which this runtime does not single out)."""
    entries = orchestrator.get("context_paths") if isinstance(orchestrator, dict) else None
    return [{"path": entry if isinstance(entry, str) else str(entry["path"]), "permission": "read"}
            for entry in entries or ()]


def build_agent_spec(ctx: BackendContext, agent: dict[str, Any], default_id: str, catalog: Catalog,
                     shared_paths: list[dict[str, str]] | None = None) -> AgentSpec:
    """The runtime's view of one agent; ``params`` keeps only what goes to the provider."""
    backend, definition, preset = ctx.backend, ctx.definition, ctx.preset
    if shared_paths:
        backend = {**backend, "context_paths": [*(backend.get("context_paths") or []), *shared_paths]}
    config_variables = {"cwd": os.path.abspath(backend["cwd"])} if isinstance(backend.get("cwd"), str) else {}
    backend = substitute_config_variables(backend, {**os.environ, **config_variables})
    parameters = definition.parameters
    params = {k: v for k, v in backend.items() if is_provider_parameter(k, definition, catalog)}
    base_url = backend.get("base_url") or (preset.base_url if preset else None) or definition.base_url
    if definition.base_url_env and not backend.get("base_url") and os.environ.get(definition.base_url_env):
        base_url = os.environ[definition.base_url_env]
    api_key = backend.get("api_key")
    disallowed = backend.get("disallowed_tools", parameters.get("disallowed_tools", {}).get("default", []))
    return AgentSpec(
        id=agent.get("id") if isinstance(agent.get("id"), str) else default_id,
        backend_type=definition.type,
        protocol=definition.protocol,
        model=backend.get("model"),
        provider=preset.name if preset else None,
        base_url=base_url if isinstance(base_url, str) else None,
        api_key=api_key if isinstance(api_key, str) else None,
        api_key_env=ctx.api_key_env(),
        system_message=agent.get("system_message"),
        params=params,
        tool_flags={f: backend[f] for f in TOOL_FLAGS if isinstance(backend.get(f), bool)},
        mcp_servers=[{**entry, "name": name} for _, name, entry in
                     mcp_server_entries(backend.get("mcp_servers"), ())],
        allowed_tools=list(backend["allowed_tools"]) if isinstance(backend.get("allowed_tools"), list) else None,
        disallowed_tools=list(disallowed),
        exclude_tools=list(backend.get("exclude_tools") or []),
        cwd=backend.get("cwd"),
        voting_sensitivity=agent.get("voting_sensitivity") or backend.get("voting_sensitivity"),
        backend=dict(backend),
        catalog=catalog,
    )


def _default_id(path: Path, index: int) -> str:
    return "agent" if path == ("agent",) else f"agent{index + 1}"


def _mapping(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


