"""Where the cursor is in a config, read from the text's indentation alone.

Half-typed YAML (``    enable_`` , ``type:`` with no value, a missing colon two lines up) is the normal state
of a file being edited, so this never parses the document: it reads the block structure line by line, the way
a person does, and works on text no YAML parser accepts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

Path = tuple[str | int, ...]

_LINE = re.compile(r"^(?P<lead>[ ]*)(?P<dashes>(?:-(?:[ ]+|$))*)(?P<rest>.*)$")
_KEY = re.compile(r"""^(?P<key>"[^"]*"|'[^']*'|[^\s:#'"{\[][^:#]*?)[ ]*:(?:[ ]+(?P<value>.*)|$)""")


@dataclass(frozen=True, slots=True)
class Line:
    """One line's block structure: ``lead`` spaces, ``dashes`` list markers, then ``key: value`` at ``key_col``
    (0-based columns); ``key`` is None on a line without one (a list item's scalar, a comment, a blank)."""

    lead: int
    dashes: int
    key_col: int
    key: str | None
    value: str
    blank: bool


def read_line(text: str) -> Line:
    match = _LINE.match(text)
    assert match is not None  # the pattern matches any line
    lead, dashes, rest = len(match["lead"]), match["dashes"], match["rest"]
    blank = not rest.strip() and not dashes or rest.lstrip().startswith("#") and not dashes
    key_match = _KEY.match(rest)
    key = value = None
    if key_match:
        key = key_match["key"].strip().strip("\"'")
        value = _without_comment(key_match["value"] or "")
    return Line(lead, dashes.count("-"), lead + len(dashes), key, value or "", blank)


def _without_comment(value: str) -> str:
    if value.startswith(("'", '"')):
        return value.strip()
    return re.split(r"[ ]#", value, maxsplit=1)[0].strip()


@dataclass(frozen=True, slots=True)
class Context:
    """The cursor's place: ``path`` of the mapping it is in; on a key (``key`` None, ``word`` typed so far) or
    on the value of ``key`` (``word`` is the value typed so far); ``line``/``key_col`` locate that mapping, and
    ``openers[i]`` is the line that opened ``path[i]`` (its key, or its list item's dash)."""

    path: Path
    key: str | None
    word: str
    line: int
    key_col: int
    openers: tuple[int, ...] = ()


def locate(lines: Sequence[str], line: int, column: int) -> Context:
    """The context at 0-based ``line`` and ``column`` (characters) of ``lines``."""
    text = lines[line][:column] if line < len(lines) else ""
    current = read_line(text)
    if current.key is not None and ":" in text[current.key_col:]:
        key, word = current.key, text[current.key_col:].split(":", 1)[1].lstrip()
    else:
        key, word = None, text[current.key_col:]
    path, openers = _parents(lines, line, current)
    return Context(path, key, word, line, current.key_col, openers)


def _parents(lines: Sequence[str], line: int, current: Line) -> tuple[Path, tuple[int, ...]]:
    """The path of the mapping holding ``current`` (a line at index ``line``), from the lines above it, and the
    line that opened each part."""
    path: list[str | int] = []
    openers: list[int] = []
    item_line = line
    threshold = current.key_col  # a parent key sits left of this
    sequence = current.lead if current.dashes else None  # the dash column of the list item we are in
    index = 0
    for number in range(line - 1, -1, -1):
        above = read_line(lines[number])
        if above.blank:
            continue
        if sequence is not None:
            if above.dashes and above.lead == sequence:
                index += 1
                continue
            if above.lead > sequence:
                continue  # inside an earlier item
            if above.key is None or above.value:
                break
            path += [index, above.key]
            openers += [item_line, number]
            threshold, sequence, index = above.key_col, (above.lead if above.dashes else None), 0
            item_line = number
            continue
        if above.lead >= threshold:
            continue  # a sibling, or deeper inside one
        if above.dashes and above.key_col >= threshold:
            sequence, index, item_line = above.lead, 0, number  # the list item whose mapping we are in
            continue
        if above.key is None or above.value:
            break
        path.append(above.key)
        openers.append(number)
        threshold = above.key_col
        if above.dashes:
            sequence, index, item_line = above.lead, 0, number
    return tuple(reversed(path)), tuple(reversed(openers))


def block_values(lines: Sequence[str], line: int, key_col: int) -> dict[str, str]:
    """The ``key: value`` pairs of the block mapping whose keys start at ``key_col`` around ``line``."""
    found: dict[str, str] = {}
    for step in (-1, 1):
        number = line if step == -1 else line + 1
        while 0 <= number < len(lines):
            entry = read_line(lines[number])
            number += step
            if entry.blank:
                continue
            if step == 1 and entry.lead < key_col:
                break  # the next list item or a parent's sibling
            if entry.key_col == key_col and entry.key is not None:
                found.setdefault(entry.key, entry.value)
            if entry.lead < key_col:
                break  # the line that opened this mapping (`- type: x` belongs to it)
    return found
