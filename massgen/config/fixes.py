"""The compiler's fixes as text edits: what ``massgen validate --fix`` applies and editors offer as code actions.

A fix (``massgen.diagnostics.Fix``) names a change in config terms at a JSON pointer; this module places it
in the text with the positions ruamel.yaml reported for that pointer (``massgen.document.Document.key_spans`` /
``value_spans``) and changes only those characters. Everything else — comments, quotes, order, indentation,
line breaks — stays byte for byte. (A ruamel.yaml round-trip dump rewrites more: 249 of the 276 MassGen
0.1.97 example configs come back different from a bare load and dump, so edits are applied to the text.)
A fix that cannot be placed safely (a key inside a flow mapping ``{...}``, a key after ``- ``) gives no edit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..diagnostics import Diagnostic, Fix
from ..document import LINE_BREAK, Document, load_document

if TYPE_CHECKING:
    from ..catalog import Catalog

# (line, column), 1-based like diagnostics; column counts characters (code points)
Position = tuple[int, int]


@dataclass(frozen=True, slots=True)
class TextEdit:
    """Replace the text from ``start`` up to (not including) ``end`` with ``new_text``."""

    start: Position
    end: Position
    new_text: str


@dataclass(frozen=True, slots=True)
class Applied:
    """A fix applied by ``fix_text``: the diagnostic it resolves and the fix."""

    diagnostic: Diagnostic
    fix: Fix


class _Text:
    """Offsets of 1-based (line, column) positions, with lines split as YAML splits them."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0, *(m.end() for m in LINE_BREAK.finditer(text))]

    def offset(self, position: Position) -> int:
        line, column = position
        if line > len(self.starts):
            return len(self.text)
        return min(self.starts[line - 1] + column - 1, len(self.text))

    def line_start(self, line: int) -> int:
        return self.starts[line - 1] if line <= len(self.starts) else len(self.text)

    def line_end(self, line: int) -> int:
        """The offset after the line's break (the end of the text on the last line)."""
        return self.starts[line] if line < len(self.starts) else len(self.text)


def text_edit(text: str, document: Document, diagnostic: Diagnostic, fix: Fix) -> TextEdit | None:
    """The edit that applies ``fix`` (one of ``diagnostic.fixes``) to ``text``; None where it cannot be placed.

    ``document`` is ``text`` read by ``load_document`` (its spans locate the diagnostic's path).
    """
    source = _Text(text)
    pointer = diagnostic.path
    if fix.action == "rename-key" and pointer in document.key_spans:
        line, column, end_line, end_column = document.key_spans[pointer]
        written = source.text[source.offset((line, column)):source.offset((end_line, end_column))]
        quote = written[0] if written[:1] in ("'", '"') else ""
        return TextEdit((line, column), (end_line, end_column), f"{quote}{fix.text}{quote}")
    if fix.action == "replace-value" and pointer in document.value_spans:
        line, column, end_line, end_column = document.value_spans[pointer]
        return TextEdit((line, column), (end_line, end_column), fix.text)
    if fix.action == "remove-key" and pointer in document.key_spans and pointer in document.value_spans:
        return _remove(source, document.key_spans[pointer], document.value_spans[pointer])
    if fix.action == "add-key":
        return _add(source, document, pointer, fix.text)
    return None


def _remove(source: _Text, key: tuple[int, ...], value: tuple[int, ...]) -> TextEdit | None:
    """Whole lines only: the key must start its line and its value end it (a comment may follow)."""
    line, column = key[0], key[1]
    before = source.text[source.line_start(line):source.offset((line, column))]
    end_line, end_column = value[2], value[3]
    if end_column == 1 and end_line > line:  # a block value ends at the start of the next line
        end_line -= 1
    rest = source.text[source.offset((value[2], value[3])):source.line_end(end_line)]
    if before.strip() or rest.strip() and not rest.strip().startswith("#"):
        return None
    return TextEdit((line, 1), (end_line + 1, 1), "")


def _add(source: _Text, document: Document, pointer: str, line_text: str) -> TextEdit | None:
    """A new first key of the block mapping at ``pointer`` (or of the one holding it), at its indentation."""
    mapping = _mapping_pointer(document, pointer)
    if mapping is None:
        return None
    children = [span for ptr, span in document.key_spans.items()
                if ptr.startswith(mapping + "/") and "/" not in ptr[len(mapping) + 1:]]
    if not children:
        return None
    line, column = min(span[:2] for span in children)
    before = source.text[source.line_start(line):source.offset((line, column))].rstrip()
    if before.endswith(("{", ",")):  # a flow mapping: a new line would break it
        return None
    return TextEdit((line, column), (line, column), f"{line_text}\n{' ' * (column - 1)}")


def _mapping_pointer(document: Document, pointer: str) -> str | None:
    """``pointer`` if it names a mapping, else the nearest mapping above it."""
    parts = pointer.split("/")
    while parts:
        candidate = "/".join(parts)
        if isinstance(_at(document.data, parts[1:]), dict):
            return candidate
        parts = parts[:-1]
    return None


def _at(data: Any, parts: Sequence[str]) -> Any:
    for part in parts:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(data, dict):
            data = data.get(part, data.get(int(part)) if part.isdigit() else None)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def apply_edits(text: str, edits: Iterable[TextEdit]) -> str:
    """``text`` with ``edits`` applied; they must not overlap (ValueError otherwise)."""
    source = _Text(text)
    spans = sorted(((source.offset(e.start), source.offset(e.end), e.new_text) for e in edits), reverse=True)
    result, limit = text, len(text)
    for start, end, new_text in spans:
        if end > limit:
            raise ValueError("overlapping edits")
        result = result[:start] + new_text + result[end:]
        limit = start
    return result


def fix_text(text: str, filename: str, catalog: Catalog | None = None) -> tuple[str, list[Applied]]:
    """``text`` with every safe fix applied, and the fixes applied (none: ``text`` unchanged).

    Fixes are found by compiling ``text``; an unreadable or unparsable text gets none.
    """
    from .compiler import compile_text

    document, problems = load_document(text, filename)
    if document is None or problems:
        return text, []
    result = compile_text(text, filename, catalog)
    chosen: list[tuple[TextEdit, Applied]] = []
    colliding = _colliding_renames(result.diagnostics)
    for diagnostic in result.diagnostics:
        fix = next((f for f in diagnostic.fixes if f.safe and (diagnostic.path, f.text) not in colliding), None)
        edit = text_edit(text, document, diagnostic, fix) if fix else None
        if fix and edit and not any(_overlap(edit, other) for other, _ in chosen):
            chosen.append((edit, Applied(diagnostic, fix)))
    return apply_edits(text, [edit for edit, _ in chosen]), [applied for _, applied in chosen]


def _colliding_renames(diagnostics: list[Diagnostic]) -> set[tuple[str, str]]:
    """(path, new key) of the safe renames that would give one mapping the same key twice (``api_kye`` and
    ``apikey`` both to ``api_key``): neither is safe any more, the user picks."""
    targets: dict[tuple[str, str], list[str]] = {}
    for diagnostic in diagnostics:
        for fix in diagnostic.fixes:
            if fix.safe and fix.action == "rename-key":
                targets.setdefault((diagnostic.path.rsplit("/", 1)[0], fix.text), []).append(diagnostic.path)
    return {(path, new) for (_, new), paths in targets.items() if len(paths) > 1 for path in paths}


def _overlap(a: TextEdit, b: TextEdit) -> bool:
    return a.start < b.end and b.start < a.end or a.start == b.start
