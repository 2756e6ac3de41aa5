"""Options shared by several ``massgen`` commands.

``@catalog_option`` adds ``--catalog DIR`` (repeatable): extra folders of capability files, read after the
bundled catalog and ``MASSGEN_CATALOG_PATH``. The command receives them as ``catalog_dirs`` and calls
``open_catalog(catalog_dirs)``, which turns a broken capability file into readable diagnostics and exit 2.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from ..catalog import Catalog

F = TypeVar("F", bound=Callable[..., Any])

# A broken catalog means the command cannot do its job: a usage problem, not a finding in the user's config.
CATALOG_ERROR_EXIT = 2


def catalog_option(command: F) -> F:
    return click.option(
        "--catalog",
        "catalog_dirs",
        multiple=True,
        type=click.Path(exists=True, file_okay=False, dir_okay=True),
        metavar="DIR",
        help="Extra folder of capability files (backends, provider presets); repeatable. "
        "Also read from MASSGEN_CATALOG_PATH.",
    )(command)


def open_catalog(catalog_dirs: Sequence[str] = ()) -> Catalog:
    """Load the catalog for a command; a broken capability file prints its diagnostics and exits 2."""
    from ..catalog import CatalogError, load_catalog

    try:
        return load_catalog(catalog_dirs)
    except CatalogError as exc:
        for d in exc.diagnostics:
            hint = f" ({d.hint})" if d.hint else ""
            click.echo(f"{d.file}:{d.line}:{d.column}: error [{d.code}] {d.message}{hint}", err=True)
        raise SystemExit(CATALOG_ERROR_EXIT) from None
