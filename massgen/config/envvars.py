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


def references(value: Any, path: Path) -> Iterator[tuple[Path, str]]:
    """Every (path, variable name) of a ``${VAR}`` inside ``value``, however deep."""
    if isinstance(value, str):
        for match in REFERENCE.finditer(value):
            yield path, match.group(1)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from references(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from references(item, (*path, index))


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
    if isinstance(value, str):
        for start in (m.start() for m in re.finditer(r"\$\{", value)):
            if not REFERENCE.match(value, start):
                end = value.find("}", start)
                yield path, value[start:end + 1] if end >= 0 else value[start:]
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from malformed_references(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from malformed_references(item, (*path, index))
