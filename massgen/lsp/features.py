"""Completion, hover and document symbols over a config's text, from ``Knowledge`` (the schema and catalog).

Each function takes the client's lines and a position in characters and never raises on half-typed text.
No function reads or returns a value written in the config beyond ``type`` and ``model`` (so an ``api_key``
value never leaves the file), nor any environment variable's value (only the catalog's variable names).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from lsprotocol import types

from ..catalog import TOOL_FLAGS
from ..config.rules import agent_entries
from ..document import Document, pointer
from .knowledge import CAPABILITY_OF, CELL_SYMBOLS, Backend, Knowledge, type_words
from .locate import Context, block_values, locate, read_line

_OPEN_REFERENCE = re.compile(r"\$\{[A-Za-z0-9_]*$")


def _backend_depth(path: tuple[str | int, ...]) -> int | None:
    """How many parts of ``path`` lead to an agent's ``backend`` mapping (None: not inside one)."""
    if path[:2] == ("agent", "backend"):
        return 2
    if len(path) >= 3 and path[0] == "agents" and isinstance(path[1], int) and path[2] == "backend":
        return 3
    return None


def backend_at(knowledge: Knowledge, lines: Sequence[str], ctx: Context) -> Backend | None:
    """The backend of the agent the cursor is in, from the ``type``/``model`` written in its backend mapping."""
    depth = _backend_depth(ctx.path)
    if depth is None:
        return None
    if len(ctx.path) == depth:
        return knowledge.backend(block_values(lines, ctx.line, ctx.key_col))
    opener = ctx.openers[depth - 1] if len(ctx.openers) >= depth else None
    first = next((n for n in range(opener + 1, len(lines)) if not read_line(lines[n]).blank), None) \
        if opener is not None else None
    if first is None:
        return None
    return knowledge.backend(block_values(lines, first, read_line(lines[first]).key_col))


# -- completion -------------------------------------------------------------------------------------

def complete(knowledge: Knowledge, lines: Sequence[str], line: int, column: int) -> list[types.CompletionItem]:
    ctx = locate(lines, line, column)
    backend = backend_at(knowledge, lines, ctx)
    if ctx.key is None:
        return _key_items(knowledge, lines, ctx, backend)
    if _OPEN_REFERENCE.search(ctx.word):
        names = knowledge.env_vars(backend) if backend else knowledge.all_env_vars()
        return [types.CompletionItem(label=name, kind=types.CompletionItemKind.Variable, insert_text=f"{name}}}",
                                     detail="environment variable", documentation=_env_doc(name, backend))
                for name in names]
    depth = _backend_depth(ctx.path)
    if depth is not None and len(ctx.path) == depth and ctx.key == "type":
        return _type_items(knowledge)
    if depth is not None and len(ctx.path) == depth and ctx.key == "model":
        return _model_items(knowledge, backend)
    fragment = knowledge.schema_at((*ctx.path, ctx.key), backend)
    if fragment is None or fragment.get("x-secret"):
        return []
    return [types.CompletionItem(label=_yaml_word(value), kind=types.CompletionItemKind.EnumMember,
                                 documentation=fragment.get("description"))
            for value in knowledge.enum(fragment)]


def _key_items(knowledge: Knowledge, lines: Sequence[str], ctx: Context,
               backend: Backend | None) -> list[types.CompletionItem]:
    schema = knowledge.schema_at(ctx.path, backend)
    present = set(block_values(lines, ctx.line, ctx.key_col)) - {ctx.word}
    items = []
    for key, fragment in knowledge.keys(schema).items():
        if key in present:
            continue
        detail = type_words(fragment)
        if backend is not None and key in TOOL_FLAGS:
            detail += f" · {CELL_SYMBOLS[knowledge.tool_flag_support(backend, key)]} on {backend.name}"
        items.append(types.CompletionItem(
            label=key, kind=types.CompletionItemKind.Property, detail=detail,
            documentation=_markdown(fragment.get("description", "")), insert_text=f"{key}: "))
    return items


def _type_items(knowledge: Knowledge) -> list[types.CompletionItem]:
    catalog = knowledge.catalog
    items = [types.CompletionItem(label=d.type, kind=types.CompletionItemKind.Class, detail=d.title,
                                  documentation=_markdown(knowledge.docs_line(d)))
             for d in catalog.backends.values()]
    for preset in catalog.providers.values():
        for name in (preset.name, *preset.aliases):
            items.append(types.CompletionItem(
                label=name, kind=types.CompletionItemKind.Class, detail=f"{preset.title} (on {preset.backend})",
                documentation=_markdown(f"Provider preset: `base_url` {preset.base_url or '(set it)'}")))
    return items


def _model_items(knowledge: Knowledge, backend: Backend | None) -> list[types.CompletionItem]:
    owners = [backend] if backend else [Backend(d, None) for d in knowledge.catalog.backends.values()]
    items: dict[str, types.CompletionItem] = {}
    for owner in owners:
        retirements = owner.definition.model_retirements
        for model in knowledge.models(owner):
            retires = retirements.get(model.lower())
            detail = f"{owner.name} model" + (f", retires {retires}" if retires else "")
            items.setdefault(model, types.CompletionItem(label=model, kind=types.CompletionItemKind.Value,
                                                         detail=detail))
    return list(items.values())


def _env_doc(name: str, backend: Backend | None) -> str:
    return f"Read by the `{backend.name}` backend." if backend else "Read by a backend of the catalog."


