"""The config compiler: YAML text → Document → diagnostics + RunPlan, in one pass that never raises.

Order of work: the base schema (top-level, orchestrator, ui, agents), the root rules, then per agent:
resolve the backend type (or infer it from the model), check each backend key against the catalog's
parameter fragments, run the backend rules, and build the AgentPlan.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..catalog import TOOL_FLAGS, Catalog, load_catalog
from ..diagnostics import Diagnostic, Fix, sort_key
from ..document import Document, load_document, pointer, read_config
from ..errors import redact
from ..resources import data_dir
from ..secret import Secret
from ..suggest import did_you_mean
from .checker import Checker, Issue, Path, describe, rename_fixes, replace_fixes
from .plan import RunPlan
from .planner import build_plan, config_secrets, shared_context_paths
from .routing import MockRoute
from .rules import BACKEND_RULES, BackendContext, agent_entries, root_rules, v1_config_issue


@dataclass(slots=True)
class CompileResult:
    """``secrets``: the secret values written in the config (``planner.config_secrets``), for masking the lines
    a report quotes; the diagnostics' own texts are masked already."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    spec: RunPlan | None = None
    secrets: tuple[Secret, ...] = ()

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


def compile_file(path: str | os.PathLike[str], catalog: Catalog | None = None, *,
                 mock: MockRoute | None = None) -> CompileResult:
    """Compile a config file; an unreadable file is a diagnostic too. ``mock``: where mocked agents' requests go
    (``massgen.config.routing.MockRoute``; without it a ``mock: true`` agent's plan has no base URL)."""
    name = os.fspath(path)
    content = read_config(name)  # only a regular file, at most MAX_FILE_BYTES, checked before parsing
    if isinstance(content, Diagnostic):
        return CompileResult([content])
    document, problems = load_document(content, name)
    return _compile(document, problems, catalog, mock)


def compile_text(text: str | bytes, filename: str = "<config>", catalog: Catalog | None = None, *,
                 mock: MockRoute | None = None) -> CompileResult:
    """Compile YAML text; ``filename`` is what the diagnostics name."""
    document, problems = load_document(text, filename)
    return _compile(document, problems, catalog, mock)


def compile_mapping(data: Any, source: str = "<config>", catalog: Catalog | None = None, *,
                    mock: MockRoute | None = None) -> CompileResult:
    """Compile data that has no text (the CLI's quick ``--model`` mode): every place is line 1."""
    return _compile(Document(filename=source, data=data), [], catalog, mock)


def _compile(document: Document | None, problems: list[Diagnostic], catalog: Catalog | None,
             mock: MockRoute | None = None) -> CompileResult:
    if document is None:
        return CompileResult(sorted(problems, key=sort_key))
    compiler = _Compiler(document, catalog or default_catalog(), mock)
    spec = compiler.run()
    diagnostics = sorted([*problems, *compiler.diagnostics], key=sort_key)
    has_errors = any(d.is_error for d in diagnostics)
    return CompileResult(diagnostics, None if has_errors else spec, compiler.secrets)


class _Compiler:
    def __init__(self, document: Document, catalog: Catalog, mock: MockRoute | None = None) -> None:
        self.document = document
        self.catalog = catalog
        self.mock = mock
        schema = base_schema()
        self.checker = Checker({**catalog.definitions, **schema.get("definitions", {})})
        self.diagnostics: list[Diagnostic] = []
        self.secrets = config_secrets(document.data)

    def report(self, issues: Any) -> None:
        for issue in issues:
            line, column, end_line, end_column = self.document.span(issue.path, key=issue.at_key)
            message, hint = issue.message, issue.hint
            if self.secrets:  # a message may quote a value: never a secret one (a key in the wrong field)
                message = redact(message, self.secrets)
                hint = redact(hint, self.secrets) if hint else hint
            self.diagnostics.append(Diagnostic(
                file=self.document.filename, line=line, column=column, end_line=end_line,
                end_column=end_column, severity=issue.severity, code=issue.code, message=message,
                path=pointer(issue.path), hint=hint, fixes=issue.fixes,
            ))

    def run(self) -> RunPlan | None:
        """Check everything; build the RunPlan only from a config without errors (it trusts the data)."""
        data = self.document.data
        if not isinstance(data, dict):
            self.report([Issue((), "root-not-mapping", f"the config must be a mapping of keys, not {describe(data)}",
                               hint="start with `agents:` (a list) or `agent:` (one agent)")])
            return None
        v1 = v1_config_issue(data)
        if v1 is not None:  # one message, not a "did you mean `agents`" for each of its keys
            self.report([v1])
            return None
        self.report(self.checker.check(data, base_schema(), ()))
        self.report(root_rules(data))
        checked = [(self.check_agent(agent, path), agent, path, index)
                   for index, (path, agent) in enumerate(agent_entries(data))
                   if isinstance(agent, dict) and isinstance(agent.get("backend"), dict)]
        if any(d.is_error for d in self.diagnostics):
            return None
        shared = shared_context_paths(data.get("orchestrator"))
        return RunPlan(
            agents=[build_plan(ctx, agent, _default_id(path, index), self.catalog, shared)
                    for ctx, agent, path, index in checked if ctx is not None],
            orchestrator=_mapping(data.get("orchestrator")),
            timeout_settings=_mapping(data.get("timeout_settings")),
            ui=_mapping(data.get("ui")),
            rate_limits=_mapping(data.get("rate_limits")),
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
                                   hint=f"add `type:`; one of {', '.join(self.catalog.backends)}", at_key=True,
                                   fixes=self.add_type_fixes())])
                return None
            definition = self.catalog.infer_backend(model)
            if definition is None:
                self.report([Issue((*path, "model"), "unknown-model",
                                   f"cannot tell the backend from the model name `{model}`",
                                   hint="add `type:` (e.g. `type: openai`); `massgen backends` lists them",
                                   fixes=self.add_type_fixes())])
                return None
            return BackendContext(path, backend, definition, None, self.catalog, self.mock)
        if not isinstance(type_name, str):
            self.report([Issue((*path, "type"), "invalid-type", "`type` must be a string")])
            return None
        resolved = self.catalog.resolve_type(type_name)
        if resolved is None:
            self.report([Issue((*path, "type"), "unknown-backend-type", f"unknown backend type `{type_name}`",
                               hint=did_you_mean(type_name, self.catalog.type_names())
                               or "`massgen backends` lists the backend types",
                               fixes=replace_fixes(type_name, self.catalog.type_names()))])
            return None
        definition, preset = resolved
        base_url = backend.get("base_url")
        if preset is None and isinstance(base_url, str):
            match = self.catalog.provider_for_url(base_url)
            if match is not None and match.backend == definition.type:
                preset = match
        return BackendContext(path, backend, definition, preset, self.catalog, self.mock)

    def add_type_fixes(self) -> tuple[Fix, ...]:
        """One "add `type: X`" per backend type, for an editor to offer (the path of a fix on `model`
        is the model's: the line goes into the mapping that holds it)."""
        return tuple(Fix("add-key", f"Add `type: {name}`", f"type: {name}") for name in self.catalog.backends)

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
                     at_key=True, fixes=rename_fixes(key, known, ctx.backend))


def _default_id(path: Path, index: int) -> str:
    return "agent" if path == ("agent",) else f"agent{index + 1}"


def _mapping(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


