"""``massgen lsp``: the language server, speaking LSP over stdin/stdout until the client shuts it down."""

from __future__ import annotations

import click

from .options import catalog_option, open_catalog


@click.command()
@click.option("--stdio", is_flag=True, help="Talk over stdin/stdout (the default and only transport; "
              "accepted because editors pass it).")
@catalog_option
def lsp(stdio: bool, catalog_dirs: tuple[str, ...]) -> None:
    """Serve MassGen config diagnostics, completion, hover, quick fixes and an agent outline to an editor."""
    catalog = open_catalog(catalog_dirs)
    from ..lsp import create_server

    create_server(catalog).start_io()