def _yaml_word(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _markdown(text: str) -> types.MarkupContent:
    return types.MarkupContent(kind=types.MarkupKind.Markdown, value=text)


# -- hover ------------------------------------------------------------------------------------------

def hover(knowledge: Knowledge, lines: Sequence[str], line: int, column: int) -> tuple[str, int, int] | None:
    """Markdown about the key or the ``type``/``model`` value under the cursor, and the characters it covers
    on ``line`` (start, end); None elsewhere."""
    if line >= len(lines):
        return None
    entry = read_line(lines[line])
    if entry.key is None:
        return None
    text = lines[line]
    key_end = text.index(":", entry.key_col)
    ctx = locate(lines, line, entry.key_col)
    backend = backend_at(knowledge, lines, ctx)
    if entry.key_col <= column <= key_end:
        about = _key_hover(knowledge, (*ctx.path, entry.key), entry.key, backend)
        return (about, entry.key_col, key_end) if about else None
    depth = _backend_depth(ctx.path)
    value_start = len(text) - len(text[key_end + 1:].lstrip())
    value_end = value_start + len(entry.value)
    if depth is None or len(ctx.path) != depth or not value_start <= column <= value_end or not entry.value:
        return None
    if entry.key == "type":
        about = _type_hover(knowledge, entry.value.strip("\"'"))
    elif entry.key == "model":
        about = _model_hover(knowledge, entry.value.strip("\"'"), backend)
    else:
        return None
    return (about, value_start, value_end) if about else None


def _key_hover(knowledge: Knowledge, path: tuple[str | int, ...], key: str, backend: Backend | None) -> str | None:
    fragment = knowledge.schema_at(path, backend)
    if fragment is None:
        return None
    parts = [f"**`{key}`** — {type_words(fragment) or 'value'}"]
    if fragment.get("description"):
        parts.append(fragment["description"])
    values = knowledge.enum(fragment)
    if values and not all(isinstance(v, bool) for v in values):
        parts.append("Values: " + ", ".join(f"`{_yaml_word(v)}`" for v in values))
    if "default" in fragment and not fragment.get("x-secret"):
        parts.append(f"Default: `{_yaml_word(fragment['default'])}`")
    in_backend = _backend_depth(path[:-1]) == len(path) - 1
    if in_backend and backend is not None:
        if key in TOOL_FLAGS:
            parts.append(f"Support on `{backend.name}`: {CELL_SYMBOLS[knowledge.tool_flag_support(backend, key)]}")
        elif key in CAPABILITY_OF:
            cell = backend.definition.capabilities.get(CAPABILITY_OF[key], "none")
            parts.append(f"Support on `{backend.name}`: {CELL_SYMBOLS.get(cell, cell)}")
        parts.append(knowledge.docs_line(backend.definition))
    return "\n\n".join(parts)


def _type_hover(knowledge: Knowledge, name: str) -> str | None:
    resolved = knowledge.catalog.resolve_type(name)
    if resolved is None:
        return None
    definition, preset = resolved
    parts = [f"**`{name}`** — {preset.title if preset else definition.title} (protocol `{definition.protocol}`)"]
    env = preset.api_key_env if preset and preset.api_key_env else definition.api_key_env
    base_url = (preset.base_url if preset else None) or definition.base_url
    if preset:
        parts.append(f"Provider preset on the `{definition.type}` backend.")
    if base_url:
        parts.append(f"Base URL: `{base_url}`")
    if env:
        parts.append("API key from: " + ", ".join(f"`{e}`" for e in env))
    cells = ", ".join(f"{cap} {CELL_SYMBOLS.get(cell, cell)}" for cap, cell in definition.capabilities.items())
    if cells:
        parts.append(f"Support: {cells}")
    parts.append(knowledge.docs_line(definition))
    return "\n\n".join(parts)


def _model_hover(knowledge: Knowledge, model: str, backend: Backend | None) -> str | None:
    if not model or backend is None:
        return None
    listed = model in knowledge.models(backend)
    parts = [f"**`{model}`** — a `{backend.name}` model"
             + ("" if listed else " (not in the catalog's list; the provider decides)")]
    retires = backend.definition.model_retirements.get(model.lower())
    if retires:
        parts.append(f"Retired (or retiring) on {retires}.")
    parts.append(knowledge.docs_line(backend.definition))
    return "\n\n".join(parts)


# -- document symbols -------------------------------------------------------------------------------

def agents_outline(document: Document) -> list[tuple[str, str, tuple[int, int, int, int], tuple[int, int, int, int]]]:
    """(name, detail, span of the agent, span of its name) of each agent, for an outline."""
    data = document.data
    if not isinstance(data, dict):
        return []
    outline = []
    for index, (path, agent) in enumerate(agent_entries(data)):
        if not isinstance(agent, dict):
            continue
        where = pointer(path)
        agent_id = agent.get("id")
        name = agent_id if isinstance(agent_id, str) and agent_id else f"agent{index + 1}"
        backend = agent.get("backend") if isinstance(agent.get("backend"), dict) else {}
        detail = " · ".join(str(backend[k]) for k in ("type", "model") if isinstance(backend.get(k), str))
        span = document.value_spans.get(where, (1, 1, 1, 1))
        selection = document.value_spans.get(f"{where}/id", span)
        outline.append((name, detail, span, selection))
    return outline
