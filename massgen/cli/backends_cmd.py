"""``massgen backends``: the support matrix, and ``massgen backends show TYPE``: one backend or preset.

Plain aligned text (no rich): this command must start fast, and its output is read by people and
snapshot tests alike. Everything printed comes from the catalog.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import click

from ..catalog import CAPABILITIES, TOOL_FLAGS, BackendDef, Catalog, ProviderDef
from ..suggest import did_you_mean
from .options import catalog_option, open_catalog
from .terminal import width as terminal_width
from .terminal import wrap_field

CELL_TEXT = {"builtin": "built-in", "mcp": "MCP", "none": "-", "varies": "varies", "limited": "limited"}
FLAG_TEXT = {"supported": "yes", "unsupported": "no", "not_applicable": "n/a", "varies": "varies"}
CAPABILITY_HEADERS = {"web_search": "Web Search", "code_execution": "Code Exec", "file_ops": "File Ops", "mcp": "MCP"}
LEGEND = (
    "built-in = native provider feature; MCP = through MCP servers (e.g. enable_mcp_command_line: true);\n"
    "- = not available; varies = depends on the provider; limited = partial support"
)
FLAG_LEGEND = "n/a = the backend gets this another way (see `massgen backends show TYPE`)"
UNKNOWN_TYPE_EXIT = 2
DEFAULT_WIDTH = 30  # a long default (a list) is cut in the table; the description spells it out


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Columns padded to their widest cell; the last column is never padded."""
    rows = [list(headers), *[list(r) for r in rows]]
    widths = [max(len(r[i]) for r in rows) for i in range(len(headers) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)] + [row[-1]]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * len(headers[-1]))
    return "\n".join(lines)


def _ordered(catalog: Catalog) -> list[BackendDef]:
    return sorted(catalog.backends.values(), key=lambda b: (b.docs.get("matrix_order", 1_000), b.type))


HOST_KEY_TEXT = "the base_url host's provider key"


def _found_text(backend: BackendDef, catalog: Catalog) -> str:
    """``found on loopback: port 30000 (SGLang), then 8000 (vLLM)`` for a backend whose server is probed for."""
    probe = (backend.data.get("local_server") or {}).get("probe") or []
    ports = [f"{catalog.backends[t].default_port} ({catalog.backends[t].title})" for t in probe if t in catalog.backends]
    return f"none needed: found on loopback at port {', then '.join(ports)}" if ports else ""


def _key_text(env_vars: Sequence[str], required: bool = True) -> str:
    if not env_vars:
        return "-"
    text = " or ".join(env_vars)
    return text if required else f"{text} (optional)"


def matrix_text(catalog: Catalog) -> str:
    backends = _ordered(catalog)
    capability_rows = [
        [b.type, b.title, *(CELL_TEXT[b.capabilities.get(c, "none")] for c in CAPABILITIES),
         HOST_KEY_TEXT if b.key_follows_host else _key_text(b.api_key_env, b.api_key_required)]
        for b in backends
    ]
    flag_rows = [[b.type, *(FLAG_TEXT[b.tool_flags.get(f, "unsupported")] for f in TOOL_FLAGS)] for b in backends]
    presets = sorted(catalog.providers.values(), key=lambda p: (p.docs.get("order", 1_000), p.name))
    preset_rows = [
        [", ".join([p.name, *p.aliases]), p.title, p.base_url or "-", _key_text(p.api_key_env)] for p in presets
    ]
    return "\n\n".join([
        "Backend support matrix",
        table(["Type", "Name", *CAPABILITY_HEADERS.values(), "API key"], capability_rows),
        LEGEND,
        "Backend-level tool flags",
        table(["Type", *TOOL_FLAGS], flag_rows),
        FLAG_LEGEND,
        "OpenAI-compatible provider presets (type: <preset>, or type: chatcompletion with its base_url)",
        table(["Preset", "Provider", "Base URL", "API key"], preset_rows),
        "Details: massgen backends show TYPE",
    ])


def _type_text(schema: dict[str, Any], definitions: dict[str, Any]) -> str:
    if "x-docs-type" in schema:
        return str(schema["x-docs-type"])
    if "$ref" in schema:
        target = definitions.get(schema["$ref"].rsplit("/", 1)[-1], {})
        return _type_text(target, definitions) if target else "object"
    for combinator in ("oneOf", "anyOf"):
        if combinator in schema and "type" not in schema:  # a declared type says it all (top_k: -1 or >= 1)
            return " | ".join(_type_text(s, definitions) for s in schema[combinator])
    kind = schema.get("type", "any")
    if kind == "array" and isinstance(schema.get("items"), dict):
        return f"list of {_type_text(schema['items'], definitions)}"
    return " | ".join(kind) if isinstance(kind, list) else str(kind)


