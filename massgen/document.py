"""YAML with positions: plain Python data plus the place of every key and value, by JSON pointer.

ruamel.yaml composes the node tree (which carries marks); we build plain data from it ourselves so
that duplicate keys, anchors and merge keys are seen, and every value can be traced back to its line.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from .diagnostics import Diagnostic, Severity

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


# YAML's line breaks, which its marks count (str.splitlines also splits at \x0b, \x0c, \x1c-\x1e).
LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` numbered as YAML numbers them (and as diagnostics do)."""
    lines = LINE_BREAK.split(text)
    return lines[:-1] if lines and not lines[-1] else lines


def line_column(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of the character at ``index`` in ``text``."""
    breaks = list(LINE_BREAK.finditer(text, 0, index))
    start = breaks[-1].end() if breaks else 0
    return len(breaks) + 1, index - start + 1


def _span(node: Any) -> Span:
    start, end = node.start_mark, node.end_mark
    return (start.line + 1, start.column + 1, end.line + 1, end.column + 1)


# Far beyond any real config; they stop "billion laughs" alias bombs and absurd nesting early.
MAX_VALUES = 50_000
MAX_DEPTH = 64
MAX_FLOW_OPENERS = 10_000
MAX_FILE_BYTES = 4 * 1024 * 1024  # a config is a few kilobytes; checked before anything is parsed
MAX_INT_CHARS = 64  # an integer written longer is beyond any count, seed or limit (and too long to print)

_TOO_LARGE_HINT = "a MassGen config is a few levels deep; check for runaway nesting or anchors"


class _TooLarge(Exception):
    def __init__(self, message: str, node: Any, code: str = "yaml-too-large", hint: str = _TOO_LARGE_HINT) -> None:
        super().__init__(message)
        self.node = node
        self.code = code
        self.hint = hint


def read_config(filename: str) -> bytes | Diagnostic:
    """The bytes of a config file, or the diagnostic saying why it is not read: it cannot be opened, it
    is not a regular file (a FIFO, a device such as /dev/zero, a directory), or it is larger than
    ``MAX_FILE_BYTES``. Opened without blocking, so a FIFO without a writer never hangs the reader."""

    def refused(code: str, message: str, hint: str | None = None) -> Diagnostic:
        return Diagnostic(file=filename, line=1, column=1, severity=Severity.ERROR, code=code, message=message,
                          hint=hint)

    try:
        fd = os.open(filename, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        return refused("unreadable-file", f"cannot read the file: {exc.strerror or exc}")
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = ("a directory" if stat.S_ISDIR(info.st_mode) else "a FIFO" if stat.S_ISFIFO(info.st_mode)
                    else "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) else "a socket")
            return refused("not-a-file", f"this is {kind}, not a regular file; only config files are read",
                           "give the path of a .yaml file")
        too_large = refused("file-too-large", f"the file is larger than {MAX_FILE_BYTES:,} bytes, far more than "
                            "any config; it was not read", "a MassGen config is a few kilobytes; check the path")
        if info.st_size > MAX_FILE_BYTES:
            return too_large
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        left = MAX_FILE_BYTES + 1  # the file may grow while it is read
        while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
        return too_large if left <= 0 else b"".join(chunks)
    except OSError as exc:
        return refused("unreadable-file", f"cannot read the file: {exc.strerror or exc}")
    finally:
        os.close(fd)


# Characters a terminal acts on (escape sequences, C1 controls) or that reorder or break what is shown
# (bidirectional overrides, line separators); tab and newline stay.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with every control character written as an escape (``\\x1b``, ``\\u202e``): safe to print
    to a terminal, whatever a config's keys and values hold."""
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}",
                            text)


def visible(text: str) -> str:
    """``printable(text)`` with tabs shown as ``\\t`` too: a snippet of the config must show a tab YAML trips on."""
    return printable(text).replace("\t", "\\t")


