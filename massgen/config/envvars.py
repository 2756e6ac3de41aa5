"""``${VAR}`` references in config values: finding them and expanding them.

Most name environment variables; ``${cwd}`` is MassGen's own config variable, the backend's ``cwd`` (as an
absolute path). Both are substituted throughout the backend mapping when the config is compiled; a
reference to an unset variable is left as written (``massgen run`` refuses to start with one).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from .checker import Path

REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
CONFIG_VARIABLES = ("cwd",)


def strings(value: Any, path: Path) -> Iterator[tuple[Path, str]]:
    """Every (path, string) inside ``value``, however deep."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings(item, (*path, index))


def references(value: Any, path: Path) -> Iterator[tuple[Path, str]]:
    """Every (path, variable name) of a ``${VAR}`` inside ``value``."""
    for where, text in strings(value, path):
        for match in REFERENCE.finditer(text):
            yield where, match.group(1)


def substitute_config_variables(value: Any, variables: Mapping[str, str]) -> Any:
    """``value`` with ``${cwd}`` (and any other of ``variables``) replaced, however deep, as MassGen does."""
    if isinstance(value, str):
        return REFERENCE.sub(lambda m: variables.get(m.group(1), m.group(0)), value)
    if isinstance(value, dict):
        return {k: substitute_config_variables(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute_config_variables(v, variables) for v in value]
    return value


def malformed_references(value: Any, path: Path) -> Iterator[tuple[Path, str]]:
    """Every (path, text) of a ``${`` that does not open a plain ``${NAME}`` (``${VAR:-default}``, ``${ VAR }``):
    such text is never expanded."""
    for where, text in strings(value, path):
        for start in (m.start() for m in re.finditer(r"\$\{", text)):
            if not REFERENCE.match(text, start):
                end = text.find("}", start)
                yield where, text[start:end + 1] if end >= 0 else text[start:]
