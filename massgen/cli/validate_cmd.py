"""``massgen validate FILE...`` and ``massgen schema``.

Exit codes: 0 no error, 1 errors found, 2 the command was misused (no file, missing file, bad option,
broken capability catalog). Kept import-light: no HTTP client, MCP, jsonschema or provider SDK.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .options import catalog_option, open_catalog

CONFIG_SUFFIXES = (".yaml", ".yml")
USAGE_ERROR = 2


def config_files(paths: tuple[str, ...]) -> list[Path]:
    """The files to check: files as given, folders searched for *.yaml / *.yml."""
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in CONFIG_SUFFIXES and p.is_file())
            if not found:
                raise click.UsageError(f"no *.yaml or *.yml files in the folder {name!r}")
            files.extend(found)
        else:
            files.append(path)
    return files


@click.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=True), metavar="FILE...")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "github"]), default="text",
              show_default=True, help="text for people, json for tools, github for workflow annotations.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("-v", "--verbose", is_flag=True, help="Also show info (keys accepted but not acted on).")
@catalog_option
def validate(files: tuple[str, ...], output_format: str, strict: bool, verbose: bool,
             catalog_dirs: tuple[str, ...]) -> None:
    """Check MassGen config files and report every problem with its line and column."""
    from ..config import compile_file
    from ..config.report import format_github, format_json, format_text
    from ..config.report import strict as make_strict

    if not files:
        raise click.UsageError("give at least one config file or folder, e.g. `massgen validate examples/`")
    catalog = open_catalog(catalog_dirs)
    paths = config_files(files)
    diagnostics = [d for path in paths for d in compile_file(path, catalog).diagnostics]
    if strict:
        diagnostics = make_strict(diagnostics)
    if output_format == "json":
        click.echo(format_json(diagnostics))
    elif output_format == "github":
        click.echo(format_github(diagnostics), nl=False)
    else:
        color = sys.stdout.isatty()
        click.echo(format_text(diagnostics, color=color, show_info=verbose, files_checked=len(paths)), nl=False)
    sys.exit(1 if any(d.is_error for d in diagnostics) else 0)


@click.command()
@click.option("--indent", type=click.IntRange(0, 8), default=2, show_default=True, help="JSON indentation.")
@catalog_option
def schema(indent: int, catalog_dirs: tuple[str, ...]) -> None:
    """Print the JSON Schema (draft-07) of MassGen configs, for editors.

    Save it and point yaml-language-server at it with a first line
    `# yaml-language-server: $schema=./massgen.schema.json`.
    """
    from ..config.compiler import base_schema
    from ..config.user_schema import build_user_schema

    document = build_user_schema(base_schema(), open_catalog(catalog_dirs))
    click.echo(json.dumps(document, indent=indent or None, ensure_ascii=False))
