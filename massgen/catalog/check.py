"""Checks capability files and places every problem at its file:line:col, like a user config.

Each file is parsed with positions (``massgen.document``), checked against
``schema/capability.schema.json`` (jsonschema: fine here, this runs only when the cache misses), then
the files are checked together: parameter groups and ``$ref`` targets exist, no two files of one folder
define the same backend or preset, names and aliases do not clash, every preset's backend exists.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from ..diagnostics import Diagnostic, Severity
from ..document import Document, load_document, pointer
from ..resources import data_dir
from ..suggest import did_you_mean
from .loader import LoadedDocument, SourceFile, file_kind
from .model import DEFINITION_REF_PREFIX, TOOL_FLAGS

Path_ = tuple[Any, ...]


@cache
def _validator() -> Any:
    import jsonschema

    schema = json.loads((data_dir("schema") / "capability.schema.json").read_text(encoding="utf-8"))
    cls = jsonschema.Draft7Validator
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _diagnostic(doc: Document, path: Path_, code: str, message: str, *, key: bool = False,
                hint: str | None = None) -> Diagnostic:
    line, column, end_line, end_column = doc.span(path, key=key)
    return Diagnostic(file=doc.filename, line=line, column=column, end_line=end_line, end_column=end_column,
                      severity=Severity.ERROR, code=code, message=message, path=pointer(path), hint=hint)


def _where(path: Path_) -> str:
    return ".".join(str(p) for p in path) or "the file"


def _schema_diagnostics(doc: Document) -> Iterator[Diagnostic]:
    from jsonschema.exceptions import best_match

    for error in _validator().iter_errors(doc.data):
        if error.context:  # anyOf / oneOf: report the branch that came closest
            error = best_match(error.context)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            yield from _unknown_keys(doc, error)
        else:
            yield _explain(doc, error)


def _unknown_keys(doc: Document, error: Any) -> Iterator[Diagnostic]:
    """One diagnostic per unexpected key, placed on the key, with the closest allowed one."""
    path = tuple(error.absolute_path)
    known = list(error.schema.get("properties", {}))
    for extra in (k for k in error.instance if k not in known):
        yield _diagnostic(doc, (*path, extra), "catalog-unknown-key", f"unknown key {extra!r} in {_where(path)}",
                          key=True, hint=did_you_mean(extra, known))


def _explain(doc: Document, error: Any) -> Diagnostic:
    """A schema error in the file's own terms, pointing at the offending value."""
    path = tuple(error.absolute_path)
    where = _where(path)
    kind, schema, instance = error.validator, error.schema, error.instance
    if kind == "propertyNames":
        return _diagnostic(doc, (*path, instance), "catalog-schema",
                           f"{instance!r} is not a valid name in {where}", key=True,
                           hint=f"names must match {schema.get('pattern')}")
    if kind == "required":
        return _diagnostic(doc, path, "catalog-schema", f"{where}: {error.message}")
    if kind == "enum":
        allowed = ", ".join(map(str, error.validator_value))
        return _diagnostic(doc, path, "catalog-schema", f"{where}: {instance!r} is not one of: {allowed}",
                           hint=did_you_mean(instance, error.validator_value))
    if kind == "format" and error.validator_value == "regex":
        return _diagnostic(doc, path, "catalog-bad-regex",
                           f"{where}: {instance!r} is not a valid regular expression ({_regex_problem(instance)})")
    if kind == "not" and path == () and "base_url" in instance:
        return _diagnostic(doc, ("base_url",), "catalog-schema",
                           "base_url and base_url_required: true contradict each other", key=True,
                           hint="a backend with a default base_url does not require one")
    return _diagnostic(doc, path, "catalog-schema", f"{where}: {error.message}")


