"""``massgen explain CONFIG``: what each agent will send, without sending anything (see ``massgen.explain``)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

import click

from .options import catalog_option

DEFAULT_QUESTION = "(your question)"


@click.command("explain")
@click.argument("config_path", metavar="CONFIG", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text for people; json prints {\"agents\": [...]} with each plan and its first request.")
@click.option("--question", default=DEFAULT_QUESTION, show_default=True, help="The question the first request carries.")
@click.option("--agent", "--single-agent", "single_agent", metavar="ID", help="Only this agent (run alone, no coordination).")
@click.option("--mock", is_flag=True, help="As `massgen run --mock` would: every HTTP agent sends to the local mock server.")
@catalog_option
def explain(config_path: str, fmt: str, question: str, single_agent: str | None, mock: bool,
            catalog_dirs: Sequence[str]) -> None:
    """Print each agent's resolved plan and the exact first HTTP request it would send (secrets masked).

    A mocked agent (--mock, or `mock: true`) shows the local mock server's address on a port of this
    command's own; a run gets another."""
    from .run_cmd import load_config, mock_route

    with mock_route(mock) as route:
        show_plans(load_config(config_path, catalog_dirs, route), question, fmt=fmt, single_agent=single_agent)


def show_plans(plan: object, question: str, *, fmt: str, single_agent: str | None) -> None:
    """Print ``massgen.explain.explain`` of a compiled config; exit 1 for an unknown ``single_agent``."""
    from ..explain import explain as build
    from ..explain import explain_text

    result = build(plan, question, single_agent=single_agent)  # type: ignore[arg-type]
    if not result["agents"]:
        click.echo(f"error: no agent named {single_agent!r} in this config", err=True)
        sys.exit(1)
    click.echo(json.dumps(result, indent=2, ensure_ascii=False) if fmt == "json" else explain_text(result), nl=fmt == "json")
