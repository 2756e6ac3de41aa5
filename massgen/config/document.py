"""YAML with positions: plain Python data plus the place of every key and value, by JSON pointer.

ruamel.yaml composes the node tree (which carries marks); we build plain data from it ourselves so
that duplicate keys, anchors and merge keys are seen, and every value can be traced back to its line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ..diagnostics import Diagnostic, Severity

# (line, column, end_line, end_column), 1-based
Span = tuple[int, int, int, int]


def _escape(part: str | int) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def pointer(parts: tuple[str | int, ...]) -> str:
    """RFC 6901 JSON pointer of a path."""
    return "".join("/" + _escape(p) for p in parts)


@dataclass(slots=True)
class Document:
    filename: str
    data: Any
    lines: list[str]
    key_spans: dict[str, Span] = field(default_factory=dict)
    value_spans: dict[str, Span] = field(default_factory=dict)

    def span(self, path: tuple[str | int, ...], *, key: bool = False) -> Span:
        """Where ``path`` is: its key (``key=True``, for unknown keys) or its value; else the nearest parent."""
        parts = path
        while True:
            ptr = pointer(parts)
            spans = (self.key_spans, self.value_spans) if key else (self.value_spans, self.key_spans)
            for table in spans:
                if ptr in table:
                    return table[ptr]
            if not parts:
                return (1, 1, 1, 1)
            parts = parts[:-1]
            key = False

    def line_text(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""


def _span(node: Any) -> Span:
    start, end = node.start_mark, node.end_mark
    return (start.line + 1, start.column + 1, end.line + 1, end.column + 1)


# Far beyond any real config; they stop "billion laughs" alias bombs and absurd nesting early.
MAX_VALUES = 50_000
MAX_DEPTH = 64
MAX_FLOW_OPENERS = 10_000


class _TooLarge(Exception):
    def __init__(self, message: str, node: Any) -> None:
        super().__init__(message)
        self.node = node


class _Builder:
    """Builds plain data from the node tree, recording spans by JSON pointer as it goes (the pointer is
    extended step by step: recomputing it from the path at every node was the warm path's main cost).
    Aliases are expanded, so every value counts towards MAX_VALUES."""

    def __init__(self, doc: Document, constructor: Any) -> None:
        from ruamel.yaml.nodes import MappingNode, SequenceNode

        self.doc = doc
        self.constructor = constructor
        self.mapping_node, self.sequence_node = MappingNode, SequenceNode
        self.diagnostics: list[Diagnostic] = []
        self.values = 0

    def build(self, node: Any, ptr: str = "", depth: int = 0) -> Any:
        self.values += 1
        if self.values > MAX_VALUES:
            raise _TooLarge(f"the config expands to more than {MAX_VALUES:,} values (aliases of aliases?)", node)
        if depth > MAX_DEPTH:
            raise _TooLarge(f"the config nests deeper than {MAX_DEPTH} levels", node)
        self.doc.value_spans.setdefault(ptr, _span(node))
        if isinstance(node, self.mapping_node):
            return self._mapping(node, ptr, depth)
        if isinstance(node, self.sequence_node):
            return [self.build(item, f"{ptr}/{i}", depth + 1) for i, item in enumerate(node.value)]
        return self.constructor.construct_object(node, deep=True)

    def _mapping(self, node: Any, ptr: str, depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        seen: dict[Any, Span] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged = self.build(value_node, ptr, depth + 1)
                sources = merged if isinstance(merged, list) else [merged]
                for source in sources:
                    if isinstance(source, dict):
                        for k, v in source.items():
                            result.setdefault(k, v)
                continue
            key = self.constructor.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                key = str(key)
            key_span = _span(key_node)
            child_ptr = f"{ptr}/{_escape(key)}"
            if key in seen:
                line, column, end_line, end_column = key_span
                self.diagnostics.append(
                    Diagnostic(
                        file=self.doc.filename, line=line, column=column, end_line=end_line,
                        end_column=end_column, severity=Severity.ERROR, code="duplicate-key",
                        message=f"key {key!r} appears twice in this mapping; the second one would silently win",
                        path=child_ptr,
                        hint=f"remove one of them (the first is on line {seen[key][0]})",
                    )
                )
            seen[key] = key_span
            self.doc.key_spans.setdefault(child_ptr, key_span)
            result[key] = self.build(value_node, child_ptr, depth + 1)
        return result


@cache
def _yaml12_resolver() -> type:
    """ruamel's resolver with the YAML version fixed at 1.2, its default.

    The stock resolver looks the version up for every scalar, and with the C parser that lookup fails
    through two caught AttributeErrors each time: a third of the warm compile time. Configs never
    carry a ``%YAML`` directive, so nothing is lost.
    """
    from ruamel.yaml.resolver import VersionedResolver

    class Yaml12Resolver(VersionedResolver):
        processing_version = (1, 2)

    return Yaml12Resolver


def load_document(content: str | bytes, filename: str) -> tuple[Document | None, list[Diagnostic]]:
    """Parse YAML text. Never raises for bad input: problems come back as diagnostics."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    def problem(code: str, message: str, line: int = 1, column: int = 1, hint: str | None = None):
        return [Diagnostic(file=filename, line=line, column=column, severity=Severity.ERROR,
                           code=code, message=message, hint=hint)]

    if isinstance(content, bytes):
        if b"\x00" in content:
            return None, problem("not-yaml", "this is a binary file, not a YAML config")
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return None, problem("not-yaml", f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})")
    lines = content.splitlines()
    # The C composer recurses on the C stack and crashes on tens of thousands of nested brackets; the
    # pure-Python one stops at the recursion limit with an exception we can report.
    yaml = YAML(typ="safe", pure=content.count("[") + content.count("{") > MAX_FLOW_OPENERS)
    yaml.Resolver = _yaml12_resolver()
    too_large_hint = "a MassGen config is a few levels deep; check for runaway nesting or anchors"
    try:
        node = yaml.compose(content)
    except RecursionError:
        return None, problem("yaml-too-large", "the config nests too deeply to be read", hint=too_large_hint)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = exc.problem or exc.context or "invalid YAML"
        return None, problem("yaml-syntax", f"YAML syntax error: {reason}", line, column,
                             "check the indentation and quoting on this line and the one before it")
    except YAMLError as exc:  # composer errors without marks, e.g. several documents
        return None, problem("yaml-syntax", f"YAML error: {exc}")
    if node is None:
        return None, problem("empty-config", "the config is empty",
                             hint="a config needs `agents:` (a list) or `agent:` (one agent)")
    doc = Document(filename=filename, data=None, lines=lines)
    builder = _Builder(doc, yaml.constructor)
    try:
        doc.data = builder.build(node)
    except _TooLarge as exc:
        line, column, _, _ = _span(exc.node)
        return None, problem("yaml-too-large", str(exc), line, column, too_large_hint)
    except (MarkedYAMLError, YAMLError, ValueError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, problem("yaml-syntax", f"YAML error: {getattr(exc, 'problem', None) or exc}", line, column)
    return doc, builder.diagnostics
