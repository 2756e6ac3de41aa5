"""Diagnostics as text (for people), JSON (the DESIGN.md contract) and GitHub workflow annotations."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from ..diagnostics import Diagnostic, Severity
from ..document import printable, read_config, split_lines, visible
from ..errors import redact

_COLORS = {Severity.ERROR: "\x1b[1;31m", Severity.WARNING: "\x1b[1;33m", Severity.INFO: "\x1b[1;36m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"
_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}

LineSource = Callable[[str], Sequence[str]]


def strict(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """``--strict``: every warning becomes an error."""
    return [replace(d, severity=Severity.ERROR) if d.severity is Severity.WARNING else d for d in diagnostics]


def source_lines(content: str | bytes) -> list[str]:
    """The lines of a config's text for the snippets, numbered as the diagnostics number them."""
    if isinstance(content, bytes):
        content = content.decode("utf-8-sig", errors="replace")
    return split_lines(content)


def read_lines(filename: str) -> list[str]:
    """The lines of a file for the snippet under a diagnostic; none when it cannot be read."""
    content = read_config(filename)
    return source_lines(content) if isinstance(content, bytes) else []


def format_text(
    diagnostics: Sequence[Diagnostic],
    *,
    color: bool = False,
    show_info: bool = False,
    lines: LineSource = read_lines,
    files_checked: int | None = None,
) -> str:
    """Readable report: each problem with its line of the file, a caret under the column and the hint.

    Info diagnostics (keys accepted but not acted on) are counted but shown only with ``show_info``.
    Control characters from the config (a terminal escape in a key, say) are shown escaped.
    """
    def paint(text: str, style: str) -> str:
        return f"{style}{text}{_RESET}" if color else text

    cache: dict[str, Sequence[str]] = {}
    blocks: list[str] = []
    for d in diagnostics:
        if d.severity is Severity.INFO and not show_info:
            continue
        if d.file not in cache:
            cache[d.file] = lines(d.file)
        head = (f"{paint(f'{printable(d.file)}:{d.line}:{d.column}', _BOLD)}: "
                f"{paint(d.severity.value, _COLORS[d.severity])} [{d.code}] {printable(d.message)}")
        block = [head, *_snippet(d, cache[d.file], paint)]
        if d.hint:
            block.append(f"      = hint: {printable(d.hint)}")
        blocks.append("\n".join(block))
    blocks.append(summary(diagnostics, files_checked, show_info))
    return "\n\n".join(blocks) + "\n"


def _snippet(d: Diagnostic, file_lines: Sequence[str], paint: Callable[[str, str], str]) -> list[str]:
    if not 0 < d.line <= len(file_lines):
        return []
    # The quoted line may hold a key written in the file (the literal-api-key warning points at it).
    raw = redact(file_lines[d.line - 1])
    end = d.end_column if d.end_line == d.line and d.end_column and d.end_column > d.column else d.column + 1
    end = min(end, len(raw) + 1)
    # Escaped control characters take more room: the caret follows the escaped text.
    text = visible(raw)  # a tab as \t, like every control character
    column = len(visible(raw[:d.column - 1])) + 1
    width = max(1, len(visible(raw[:end - 1])) + 1 - column)
    gutter = f"{d.line:>5} | "
    caret = " " * (len(gutter) - 2) + "| " + " " * (column - 1) + paint("^" * width, _COLORS[d.severity])
    return [paint(gutter, _DIM) + text, caret]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(diagnostics: Sequence[Diagnostic], files_checked: int | None = None, show_info: bool = False) -> str:
    counts = {s: sum(1 for d in diagnostics if d.severity is s) for s in Severity}
    text = (f"{_plural(counts[Severity.ERROR], 'error')}, {_plural(counts[Severity.WARNING], 'warning')}, "
            f"{counts[Severity.INFO]} info")
    if counts[Severity.INFO] and not show_info:
        text += " (hidden; `massgen validate --verbose` shows them)"
    if files_checked is not None:
        text += f" in {_plural(files_checked, 'file')}"
    return text


def format_json(diagnostics: Sequence[Diagnostic]) -> str:
    return json.dumps({"diagnostics": [d.to_json() for d in diagnostics]}, indent=2, ensure_ascii=False)


def _escape(text: str, *, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def format_github(diagnostics: Sequence[Diagnostic], show_info: bool = False) -> str:
    """GitHub Actions workflow commands: one annotation per diagnostic (info ones only with ``show_info``, as in
    the text format: a notice on every agent would bury the annotations that matter)."""
    out = []
    for d in diagnostics:
        if d.severity is Severity.INFO and not show_info:
            continue
        data = d.to_json()
        props = (f"file={_escape(printable(d.file), prop=True)},line={d.line},col={d.column},"
                 f"endLine={data['end_line']},endColumn={data['end_column']},title={_escape(d.code, prop=True)}")
        message = printable(d.message + (f" (hint: {d.hint})" if d.hint else ""))
        out.append(f"::{_GITHUB_LEVEL[d.severity]} {props}::{_escape(message)}")
    return "\n".join(out) + ("\n" if out else "")