def _tab_problem(content: str, line: int, column: int) -> tuple[int, str, str] | None:
    """(1-based column of the tab, message, hint) when the error at 0-based (line, column) is a tab where YAML
    wants indentation."""
    lines = content.splitlines()
    text = lines[line] if 0 <= line < len(lines) else ""
    indent = text[: len(text) - len(text.lstrip(" \t"))]
    if "\t" not in indent and text[column:column + 1] != "\t":
        return None
    at = indent.find("\t") if "\t" in indent else column
    return (at + 1, f"a tab character at column {at + 1}: YAML indents with spaces only, never tabs",
            "replace the tab with spaces (your editor can convert tabs to spaces)")


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
        self._count(node, depth)
        # Assigned, not set once: where two nodes share a pointer (a duplicate key, a key that overrides
        # a merged one) the one built last is the one the data keeps (see _mapping).
        self.doc.value_spans[ptr] = _span(node)
        if isinstance(node, self.mapping_node):
            return self._mapping(node, ptr, depth)
        if isinstance(node, self.sequence_node):
            return [self.build(item, f"{ptr}/{i}", depth + 1) for i, item in enumerate(node.value)]
        return self.scalar(node)

    def scalar(self, node: Any) -> Any:
        if node.tag == _INT and len(str(node.value)) > MAX_INT_CHARS:
            raise _TooLarge(f"this integer is written with {len(str(node.value)):,} characters; no setting takes a "
                            "number that large", node, "number-too-large",
                            "write the number the setting needs (e.g. `temperature: 0.7`)")
        return self.constructor.construct_object(node, deep=True)

    def _count(self, node: Any, depth: int) -> None:
        self.values += 1
        if self.values > MAX_VALUES:
            raise _TooLarge(f"the config expands to more than {MAX_VALUES:,} values (aliases of aliases?)", node)
        if depth > MAX_DEPTH:
            raise _TooLarge(f"the config nests deeper than {MAX_DEPTH} levels", node)

    def _mapping(self, node: Any, ptr: str, depth: int) -> dict[Any, Any]:
        """A mapping with YAML's precedence: a key written in it beats one merged in with ``<<``, an
        earlier merge source beats a later one, and of two equal keys the second wins. Values are built
        lowest precedence first, so the spans left at each pointer are those of the value kept."""
        merged = self._merged(node, ptr, depth) if any(k.tag == _MERGE for k, _ in node.value) else None
        result: dict[Any, Any] = {}
        by_part: dict[str, tuple[Any, Span]] = {}  # pointer part -> the key written with it, and where
        by_key: dict[Any, tuple[str, Span]] = {}  # the same by key: 1 and true are one key to Python
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                for k, v in (merged or {}).items():
                    result.setdefault(k, v)
                merged = None  # all merged keys go where the first `<<` is
                continue
            key = self.scalar(key_node)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                key = str(key)
            part = _escape(key)
            key_span = _span(key_node)
            child_ptr = f"{ptr}/{part}"
            same_part, same_key = by_part.get(part), by_key.get(key)
            if same_part is not None or same_key is not None:
                first_line = (same_part[1] if same_part is not None else same_key[1])[0]
                self._duplicate(key, key_span, child_ptr, first_line)
                # Only the winner stays: `1` then `"1"` are one key in JSON and in a diagnostic's path.
                if same_part is not None and type(same_part[0]) is not type(key):
                    result.pop(same_part[0], None)
                if same_key is not None and same_key[0] != part:
                    result.pop(key, None)
            by_part[part] = (key, key_span)
            by_key[key] = (part, key_span)
            self.doc.key_spans[child_ptr] = key_span
            result[key] = self.build(value_node, child_ptr, depth + 1)
        return result

    def _merged(self, node: Any, ptr: str, depth: int) -> dict[Any, Any]:
        """The keys the ``<<`` entries of a mapping bring in, the first source winning."""
        sources = []
        for key_node, value_node in node.value:
            if key_node.tag != _MERGE:
                continue
            if isinstance(value_node, self.sequence_node):
                sources.extend(item for item in value_node.value if isinstance(item, self.mapping_node))
            elif isinstance(value_node, self.mapping_node):
                sources.append(value_node)
        built = []
        for source in reversed(sources):  # last source first: the spans of the first are written last
            self._count(source, depth + 1)
            built.append(self._mapping(source, ptr, depth + 1))
        merged: dict[Any, Any] = {}
        for mapping in reversed(built):
            for k, v in mapping.items():
                merged.setdefault(k, v)
        return merged

    def _duplicate(self, key: Any, span: Span, ptr: str, first_line: int) -> None:
        line, column, end_line, end_column = span
        self.diagnostics.append(
            Diagnostic(
                file=self.doc.filename, line=line, column=column, end_line=end_line,
                end_column=end_column, severity=Severity.ERROR, code="duplicate-key",
                message=f"key {key!r} appears twice in this mapping; the second one would silently win",
                path=ptr,
                hint=f"remove one of them (the first is on line {first_line})",
            )
        )


