"""What the templates receive: the backends page as plain values, every cell already a string.

Cells are written in RST inline markup (``literal``, **bold**), the page's one inline syntax; the
Markdown renderer translates it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Cell = str
Row = list[Cell]


def literal(text: object) -> Cell:
    return f"``{text}``"


def bold(text: object) -> Cell:
    return f"**{text}**"


@dataclass(frozen=True)
class LegendEntry:
    """How a capability or tool-flag value shows in a cell, and (if it has a meaning) in the legend."""

    symbol: str
    label: str | None = None
    meaning: str | None = None


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
    values: dict[str, LegendEntry]  # every capability and tool-flag value
    legend: list[LegendEntry]  # the ones the legend explains
    code_execution_details: list[tuple[str, str]]
    sections: dict[str, list[Section]]
    tool_flag_header: Row
    tool_flags: list[Row]
    mcp_parameters: list[Row]
    backend_parameters: list[ParameterTable]
    mcp_example: str
    quick_setup: list[QuickSetup]