def _range_text(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return ", ".join(map(str, schema["enum"]))
    low = f"{schema['minimum']} <=" if "minimum" in schema else (
        f"{schema['exclusiveMinimum']} <" if "exclusiveMinimum" in schema else "")
    high = f"<= {schema['maximum']}" if "maximum" in schema else (
        f"< {schema['exclusiveMaximum']}" if "exclusiveMaximum" in schema else "")
    return f"{low} x {high}".strip() if low or high else ""


def _default_text(schema: dict[str, Any]) -> str:
    if "default" not in schema:
        return ""
    text = json.dumps(schema["default"])
    return text if len(text) <= DEFAULT_WIDTH else text[: DEFAULT_WIDTH - 3] + "..."


def _plain(text: str) -> str:
    """Descriptions are written for the rst page; the terminal gets them without the markup."""
    return re.sub(r"\*\*(.+?)\*\*", r"\1", text).replace("``", "`")


def _description(schema: dict[str, Any]) -> str:
    text = _plain(" ".join(str(schema.get("description", "")).split()))
    if schema.get("x-runtime") == "ignored":
        why = schema.get("x-ignored-because")
        text = f"[accepted, not acted on yet{': ' + why if why else ''}] {text}"
    return text


def _retirements(retirements: dict[str, str], source: str | None) -> list[tuple[str, str]]:
    """The "Retiring models" row (by date) and where the dates come from."""
    if not retirements:
        return []
    rows = [("Model retirements", ", ".join(f"{m} ({d})" for m, d in sorted(retirements.items(), key=lambda item: item[1])))]
    return rows + [("Retirements from", source)] if source else rows


def show_text(catalog: Catalog, backend: BackendDef, preset: ProviderDef | None, columns: int | None = None) -> str:
    """The text of ``backends show``; ``columns``: the terminal's width, which the fields are wrapped to."""
    fields: list[tuple[str, str]] = []
    if preset is not None:
        fields += [
            ("Preset", f"{preset.name} ({preset.title})" + (f", aliases: {', '.join(preset.aliases)}" if preset.aliases else "")),
            ("Runs on", f"backend {backend.type}"),
            ("Base URL", preset.base_url or "-"),
            ("Matches base_url containing", ", ".join(preset.url_match)),
            ("API key env", _key_text(preset.api_key_env)),
            ("Models", ", ".join(preset.models) or "-"),
        ]
        fields += _retirements(preset.model_retirements, preset.data.get("model_retirements_source"))
    else:
        base_url = backend.base_url or _found_text(backend, catalog) or (
            "required" + (f" (or {backend.base_url_env})" if backend.base_url_env else ""))
        fields += [
            ("Backend", f"{backend.type} ({backend.title})"),
            ("Base URL", base_url),
            ("API key env", HOST_KEY_TEXT + " (else none)" if backend.key_follows_host
             else _key_text(backend.api_key_env, backend.api_key_required)),
            ("Models", ", ".join(backend.models) or "-"),
        ]
        fields += _retirements(backend.model_retirements, backend.data.get("model_retirements_source"))
        if backend.default_port:
            fields.append(("Default port", str(backend.default_port)))
        if backend.extra:
            fields.append(("Needs", f"pip install 'massgen[{backend.extra}]'"))
    fields.append(("Protocol", backend.protocol))
    fields.append(("Capabilities", ", ".join(f"{c}: {CELL_TEXT[backend.capabilities.get(c, 'none')]}" for c in CAPABILITIES)))
    flags = {**backend.tool_flags, **(preset.tool_flags if preset else {})}
    fields.append(("Tool flags", ", ".join(f"{f}: {FLAG_TEXT[flags.get(f, 'unsupported')]}" for f in TOOL_FLAGS)))
    for flag, entry in (preset.tool_sources.items() if preset else ()):
        models = f" (models: {', '.join(entry['models'])})" if entry.get("models") else ""
        fields.append((f"  {flag}", f"{entry['source']}{models}"))
    width = max(len(name) for name, _ in fields)
    parts = ["\n".join(wrap_field(name, value, width + 1, columns) for name, value in fields)]
    notes = [*backend.notes, *(preset.notes if preset else [])]
    if notes:
        parts.append("Notes:\n" + "\n".join(f"  - {n}" for n in notes))
    rows = [
        [name, _type_text(schema, catalog.definitions), _range_text(schema), _default_text(schema), _description(schema)]
        for name, schema in sorted(backend.parameters.items())
    ]
    parts.append(f"Parameters ({len(rows)}):\n" + table(["Name", "Type", "Range", "Default", "Description"], rows))
    return "\n\n".join(parts)


@click.group(invoke_without_command=True)
@catalog_option
@click.pass_context
def backends(ctx: click.Context, catalog_dirs: tuple[str, ...]) -> None:
    """Print the backend support matrix (from the capability catalog)."""
    ctx.obj = catalog_dirs
    if ctx.invoked_subcommand is None:
        click.echo(matrix_text(open_catalog(catalog_dirs)))


@backends.command()
@click.argument("type_name", metavar="TYPE")
@catalog_option
@click.pass_context
def show(ctx: click.Context, type_name: str, catalog_dirs: tuple[str, ...]) -> None:
    """One backend type or provider preset: parameters, env vars, base URL, protocol, notes."""
    catalog = open_catalog((*(ctx.obj or ()), *catalog_dirs))
    resolved = catalog.resolve_type(type_name)
    if resolved is None:
        hint = did_you_mean(type_name, catalog.type_names())
        click.echo(f"error: unknown backend type {type_name!r}{'; ' + hint if hint else ''} (see `massgen backends`)", err=True)
        ctx.exit(UNKNOWN_TYPE_EXIT)
    click.echo(show_text(catalog, *resolved, columns=terminal_width(sys.stdout)))
