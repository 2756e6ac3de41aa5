"""What the terminal a command writes to allows: colour and width (import-light: ``validate`` uses it).

Colour only on a terminal and never when ``NO_COLOR`` is set to anything non-empty (https://no-color.org);
text is wrapped to the terminal's width only on a terminal: redirected output keeps whole lines.
"""

from __future__ import annotations

import os
import shutil
import textwrap
from typing import TextIO


def use_color(stream: TextIO) -> bool:
    return not os.environ.get("NO_COLOR") and _isatty(stream)


def width(stream: TextIO) -> int | None:
    """The terminal's columns (``COLUMNS`` wins), or None when ``stream`` is not a terminal."""
    return shutil.get_terminal_size().columns if _isatty(stream) else None


def wrap_field(name: str, value: str, indent: int, columns: int | None) -> str:
    """``name: value`` with ``value`` wrapped under itself to ``columns`` (unwrapped when None)."""
    head = f"{name + ':':<{indent}} "
    if columns is None or len(head) + len(value) <= columns:
        return head + value
    lines = textwrap.wrap(value, max(20, columns - len(head)), break_on_hyphens=False) or [""]
    return "\n".join([head + lines[0], *(" " * len(head) + line for line in lines[1:])])


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
