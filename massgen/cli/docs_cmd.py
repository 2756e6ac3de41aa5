"""``massgen docs``: render the backend documentation from the catalog, write it, or check it is current."""

from __future__ import annotations

from pathlib import Path

import click

from ..docs import FORMATS, render_all
from ..docs.files import stale_files, write_files
from ..errors import MassGenError
from .options import catalog_option, open_catalog


@click.command()
@click.option("--format", "formats", type=click.Choice(FORMATS), multiple=True,
              help="Output format (repeatable). Printing takes one, default rst; --output/--check default to all.")
@click.option("--output", type=click.Path(file_okay=False, path_type=Path),
              help="Write backends.rst / backends.md into this folder.")
@click.option("--check", "check_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Exit 1 if the files in this folder differ from what the catalog generates.")
@catalog_option
def docs(formats: tuple[str, ...], output: Path | None, check_dir: Path | None,
         catalog_dirs: tuple[str, ...]) -> None:
    """Generate the backend documentation (Supported Models & Backends) from the catalog."""
    if output and check_dir:
        raise click.UsageError("give either --output or --check, not both")
    if not (output or check_dir) and len(formats) > 1:
        raise click.UsageError("printing takes one --format; use --output DIR for several")
    catalog = open_catalog(catalog_dirs)
    try:
        rendered = render_all(catalog, formats or (FORMATS if output or check_dir else ("rst",)))
    except MassGenError as exc:
        raise click.ClickException(str(exc)) from None

    if check_dir:
        stale = stale_files(check_dir, rendered)
        for entry in stale:
            click.echo(f"stale: {entry.path}" + (" (missing)" if entry.missing else ""))
            if entry.diff:
                click.echo(entry.diff)
        if stale:
            click.echo(f"{len(stale)} generated doc file(s) out of date; run: massgen docs --output {check_dir}",
                       err=True)
            raise SystemExit(1)
        click.echo(f"docs in {check_dir} are up to date ({', '.join(rendered)})")
    elif output:
        try:
            written = write_files(output, rendered)
        except OSError as exc:
            raise click.ClickException(f"cannot write docs to {output}: {exc.strerror or exc}") from None
        for path in written:
            click.echo(f"wrote {path}")
    else:
        click.echo(next(iter(rendered.values())), nl=False)