def _regex_problem(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        return str(exc)
    return "rejected by the format checker"


def _parse(path: Path) -> tuple[Document | None, list[Diagnostic]]:
    try:
        content = path.read_bytes()
    except OSError as exc:
        return None, [Diagnostic(file=str(path), line=1, column=1, severity=Severity.ERROR,
                                 code="catalog-unreadable", message=f"cannot read this file: {exc.strerror}")]
    doc, diagnostics = load_document(content, str(path))
    if doc is not None and not isinstance(doc.data, dict):
        return None, [_diagnostic(doc, (), "catalog-schema", "a capability file must be a mapping")]
    if doc is None and any(d.code == "empty-config" for d in diagnostics):
        diagnostics = [Diagnostic(file=str(path), line=1, column=1, severity=Severity.ERROR, code="catalog-empty",
                                  message="this capability file is empty",
                                  hint="a file holds one backend (`type:`), one preset (`name:`) or `groups:`")]
    return doc, diagnostics


def _refs(fragment: Any, path: Path_) -> Iterator[tuple[Path_, str]]:
    """Every ``$ref`` inside a parameter fragment, with its path."""
    if isinstance(fragment, dict):
        for key, value in fragment.items():
            if key == "$ref" and isinstance(value, str):
                yield (*path, key), value
            elif key in ("properties",) and isinstance(value, dict):
                for name, child in value.items():
                    yield from _refs(child, (*path, key, name))
            elif key in ("items", "additionalProperties"):
                yield from _refs(value, (*path, key))
            elif key in ("oneOf", "anyOf") and isinstance(value, list):
                for i, child in enumerate(value):
                    yield from _refs(child, (*path, key, i))


def _parameter_blocks(data: dict[str, Any]) -> Iterator[tuple[Path_, Any]]:
    kind = file_kind(data)
    if kind == "backend":
        for name, fragment in (data.get("parameters") or {}).items():
            yield ("parameters", name), fragment
    elif kind == "parameters":
        for name, fragment in (data.get("definitions") or {}).items():
            yield ("definitions", name), fragment
        for group, params in (data.get("groups") or {}).items():
            for name, fragment in (params or {}).items():
                yield ("groups", group, name), fragment


class _CrossCheck:
    """Checks that need every file: names, groups, references."""

    def __init__(self, docs: Sequence[tuple[int, Document]]) -> None:
        self.docs = docs
        self.diagnostics: list[Diagnostic] = []
        self.groups: set[str] = set()
        self.definitions: set[str] = set()
        self.backends: set[str] = set()
        self.parameter_names: set[str] = set(TOOL_FLAGS)  # what a hint may be about
        for _, doc in docs:
            if file_kind(doc.data) == "parameters":
                self.groups.update(doc.data.get("groups") or {})
                self.definitions.update(doc.data.get("definitions") or {})
                for params in (doc.data.get("groups") or {}).values():
                    self.parameter_names.update(params or {})
            elif file_kind(doc.data) == "backend":
                self.backends.add(doc.data["type"])
                self.parameter_names.update(doc.data.get("parameters") or {})

    def run(self) -> list[Diagnostic]:
        self._names()
        for _, doc in self.docs:
            self._groups_and_refs(doc)
        return self.diagnostics

    def _error(self, doc: Document, path: Path_, code: str, message: str, hint: str | None = None,
               *, key: bool = False) -> None:
        self.diagnostics.append(_diagnostic(doc, path, code, message, hint=hint, key=key))

    def _names(self) -> None:
        winners = self._replace_or_clash()
        owners: dict[str, tuple[Document, str]] = {}
        for doc in winners:
            kind = file_kind(doc.data)
            own = doc.data[kind_key(kind)]
            # (where it is written, the name, what it names)
            names: list[tuple[Path_, str, str]] = [((kind_key(kind),), own, "backend type" if kind == "backend" else "preset")]
            names += [(("aliases", i), alias, f"alias of preset {own!r}")
                      for i, alias in enumerate(doc.data.get("aliases") or [])]
            for path, name, what in names:
                if name in owners:
                    prior, prior_what = owners[name]
                    self._error(doc, path, "catalog-duplicate",
                                f"{name!r} is already taken: {prior_what} in {prior.filename}",
                                hint="every backend type, preset name and alias must be unique")
                else:
                    owners[name] = (doc, what)
            if kind == "provider":
                backend = doc.data.get("backend", "chatcompletion")
                if backend not in self.backends:
                    self._error(doc, ("backend",) if "backend" in doc.data else ("name",), "catalog-unknown-backend",
                                f"preset {doc.data['name']!r} runs on backend {backend!r}, which no capability file defines",
                                hint=did_you_mean(backend, sorted(self.backends)))

    def _replace_or_clash(self) -> list[Document]:
        """Backends and presets that count: a later folder replaces an earlier one; one folder may not repeat."""
        chosen: dict[tuple[str, str], tuple[int, Document]] = {}
        for folder, doc in self.docs:
            kind = file_kind(doc.data)
            if kind == "parameters":
                continue
            key = (kind, doc.data[kind_key(kind)])
            if key in chosen and chosen[key][0] == folder:
                self._error(doc, (kind_key(kind),), "catalog-duplicate",
                            f"{key[1]!r} is defined twice in one folder (first in {chosen[key][1].filename})",
                            hint="remove one file; to replace a bundled definition, use a --catalog folder")
                continue
            chosen[key] = (folder, doc)
        return [doc for _, doc in chosen.values()]

    def _groups_and_refs(self, doc: Document) -> None:
        for name in doc.data.get("hints") or {}:
            if name not in self.parameter_names:
                self._error(doc, ("hints", name), "catalog-unknown-parameter",
                            f"hint for {name!r}, which no backend or parameter group declares",
                            hint=did_you_mean(name, sorted(self.parameter_names)), key=True)
        if file_kind(doc.data) == "backend":
            for i, group in enumerate(doc.data.get("parameter_groups") or []):
                if group not in self.groups:
                    self._error(doc, ("parameter_groups", i), "catalog-unknown-group",
                                f"parameter group {group!r} is not defined in any parameters file",
                                hint=did_you_mean(group, sorted(self.groups)))
        for base, fragment in _parameter_blocks(doc.data):
            for path, ref in _refs(fragment, base):
                name = ref[len(DEFINITION_REF_PREFIX):]
                if name not in self.definitions:
                    self._error(doc, path, "catalog-bad-ref", f"$ref {ref!r} points to a definition that does not exist",
                                hint=did_you_mean(name, sorted(self.definitions)))


def kind_key(kind: str) -> str:
    """The key that names a file of this kind."""
    return "type" if kind == "backend" else "name"


def check_files(files: Sequence[SourceFile]) -> tuple[list[LoadedDocument], list[Diagnostic]]:
    """Parse and check every file; the documents come back JSON-clean (as the cache will return them)."""
    diagnostics: list[Diagnostic] = []
    docs: list[tuple[int, Document]] = []
    for folder, path in files:
        doc, problems = _parse(path)
        diagnostics.extend(problems)
        if doc is None:
            continue
        schema_problems = list(_schema_diagnostics(doc))
        diagnostics.extend(schema_problems)
        if not schema_problems:
            docs.append((folder, doc))
    diagnostics.extend(_CrossCheck(docs).run())
    documents: list[LoadedDocument] = [(doc.filename, folder, doc.data) for folder, doc in docs]
    # Round-trip through JSON so a fresh check and a cache hit give identical data.
    return json.loads(json.dumps(documents, default=str)), sorted(diagnostics, key=_order)


def _order(d: Diagnostic) -> tuple[str, int, int]:
    return (d.file, d.line, d.column)
