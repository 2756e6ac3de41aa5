"""Diagnostics: what the linter reports, and what any user-facing error becomes.

The JSON form is a contract (see DESIGN.md): editors and CI parse it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


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

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_json(self) -> dict:
        data = asdict(self)
        data["severity"] = self.severity.value
        data["end_line"] = self.end_line if self.end_line is not None else self.line
        data["end_column"] = self.end_column if self.end_column is not None else self.column
        return data


def sort_key(d: Diagnostic) -> tuple:
    return (d.file, d.line, d.column, d.code)
