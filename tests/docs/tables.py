"""Reads the tables back out of a rendered page, so tests can compare cells across formats."""

from __future__ import annotations

import re

_RST_UNDERLINE = re.compile(r"^([=\-~])\1+$")
_MD_HEADING = re.compile(r"^#+ (.*)$")


def _name(heading: str, seen: dict[str, int]) -> str:
    seen[heading] = seen.get(heading, 0) + 1
    return f"{heading} #{seen[heading]}"


def table_blocks(text: str, fmt: str) -> dict[str, str]:
    """Each table's source text, named by the heading above it and its number under that heading."""
    lines = text.splitlines()
    blocks: dict[str, str] = {}
    seen: dict[str, int] = {}
    heading = "(top)"
    i = 0
    while i < len(lines):
        line = lines[i]
        if fmt == "rst" and i + 1 < len(lines) and line and _RST_UNDERLINE.match(lines[i + 1]):
            heading = line
        elif fmt == "md" and _MD_HEADING.match(line):
            heading = _MD_HEADING.match(line).group(1)
        starts = line.startswith(".. list-table::") if fmt == "rst" else line.startswith(("|", "- "))
        if starts:
            j = i + 1
            while j < len(lines) and _inside(lines[j], fmt, line[0]):
                j += 1
            blocks[_name(heading, seen)] = "\n".join(lines[i:j]).rstrip()
            i = j
            continue
        i += 1
    return blocks


def _inside(line: str, fmt: str, marker: str) -> bool:
    """Whether a line continues the table that started with ``marker`` (rst: its indented body)."""
    return line == "" or line.startswith("   ") if fmt == "rst" else line.startswith(marker)


def table_cells(block: str, fmt: str) -> list[list[str]]:
    """Rows of cells; RST inline literals are written the Markdown way so both formats compare equal."""
    rows: list[list[str]] = []
    if fmt == "rst":
        for line in block.splitlines():
            if line.startswith("   * - "):
                rows.append([line[7:]])
            elif line.startswith("     - "):
                rows[-1].append(line[7:])
        return [[re.sub(r"``(.+?)``", r"`\1`", c) for c in row] for row in rows]
    if block.startswith("- "):  # a table without header row is a Markdown list of "- key: value"
        return [line[2:].split(": ", 1) for line in block.splitlines()]
    for line in block.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if all(set(c) <= {"-"} and c for c in cells):
            continue  # the separator row
        rows.append(cells)
    return rows
