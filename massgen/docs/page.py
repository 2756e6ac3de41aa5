"""The backends page as plain data: every cell derived from the catalog and checked here.

Templates then only lay the page out. Cells are strings in RST inline markup (``literal``, **bold**),
the page's one inline syntax; the Markdown renderer translates it.

A cell the data cannot fill raises DocsError naming the backend (or preset) and the missing field.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..catalog import CAPABILITIES, TOOL_FLAGS, BackendDef, Catalog, ProviderDef
from ..errors import MassGenError

Cell = str
Row = list[Cell]

# Examples are `backend:` snippets; the linter sees them as the one agent of a config.
EXAMPLE_AGENT = "agent:\n  id: docs-example\n"
_ENV_REFERENCE = re.compile(r"\$\{(\w+)\}")


class DocsError(MassGenError):
    """The catalog cannot fill a cell of the documentation."""


def _fail(owner: BackendDef | ProviderDef, field_name: str, why: str) -> DocsError:
    kind, name = ("backend", owner.type) if isinstance(owner, BackendDef) else ("provider preset", owner.name)
    return DocsError(f"{kind} {name!r} ({owner.source}): {field_name}: {why}")


def _need(owner: BackendDef | ProviderDef, docs: dict[str, Any], key: str, purpose: str) -> Any:
    value = docs.get(key)
    if value in (None, "", []):
        raise _fail(owner, f"docs.{key}", f"missing; it fills {purpose}")
    return value


def literal(text: object) -> Cell:
    return f"``{text}``"


def bold(text: object) -> Cell:
    return f"**{text}**"


@dataclass(frozen=True)
class Section:
    title: str
    underline: int
    intro: str | None
    rows: list[Row]
    example: str | None
    providers: list[Row] = field(default_factory=list)
    common_models: list[tuple[str, list[str]]] = field(default_factory=list)


@dataclass(frozen=True)
class ParameterTable:
    backend_title: str
    rows: list[Row]
    example: str


@dataclass(frozen=True)
class QuickSetup:
    label: str
    type: str
    model: str
    explicit_backend: bool


@dataclass(frozen=True)
class Page:
    matrix_header: Row
    matrix: list[Row]
    legend: list[dict[str, str | None]]
    symbols: dict[str, str]
    legend_labels: dict[str, str]
    code_execution_details: list[tuple[str, str]]
    sections: dict[str, list[Section]]
    tool_flag_header: Row
    tool_flags: list[Row]
    mcp_parameters: list[Row]
    backend_parameters: list[ParameterTable]
    mcp_example: str
    quick_setup: list[QuickSetup]


class _Builder:
    def __init__(self, catalog: Catalog, page_data: dict[str, Any]) -> None:
        self.catalog = catalog
        self.data = page_data
        self.legend: dict[str, dict[str, str]] = page_data["legend"]
        self.backends = sorted(catalog.backends.values(), key=self._matrix_order)

    # -- shared helpers ------------------------------------------------------------------------------

    def _matrix_order(self, backend: BackendDef) -> Any:
        order = _need(backend, backend.docs, "matrix_order", "its place in the support matrix")
        if not isinstance(order, (int, float)):
            raise _fail(backend, "docs.matrix_order", f"must be a number, not {order!r}")
        return order

    def symbol(self, owner: BackendDef, field_name: str, value: Any) -> Cell:
        if value is None:
            raise _fail(owner, field_name, "missing; it fills a support cell")
        entry = self.legend.get(value)
        if entry is None:
            raise _fail(owner, field_name, f"{value!r} has no symbol in the legend ({', '.join(self.legend)})")
        return entry["symbol"]

    def cell(self, key: str, **fields: object) -> Cell:
        return str(self.data["cells"][key]).format(**fields)

    def units(self) -> list[list[BackendDef]]:
        """Matrix rows: one backend, or the backends sharing ``docs.matrix_group``, in matrix order."""
        units: dict[str, list[BackendDef]] = {}
        for backend in self.backends:
            units.setdefault(backend.docs.get("matrix_group") or f"\0{backend.type}", []).append(backend)
        return list(units.values())

    def presets_of(self, backend: BackendDef) -> list[ProviderDef]:
        presets = [p for p in self.catalog.providers.values() if p.backend == backend.type]
        for preset in presets:
            order = _need(preset, preset.docs, "order", "its place in the provider table")
            if not isinstance(order, (int, float)):
                raise _fail(preset, "docs.order", f"must be a number, not {order!r}")
        return sorted(presets, key=lambda p: p.docs["order"])

    # -- support matrix ------------------------------------------------------------------------------

    def matrix_header(self) -> Row:
        labels = self.data["capability_labels"]
        return ["Backend Type", *(labels[c] for c in CAPABILITIES), "Setup Requirements"]

    def matrix_row(self, unit: list[BackendDef]) -> Row:
        first = unit[0]
        title = first.docs.get("matrix_group") or first.title
        cells = [self.symbol(first, f"capabilities.{c}", first.capabilities.get(c)) for c in CAPABILITIES]
        for other in unit[1:]:
            if other.capabilities != first.capabilities:
                raise _fail(other, "capabilities",
                            f"differ from {first.type!r}, which shares the matrix row {title!r}")
        return [bold(title), *cells, self.setup(unit)]

    def setup(self, unit: list[BackendDef]) -> Cell:
        first = unit[0]
        if first.docs.get("setup"):
            return str(first.docs["setup"])
        if first.default_port is not None:
            ports = []
            for backend in unit:
                if backend.default_port is None:
                    raise _fail(backend, "default_port", "missing; it fills the shared Setup Requirements cell")
                ports.append(str(backend.default_port))
            return self.cell("setup_ports", ports="/".join(ports))
        if not first.api_key_env:
            raise _fail(first, "docs.setup", "missing, and there is no api_key_env or default_port to derive "
                                             "the Setup Requirements cell from")
        native = first.data.get("native_tools")
        if native:
            return self.cell("setup_native_tools", env=first.api_key_env[0], tools=", ".join(native))
        return self.cell("setup_api_key", env=first.api_key_env[0])

    def legend_entries(self) -> list[dict[str, str | None]]:
        """The values the legend explains (those with a ``meaning``); ``label`` is optional."""
        return [
            {"symbol": e["symbol"], "label": e.get("label"), "meaning": e["meaning"]}
            for e in self.legend.values() if e.get("meaning")
        ]

    def code_execution_details(self) -> list[tuple[str, str]]:
        details = []
        for backend in self.backends:
            if backend.capabilities.get("code_execution") != "builtin":
                continue
            detail = _need(backend, backend.docs, "code_execution_detail",
                           "its line under Code Execution Details (built-in code execution)")
            if not isinstance(detail, dict) or not detail.get("text") or "order" not in detail:
                raise _fail(backend, "docs.code_execution_detail", "needs `text` and `order`")
            details.append((detail["order"], backend.title, detail["text"]))
        return [(title, text) for _, title, text in sorted(details, key=lambda d: d[0])]

    # -- per-backend sections ------------------------------------------------------------------------

    def sections(self) -> dict[str, list[Section]]:
        groups: dict[str, list[Section]] = {g: [] for g in self.data["section_groups"]}
        for unit in self.units():
            owners = [b for b in unit if b.docs.get("section")]
            if len(owners) != 1:
                culprit = unit[-1] if owners else unit[0]
                why = "defined by more than one backend of the matrix group" if owners else "missing"
                raise _fail(culprit, "docs.section", why)
            owner = owners[0]
            spec = owner.docs["section"]
            group = _need(owner, spec, "group", "which part of the page holds its section")
            if group not in groups:
                raise _fail(owner, "docs.section.group", f"{group!r} is not one of {', '.join(groups)}")
            groups[group].append(self.section(owner, unit, spec))
        # Alphabetical; a section that carries provider tables closes its group.
        for sections in groups.values():
            sections.sort(key=lambda s: (bool(s.providers), s.title.lower()))
        return groups

    def section(self, owner: BackendDef, unit: list[BackendDef], spec: dict[str, Any]) -> Section:
        title = _need(owner, spec, "title", "the section heading")
        rows = [self.section_row(owner, unit, row) for row in _need(owner, spec, "rows", "the section table")]
        presets = self.presets_of(owner)
        example = spec.get("example")
        if example:
            self.check_example(owner, "docs.section.example", example)
        return Section(
            title=title,
            underline=spec.get("underline", len(title)),
            intro=spec.get("intro"),
            rows=rows,
            example=example,
            providers=[self.provider_row(p) for p in presets],
            common_models=[(p.docs.get("short_title", p.title), p.models) for p in presets if p.models],
        )

    def section_row(self, owner: BackendDef, unit: list[BackendDef], row: Any) -> Row:
        if isinstance(row, list) and len(row) == 2:
            return [bold(row[0]), str(row[1])]
        derive: dict[str, Callable[[], dict[str, object]]] = {
            "backend_type": lambda: {"type": owner.type},
            "mcp_support": lambda: {
                "symbol": self.symbol(owner, "capabilities.mcp", owner.capabilities.get("mcp")),
                "note": owner.docs.get("mcp_note", ""),
            },
            "tools_support": lambda: self.tools_support(owner),
            "native_tools": lambda: {"symbol": self.legend["supported"]["symbol"],
                                     "tools": ", ".join(self.native_tools(owner))},
            "port_detection": lambda: {"ports": ", ".join(self.port_items(unit))},
            "compatible_providers": lambda: {
                "providers": ", ".join(p.title for p in self.featured_presets(owner))
            },
            "provider_api_keys": lambda: {
                "keys": ", ".join(literal(p.api_key_env[0]) for p in self.featured_presets(owner)[:2])
            },
        }
        if row not in derive:
            raise _fail(owner, "docs.section.rows",
                        f"{row!r} is neither a [label, text] pair nor one of {', '.join(derive)}")
        label, wording = self.data["rows"][row]
        return [bold(label), str(wording).format(**derive[row]()).strip()]

    def tools_support(self, backend: BackendDef) -> dict[str, object]:
        """The built-in tools its tool flags switch on, then file operations; ✅ when any is built in."""
        labels = self.data["tool_labels"]
        builtin = [labels[f] for f in TOOL_FLAGS if backend.tool_flags.get(f) == "supported"]
        tools = builtin + ([labels["file_ops"]] if backend.capabilities.get("file_ops") not in (None, "none") else [])
        if not tools:
            raise _fail(backend, "docs.section.rows", "tools_support has nothing to list (no supported tool flag, "
                                                      "no file operations); write it as [Tools Support, text]")
        text = ", ".join(tools)
        return {"symbol": self.legend["supported"]["symbol"] if builtin else "", "tools": text[0].upper() + text[1:]}

    def native_tools(self, backend: BackendDef) -> list[str]:
        tools = backend.data.get("native_tools")
        if not tools:
            raise _fail(backend, "native_tools", "missing; the section's native_tools row lists them")
        return list(tools)

    def port_items(self, unit: list[BackendDef]) -> Iterable[str]:
        for backend in unit:
            if backend.default_port is None:
                raise _fail(backend, "default_port", "missing; it fills the Port Detection row")
            yield self.cell("port_item", title=backend.title, port=backend.default_port)

    def featured_presets(self, backend: BackendDef) -> list[ProviderDef]:
        presets = [p for p in self.presets_of(backend) if p.docs.get("featured", True)]
        if not presets:
            raise _fail(backend, "docs.section.rows", "names provider rows, but no featured preset runs on it")
        return presets

    def provider_row(self, preset: ProviderDef) -> Row:
        base_url = preset.docs.get("base_url_text") or (preset.base_url and literal(preset.base_url))
        if not base_url:
            raise _fail(preset, "base_url", "missing (or docs.base_url_text); it fills the Base URL cell")
        env = preset.docs.get("env_text") or (preset.api_key_env and literal(preset.api_key_env[0]))
        if not env:
            raise _fail(preset, "api_key_env", "missing (or docs.env_text); it fills the Environment Variable cell")
        return [bold(preset.title), base_url, env]

    # -- tool enablement reference -------------------------------------------------------------------

    def tool_flag_row(self, backend: BackendDef) -> Row:
        flags = [self.symbol(backend, f"tool_flags.{f}", backend.tool_flags.get(f)) for f in TOOL_FLAGS]
        notes = str(_need(backend, backend.docs, "tool_notes", "the Notes cell of the tool-flag table"))
        native = backend.data.get("native_tools")
        if native:
            notes = self.cell("native_tool_notes", tools=", ".join(native), notes=notes)
        return [bold(backend.type), *flags, notes]

    def parameter_rows(self, owner: BackendDef | None, parameters: dict[str, Any]) -> list[Row]:
        """Rows for the parameters that carry ``x-docs-type``, in declaration order."""
        rows = []
        for name, schema in parameters.items():
            if not isinstance(schema, dict) or "x-docs-type" not in schema:
                continue
            if not schema.get("description"):
                message = f"parameter {name!r} has x-docs-type but no description"
                if owner is None:
                    raise DocsError(f"shared parameter group 'mcp': {message}")
                raise _fail(owner, f"parameters.{name}.description", "missing; it fills the Description cell")
            rows.append([literal(name), str(schema["x-docs-type"]), str(schema["description"])])
        return rows

    def backend_parameters(self) -> list[ParameterTable]:
        tables = []
        for backend in self.backends:
            rows = self.parameter_rows(backend, backend.data.get("parameters") or {})
            if rows:
                example = _need(backend, backend.docs, "parameters_example",
                                "the example under its Additional Parameters table")
                self.check_example(backend, "docs.parameters_example", example)
                tables.append(ParameterTable(backend.title, rows, example))
        return tables

    def quick_setup(self) -> list[QuickSetup]:
        entries = []
        for backend in self.backends:
            spec = backend.docs.get("quick_setup")
            if not spec:
                continue
            model = _need(backend, spec, "model", "its Quick Setup command")
            explicit = bool(spec.get("explicit_backend"))
            # Without --backend the command relies on MassGen inferring the backend from the model name.
            if not backend.matches_model(model) or not (explicit or self.catalog.infer_backend(model) is backend):
                raise _fail(backend, "docs.quick_setup.model",
                            f"`--model {model}` does not select this backend" + ("" if explicit else " on its own"))
            label = _need(backend, spec, "label", "its Quick Setup comment")
            entries.append(QuickSetup(label, backend.type, model, explicit))
        return entries

    # -- examples go through the config linter, so the page never shows a config MassGen rejects -------

    def check_example(self, owner: BackendDef | None, field_name: str, text: str) -> None:
        from ..config.compiler import compile_text

        where = f"backend {owner.type!r} ({owner.source}): {field_name}" if owner else f"page data: {field_name}"
        result = compile_text(EXAMPLE_AGENT + textwrap.indent(text, "  "), field_name, self.catalog)
        errors = [d for d in result.diagnostics if d.is_error]
        if errors or result.spec is None:
            problems = "; ".join(f"line {d.line - EXAMPLE_AGENT.count(chr(10))}: {d.message}" for d in errors)
            raise DocsError(f"{where}: the example does not pass `massgen validate`: {problems}")
        agent = result.spec.agents[0]
        preset = self.catalog.provider(agent.provider) if agent.provider else None
        if preset is None:
            return
        key = _ENV_REFERENCE.fullmatch(str(agent.backend.get("api_key", "")))
        if key and key.group(1) not in preset.api_key_env:
            raise DocsError(f"{where}: the example's api_key ${{{key.group(1)}}} is not an API key variable of "
                            f"{preset.title} ({', '.join(preset.api_key_env)}), whose base_url it uses")
        if preset.models and agent.model not in preset.models:
            raise DocsError(f"{where}: the example's model {agent.model!r} is not one of {preset.title}'s models")

    def page(self) -> Page:
        mcp_example = self.data["mcp_example"]
        self.check_example(None, "mcp_example", mcp_example)
        labels = {v: e.get("label", e["symbol"]) for v, e in self.legend.items()}
        return Page(
            matrix_header=self.matrix_header(),
            matrix=[self.matrix_row(unit) for unit in self.units()],
            legend=self.legend_entries(),
            symbols={v: e["symbol"] for v, e in self.legend.items()},
            legend_labels=labels,
            code_execution_details=self.code_execution_details(),
            sections=self.sections(),
            tool_flag_header=["Backend", *(literal(f) for f in TOOL_FLAGS), "Notes"],
            tool_flags=[self.tool_flag_row(b) for b in self.backends],
            mcp_parameters=self.parameter_rows(None, self.catalog.groups.get("mcp", {})),
            backend_parameters=self.backend_parameters(),
            mcp_example=mcp_example,
            quick_setup=self.quick_setup(),
        )


def build_page(catalog: Catalog, page_data: dict[str, Any]) -> Page:
    """Derive every table, list and example of the backends page from the catalog."""
    return _Builder(catalog, page_data).page()
