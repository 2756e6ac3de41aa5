"""``massgen validate FILE...`` and ``massgen schema``.

Exit codes: 0 no error, 1 errors found, 2 the command was misused (no file, missing file, bad option,
broken capability catalog). Kept import-light: no HTTP client, MCP, jsonschema or provider SDK.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .options import catalog_option, open_catalog
from .terminal import use_color

if TYPE_CHECKING:
    from ..catalog import Catalog
    from ..diagnostics import Diagnostic

CONFIG_SUFFIXES = (".yaml", ".yml")
USAGE_ERROR = 2


def config_files(paths: tuple[str, ...]) -> list[Path]:
    """The files to check: files as given, folders searched for *.yaml / *.yml (any case).

    The search skips hidden files and folders (.git, .github, .venv, ...) and node_modules: their YAML
    files are not MassGen configs. A file or folder named on the command line is checked all the same.
    """
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found = sorted(_search(path))
            if not found:
                raise click.UsageError(f"no *.yaml or *.yml files in the folder {name!r}")
            files.extend(found)
        else:
            files.append(path)
    return files


def _search(folder: Path) -> Iterator[Path]:
    for root, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if not _skipped(d)]
        for file_name in names:
            if not _skipped(file_name) and os.path.splitext(file_name)[1].lower() in CONFIG_SUFFIXES:
                path = Path(root, file_name)
                if path.is_file():
                    yield path


def _skipped(name: str) -> bool:
    return name.startswith(".") or name == "node_modules"


def _compile_all(paths: list[Path], catalog: Catalog) -> tuple[list[Diagnostic], dict[str, list[str]]]:
    """Diagnostics of every file, and the lines of the files that have some (read once, for the snippets)."""
    from ..config import compile_text
    from ..config.report import source_lines
    from ..diagnostics import Diagnostic
    from ..document import read_config
    from ..errors import redact

    diagnostics: list[Diagnostic] = []
    texts: dict[str, list[str]] = {}
    for path in paths:
        content = read_config(str(path))  # a FIFO, a device or a huge file is a diagnostic, never read
        if isinstance(content, Diagnostic):
            diagnostics.append(content)
            continue
        result = compile_text(content, str(path), catalog)
        if result.diagnostics:  # the quoted lines, with the config's secrets masked (a key on its own line too)
            texts[str(path)] = [redact(line, result.secrets) for line in source_lines(content)]
        diagnostics.extend(result.diagnostics)
    return diagnostics, texts


@click.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=True), metavar="FILE...")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "github"]), default="text",
              show_default=True, help="text for people, json for tools, github for workflow annotations.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("-v", "--verbose", is_flag=True, help="Also show info (keys accepted but not acted on).")
@click.option("--fix", is_flag=True,
              help="Apply the safe fixes in place (a misspelt key renamed to its one close match), then report.")
@click.option("--diff", is_flag=True, help="Print the safe fixes as a unified diff; change no file (exit 1 if any).")
@catalog_option
def validate(files: tuple[str, ...], output_format: str, strict: bool, verbose: bool, fix: bool, diff: bool,
             catalog_dirs: tuple[str, ...]) -> None:
    """Check MassGen config files and report every problem with its line and column."""
    from ..config.report import format_github, format_json, format_text
    from ..config.report import strict as make_strict

    if not files:
        raise click.UsageError("give at least one config file or folder, e.g. `massgen validate examples/`")
    if fix and diff:
        raise click.UsageError("--fix writes the files and --diff only shows the change: give one of them")
    catalog = open_catalog(catalog_dirs)
    paths = config_files(files)
    if diff:
        sys.exit(1 if _show_fixes(paths, catalog) else 0)
    if fix:
        _apply_fixes(paths, catalog)
    diagnostics, texts = _compile_all(paths, catalog)
    if strict:
        diagnostics = make_strict(diagnostics)
    if output_format == "json":
        click.echo(format_json(diagnostics))
    elif output_format == "github":
        click.echo(format_github(diagnostics, show_info=verbose), nl=False)
    else:
        color = use_color(sys.stdout)
        text = format_text(diagnostics, color=color, show_info=verbose, files_checked=len(paths),
                           lines=lambda name: texts.get(name, []))
        click.echo(text, nl=False)
    sys.exit(1 if any(d.is_error for d in diagnostics) else 0)


def _fixed(path: Path, catalog: Catalog) -> tuple[bytes, bytes, list] | None:
    """(original bytes, fixed bytes, fixes applied) of a UTF-8 file with safe fixes; None when it has none.

    The text keeps its line breaks and byte-order mark: only the fixed characters change.
    """
    from ..config.fixes import fix_text

    try:
        content = path.read_bytes()
        text = content.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None  # the report says why
    fixed, applied = fix_text(text, str(path), catalog)
    if not applied:
        return None
    bom = b"\xef\xbb\xbf" if content.startswith(b"\xef\xbb\xbf") else b""
    return content, bom + fixed.encode("utf-8"), applied


def _apply_fixes(paths: list[Path], catalog: Catalog) -> None:
    """Write each file's safe fixes in place; say each one on stderr (stdout keeps the report)."""
    for path in paths:
        found = _fixed(path, catalog)
        if found is None:
            continue
        _, fixed, applied = found
        path.write_bytes(fixed)
        for item in applied:
            d = item.diagnostic
            click.echo(f"{d.file}:{d.line}:{d.column}: fixed [{d.code}] {item.fix.title}", err=True)


def _show_fixes(paths: list[Path], catalog: Catalog) -> bool:
    """Print the safe fixes of every file as a unified diff; whether there was any."""
    from difflib import unified_diff

    from ..config import compile_text
    from ..errors import redact

    changed = False
    for path in paths:
        found = _fixed(path, catalog)
        if found is None:
            continue
        changed = True
        before, after = (b.decode("utf-8-sig").splitlines(keepends=True) for b in found[:2])
        secrets = compile_text(found[0], str(path), catalog).secrets  # the diff quotes lines: never a key
        click.echo(redact("".join(unified_diff(before, after, f"a/{path}", f"b/{path}")), secrets), nl=False)
    return changed


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