_MERGE = "tag:yaml.org,2002:merge"
_INT = "tag:yaml.org,2002:int"


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
    from ruamel.yaml.reader import ReaderError

    def problem(code: str, message: str, line: int = 1, column: int = 1, hint: str | None = None):
        return [Diagnostic(file=filename, line=line, column=column, severity=Severity.ERROR,
                           code=code, message=message, hint=hint)]

    if isinstance(content, bytes):
        if b"\x00" in content:
            return None, problem("not-yaml", "this is a binary file, not a YAML config")
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            # exc.object is the text after any BOM; everything before exc.start decoded fine.
            before = exc.object[:exc.start].decode("utf-8")
            line, column = line_column(before, len(before))
            return None, problem("not-yaml", f"the file is not UTF-8 text: byte 0x{exc.object[exc.start]:02x} "
                                 f"cannot be read ({exc.reason})", line, column,
                                 "save the file as UTF-8 (it may be in Latin-1 or Windows-1252)")
    # The C composer recurses on the C stack and crashes on tens of thousands of nested brackets; the
    # pure-Python one stops at the recursion limit with an exception we can report.
    yaml = YAML(typ="safe", pure=content.count("[") + content.count("{") > MAX_FLOW_OPENERS)
    yaml.Resolver = _yaml12_resolver()
    try:
        node = yaml.compose(content)
    except RecursionError:
        return None, problem("yaml-too-large", "the config nests too deeply to be read", hint=_TOO_LARGE_HINT)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        tab = _tab_problem(content, line - 1, column - 1) if mark else None
        if tab is not None:
            return None, problem("yaml-syntax", f"YAML syntax error: {tab[1]}", line, tab[0], tab[2])
        reason = exc.problem or exc.context or "invalid YAML"
        return None, problem("yaml-syntax", f"YAML syntax error: {reason}", line, column,
                             "check the indentation and quoting on this line and the one before it")
    except ReaderError as exc:  # a character YAML does not allow; its position indexes the text
        line, column = line_column(content, exc.position)
        code = exc.character
        escape = f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
        return None, problem("yaml-syntax", f"YAML does not allow the non-printable character U+{code:04X} in a file",
                             line, column, f"remove it, or write it as the escape `{escape}` inside double quotes")
    except YAMLError as exc:  # composer errors without marks, e.g. several documents
        return None, problem("yaml-syntax", f"YAML error: {exc}")
    if node is None:
        return None, problem("empty-config", "the config is empty",
                             hint="a config needs `agents:` (a list) or `agent:` (one agent)")
    doc = Document(filename=filename, data=None)
    builder = _Builder(doc, yaml.constructor)
    try:
        doc.data = builder.build(node)
    except _TooLarge as exc:
        line, column, _, _ = _span(exc.node)
        return None, problem(exc.code, str(exc), line, column, exc.hint)
    except (MarkedYAMLError, YAMLError, ValueError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, problem("yaml-syntax", f"YAML error: {getattr(exc, 'problem', None) or exc}", line, column)
    return doc, builder.diagnostics
