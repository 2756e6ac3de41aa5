"""Diagnostics: what the linter reports, and what any user-facing error becomes.

The JSON form is a contract (see DESIGN.md): editors and CI parse it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Fix:
    """A change that resolves a diagnostic, said in config terms at the diagnostic's ``path``.

    ``action`` is one of ``rename-key`` (the key becomes ``text``), ``replace-value`` (the value becomes
    ``text``), ``remove-key`` (the key and its value go) and ``add-key`` (the line ``text`` is added to the
    mapping at ``path``). ``safe`` fixes are the ones ``massgen validate --fix`` applies unasked; editors
    offer every fix as a code action. ``massgen.config.fixes`` turns a fix into a text edit.
    """

    action: str
    title: str
    text: str = ""
    safe: bool = False


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding, placed in a file. ``line``/``column`` are 1-based; ``path`` is a JSON pointer."""

    file: str
    line: int
    column: int
    severity: Severity
    code: str
    message: str
    path: str = ""
    hint: str | None = None
    end_line: int | None = None
    end_column: int | None = None
    fixes: tuple[Fix, ...] = field(default=(), compare=False)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_json(self) -> dict:
        """The DESIGN.md contract (the fixes are not part of it)."""
        data = {name: getattr(self, name) for name in _JSON_FIELDS}
        data["severity"] = self.severity.value
        data["end_line"] = self.end_line if self.end_line is not None else self.line
        data["end_column"] = self.end_column if self.end_column is not None else self.column
        return data


_JSON_FIELDS = ("file", "line", "column", "severity", "code", "message", "path", "hint", "end_line", "end_column")


def sort_key(d: Diagnostic) -> tuple:
    return (d.file, d.line, d.column, d.code)
