"""Derives the backends page from the catalog: every cell of every table, checked on the way.

What no single capability file owns (the legend mapping, column labels, the wording of derived cells)
comes from the page data file ``templates/docs/backends.yaml``. A cell the data cannot fill raises
DocsError naming the backend (or preset) and the missing field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..catalog import CAPABILITIES, TOOL_FLAGS, BackendDef, Catalog, ProviderDef
from .errors import check_keys, fail, need, need_number, owner_name
from .examples import check_example
from .view import Cell, LegendEntry, Page, ParameterTable, QuickSetup, Row, Section, bold, literal

# The keys a `docs:` block may hold. A backend's: matrix_order (its place in the matrix and tool-flag
# tables), matrix_group (backends sharing one matrix row and one section), setup (prose Setup Requirements
# cell, else derived from default_port / api_key_env), tool_notes (Notes cell), mcp_note (after the MCP
# symbol), code_execution_detail {order, text} (when code execution is built in), quick_setup {label, model,
# explicit_backend}, section {group, title, underline, intro, rows, example}, parameters_example (under its
# Additional Parameters table). Section rows are [label, text] or a row named in templates/docs/backends.yaml.
# A preset's: order, short_title (Common Models), featured (named under Compatible Providers; default true),
# base_url_text / env_text (cells shown instead of base_url / the API key variable).
BACKEND_DOCS_KEYS = ("matrix_order", "matrix_group", "setup", "tool_notes", "mcp_note", "code_execution_detail",
                     "quick_setup", "section", "parameters_example")
SECTION_KEYS = ("group", "title", "underline", "intro", "rows", "example")
PROVIDER_DOCS_KEYS = ("order", "short_title", "featured", "base_url_text", "env_text")


class _Builder:
    def __init__(self, catalog: Catalog, page_data: dict[str, Any]) -> None:
        self.catalog = catalog
        self.data = page_data
        self.values = {value: LegendEntry(**entry) for value, entry in page_data["legend"].items()}
        for backend in catalog.backends.values():
            check_keys(backend, backend.docs, BACKEND_DOCS_KEYS, "docs")
            if "section" in backend.docs:
                check_keys(backend, backend.docs["section"], SECTION_KEYS, "docs.section")
        for preset in catalog.providers.values():
            check_keys(preset, preset.docs, PROVIDER_DOCS_KEYS, "docs")
        self.backends = sorted(
            catalog.backends.values(),
            key=lambda b: need_number(b, b.docs, "matrix_order", "its place in the support matrix"),
        )

    def symbol(self, owner: BackendDef, field_name: str, value: Any) -> Cell:
        if value is None:
            raise fail(owner, field_name, "missing; it fills a support cell")
        if value not in self.values:
            raise fail(owner, field_name, f"{value!r} has no symbol in the legend ({', '.join(self.values)})")
        return self.values[value].symbol

    def cell(self, key: str, **fields: object) -> Cell:
        return str(self.data["cells"][key]).format(**fields)

    def units(self) -> list[list[BackendDef]]:
        """Matrix rows: one backend, or the backends sharing ``docs.matrix_group``, in matrix order."""
        units: dict[tuple[str, str], list[BackendDef]] = {}
        for backend in self.backends:
            group = backend.docs.get("matrix_group")
            units.setdefault(("group", group) if group else ("type", backend.type), []).append(backend)
        return list(units.values())

    def presets_of(self, backend: BackendDef) -> list[ProviderDef]:
        presets = [p for p in self.catalog.providers.values() if p.backend == backend.type]
        return sorted(presets, key=lambda p: need_number(p, p.docs, "order", "its place in the provider table"))

    def check_example(self, owner: BackendDef, field_name: str, text: str) -> str:
        check_example(self.catalog, f"{owner_name(owner)}: {field_name}", text)
        return text

    # -- support matrix ------------------------------------------------------------------------------

    def matrix_row(self, unit: list[BackendDef]) -> Row:
        first = unit[0]
        title = first.docs.get("matrix_group") or first.title
        cells = [self.symbol(first, f"capabilities.{c}", first.capabilities.get(c)) for c in CAPABILITIES]
        for other in unit[1:]:
            if other.capabilities != first.capabilities:
                raise fail(other, "capabilities", f"differ from {first.type!r}, which shares the matrix row {title!r}")
        return [bold(title), *cells, self.setup(unit)]

    def setup(self, unit: list[BackendDef]) -> Cell:
        """Prose if given, else the default ports of the row's backends, else the API key variable."""
        first = unit[0]
        if first.docs.get("setup"):
            return str(first.docs["setup"])
        if first.default_port is not None:
            return self.cell("setup_ports", ports="/".join(str(port) for _, port in self.ports(unit)))
        if not first.api_key_env:
            raise fail(first, "docs.setup", "missing, and there is no api_key_env or default_port to derive "
                                            "the Setup Requirements cell from")
        native = first.data.get("native_tools")
        if native:
            return self.cell("setup_native_tools", env=first.api_key_env[0], tools=", ".join(native))
        return self.cell("setup_api_key", env=first.api_key_env[0])

    def ports(self, unit: list[BackendDef]) -> Iterator[tuple[BackendDef, int]]:
        for backend in unit:
            if backend.default_port is None:
                raise fail(backend, "default_port", "missing; the backends sharing its matrix row show their ports")
            yield backend, backend.default_port

    def code_execution_details(self) -> list[tuple[str, str]]:
        details = []
        for backend in self.backends:
            if backend.capabilities.get("code_execution") != "builtin":
                continue
            detail = need(backend, backend.docs, "code_execution_detail",
                          "its line under Code Execution Details (its code execution is built in)")
            if not isinstance(detail, dict) or not detail.get("text"):
                raise fail(backend, "docs.code_execution_detail", "needs `text` and `order`")
            details.append((need_number(backend, detail, "order", "its place in the list",
                                                "docs.code_execution_detail"), backend.title,
                            str(detail["text"])))
        return [(title, text) for _, title, text in sorted(details, key=lambda d: d[0])]

    # -- per-backend sections ------------------------------------------------------------------------

    def sections(self) -> dict[str, list[Section]]:
        groups: dict[str, list[Section]] = {g: [] for g in self.data["section_groups"]}
        for unit in self.units():
            owners = [b for b in unit if b.docs.get("section")]
            if not owners:
                raise fail(unit[0], "docs.section", "missing; every matrix row has a section")
            if len(owners) > 1:
                raise fail(owners[1], "docs.section", f"{owners[0].type!r} already gives the section of its matrix row")
            owner = owners[0]
            spec = owner.docs["section"]
            group = need(owner, spec, "group", "which part of the page holds its section", "docs.section")
            if group not in groups:
                raise fail(owner, "docs.section.group", f"{group!r} is not one of {', '.join(groups)}")
            groups[group].append(self.section(owner, unit, spec))
        # Alphabetical; a section that carries provider tables closes its group.
        for sections in groups.values():
            sections.sort(key=lambda s: (bool(s.providers), s.title.lower()))
        return groups

    def section(self, owner: BackendDef, unit: list[BackendDef], spec: dict[str, Any]) -> Section:
        title = need(owner, spec, "title", "the section heading", "docs.section")
        rows = need(owner, spec, "rows", "the section table", "docs.section")
        presets = self.presets_of(owner)
        example = spec.get("example")
        return Section(
            title=title,
            underline=spec.get("underline", len(title)),
            intro=spec.get("intro"),
            rows=[self.section_row(owner, unit, row) for row in rows],
            example=example and self.check_example(owner, "docs.section.example", example),
            providers=[self.provider_row(p) for p in presets],
            common_models=[(p.docs.get("short_title", p.title), p.models) for p in presets if p.models],
        )

    def section_row(self, owner: BackendDef, unit: list[BackendDef], row: Any) -> Row:
        """A ``[label, text]`` pair as written, or a row named in the page data and derived here."""
        if isinstance(row, list) and len(row) == 2:
            return [bold(row[0]), str(row[1])]
        supported = self.values["supported"].symbol
        derive: dict[str, Callable[[], dict[str, object]]] = {
            "backend_type": lambda: {"type": owner.type},
            "mcp_support": lambda: {
                "symbol": self.symbol(owner, "capabilities.mcp", owner.capabilities.get("mcp")),
                "note": owner.docs.get("mcp_note", ""),
            },
            "tools_support": lambda: self.tools_support(owner),
            "native_tools": lambda: {"symbol": supported, "tools": ", ".join(self.native_tools(owner))},
            "port_detection": lambda: {"ports": ", ".join(
                self.cell("port_item", title=b.title, port=port) for b, port in self.ports(unit))},
            "compatible_providers": lambda: {"providers": ", ".join(p.title for p in self.featured_presets(owner))},
            "provider_api_keys": lambda: {"keys": ", ".join(
                literal(p.api_key_env[0]) for p in self.featured_presets(owner)[:2])},
        }
        if row not in derive:
            raise fail(owner, "docs.section.rows",
                       f"{row!r} is neither a [label, text] pair nor one of {', '.join(derive)}")
        label, wording = self.data["rows"][row]
        return [bold(label), str(wording).format(**derive[row]()).strip()]

    def tools_support(self, backend: BackendDef) -> dict[str, object]:
        """The built-in tools its tool flags switch on, then file operations; a symbol when any is built in."""
        labels = self.data["tool_labels"]
        builtin = [labels[f] for f in TOOL_FLAGS if backend.tool_flags.get(f) == "supported"]
        file_ops = backend.capabilities.get("file_ops") not in (None, "none")
        tools = ", ".join(builtin + ([labels["file_ops"]] if file_ops else []))
        if not tools:
            raise fail(backend, "docs.section.rows", "tools_support has nothing to list (no supported tool flag, "
                                                     "no file operations); write it as [Tools Support, text]")
        return {"symbol": self.values["supported"].symbol if builtin else "", "tools": tools[0].upper() + tools[1:]}

    def native_tools(self, backend: BackendDef) -> list[str]:
        tools = backend.data.get("native_tools")
        if not tools:
            raise fail(backend, "native_tools", "missing; the section's native_tools row lists them")
        return list(tools)

    def featured_presets(self, backend: BackendDef) -> list[ProviderDef]:
        presets = [p for p in self.presets_of(backend) if p.docs.get("featured", True)]
        if not presets:
            raise fail(backend, "docs.section.rows", "names provider rows, but no featured preset runs on it")
        return presets

    def provider_row(self, preset: ProviderDef) -> Row:
        base_url = preset.docs.get("base_url_text") or (preset.base_url and literal(preset.base_url))
        if not base_url:
            raise fail(preset, "base_url", "missing (or docs.base_url_text); it fills the Base URL cell")
        env = preset.docs.get("env_text") or (preset.api_key_env and literal(preset.api_key_env[0]))
        if not env:
            raise fail(preset, "api_key_env", "missing (or docs.env_text); it fills the Environment Variable cell")
        return [bold(preset.title), base_url, env]

    # -- tool enablement reference -------------------------------------------------------------------

    def tool_flag_row(self, backend: BackendDef) -> Row:
        flags = [self.symbol(backend, f"tool_flags.{f}", backend.tool_flags.get(f)) for f in TOOL_FLAGS]
        notes = str(need(backend, backend.docs, "tool_notes", "the Notes cell of the tool-flag table"))
        native = backend.data.get("native_tools")
        if native:
            notes = self.cell("native_tool_notes", tools=", ".join(native), notes=notes)
        return [bold(backend.type), *flags, notes]

    @staticmethod
    def parameter_rows(where: BackendDef | str, parameters: dict[str, Any]) -> list[Row]:
        """Rows for the parameters that carry ``x-docs-type``, in declaration order."""
        rows = []
        for name, schema in parameters.items():
            if not isinstance(schema, dict) or "x-docs-type" not in schema:
                continue
            if not schema.get("description"):
                raise fail(where, f"parameters.{name}.description", "missing; it fills the Description cell")
            rows.append([literal(name), str(schema["x-docs-type"]), str(schema["description"])])
        return rows

    def mcp_parameters(self) -> list[Row]:
        where = "shared parameter group 'mcp' (capabilities/parameters.yaml)"
        rows = self.parameter_rows(where, self.catalog.groups.get("mcp", {}))
        if not rows:
            raise fail(where, "x-docs-type", "no parameter carries it, so the MCP Backend Parameters table is empty")
        return rows

    def backend_parameters(self) -> list[ParameterTable]:
        """An Additional Parameters table for each backend that documents parameters of its own."""
        tables = []
        for backend in self.backends:
            rows = self.parameter_rows(backend, backend.data.get("parameters") or {})
            if rows:
                example = need(backend, backend.docs, "parameters_example",
                               "the example under its Additional Parameters table")
                tables.append(ParameterTable(backend.title, rows,
                                             self.check_example(backend, "docs.parameters_example", example)))
        return tables

    def quick_setup(self) -> list[QuickSetup]:
        entries = []
        for backend in self.backends:
            spec = backend.docs.get("quick_setup")
            if not spec:
                continue
            model = need(backend, spec, "model", "its Quick Setup command", "docs.quick_setup")
            label = need(backend, spec, "label", "its Quick Setup comment", "docs.quick_setup")
            explicit = bool(spec.get("explicit_backend"))
            # Without --backend the command relies on MassGen inferring the backend from the model name.
            if not backend.matches_model(model) or not (explicit or self.catalog.infer_backend(model) is backend):
                raise fail(backend, "docs.quick_setup.model",
                           f"`--model {model}` does not select this backend" + ("" if explicit else " on its own"))
            entries.append(QuickSetup(label, backend.type, model, explicit))
        return entries

    def page(self) -> Page:
        mcp_example = self.data["mcp_example"]
        check_example(self.catalog, "page data (templates/docs/backends.yaml): mcp_example", mcp_example)
        labels = self.data["capability_labels"]
        return Page(
            matrix_header=["Backend Type", *(labels[c] for c in CAPABILITIES), "Setup Requirements"],
            matrix=[self.matrix_row(unit) for unit in self.units()],
            values=self.values,
            legend=[entry for entry in self.values.values() if entry.meaning],
            code_execution_details=self.code_execution_details(),
            sections=self.sections(),
            tool_flag_header=["Backend", *(literal(f) for f in TOOL_FLAGS), "Notes"],
            tool_flags=[self.tool_flag_row(b) for b in self.backends],
            mcp_parameters=self.mcp_parameters(),
            backend_parameters=self.backend_parameters(),
            mcp_example=mcp_example,
            quick_setup=self.quick_setup(),
        )


def build_page(catalog: Catalog, page_data: dict[str, Any]) -> Page:
    """Derive every table, list and example of the backends page from the catalog."""
    return _Builder(catalog, page_data).page()
