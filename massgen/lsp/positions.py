"""Positions between the compiler (1-based lines as YAML counts them, columns in characters) and the client
(0-based lines split at ``\\n``, ``\\r\\n`` and ``\\r`` only, columns in the negotiated encoding's code units).

YAML also breaks lines at U+0085, U+2028 and U+2029 (``massgen.document.LINE_BREAK``); going through the
text offset keeps a diagnostic on the character it names either way. Source: the LSP 3.17 specification,
"Text Documents" (line endings) and ``PositionEncodingKind`` (utf-16 unless the client offers more).
"""

from __future__ import annotations

import re
from bisect import bisect_right

from lsprotocol import types

from ..document import LINE_BREAK

LSP_LINE_BREAK = re.compile("\r\n|\r|\n")


def units(text: str, encoding: str) -> int:
    """The length of ``text`` in code units of ``encoding`` (utf-8, utf-16 or utf-32)."""
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


class Positions:
    """The positions of one text."""

    def __init__(self, text: str, encoding: str = types.PositionEncodingKind.Utf16) -> None:
        self.text = text
        self.encoding = encoding
        self.yaml_starts = [0, *(m.end() for m in LINE_BREAK.finditer(text))]
        self.lsp_starts = [0, *(m.end() for m in LSP_LINE_BREAK.finditer(text))]
        self.lines = LSP_LINE_BREAK.split(text)  # the client's lines, without their breaks

    def offset(self, line: int, column: int) -> int:
        """The text offset of a compiler position (1-based line and column)."""
        if line > len(self.yaml_starts):
            return len(self.text)
        return min(self.yaml_starts[max(line, 1) - 1] + max(column, 1) - 1, len(self.text))

    def to_client(self, offset: int) -> types.Position:
        line = bisect_right(self.lsp_starts, offset) - 1
        start = self.lsp_starts[line]
        return types.Position(line=line, character=units(self.text[start:offset], self.encoding))

    def client_range(self, line: int, column: int, end_line: int, end_column: int) -> types.Range:
        return types.Range(start=self.to_client(self.offset(line, column)),
                           end=self.to_client(self.offset(end_line, end_column)))

    def from_client(self, position: types.Position) -> tuple[int, int]:
        """(0-based line, column in characters) of a client position, clamped to the text."""
        if position.line >= len(self.lsp_starts):
            return len(self.lsp_starts) - 1, len(self.lines[-1])
        line_text = self.lines[position.line]
        column, counted = 0, 0
        while column < len(line_text) and counted < position.character:
            counted += units(line_text[column], self.encoding)
            column += 1
        return position.line, column
