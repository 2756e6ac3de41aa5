"""The ``massgen`` command line.

Subcommands are imported only when invoked, so ``massgen validate`` never pays for the HTTP stack or MCP.
Anything that is not a subcommand (``massgen --model gpt-5-nano "Question"``) goes to ``chat``, the
command MassGen users know; ``python -m massgen.cli`` behaves the same.
"""

from __future__ import annotations

from importlib import import_module

import click

from .. import __version__

# command name -> "module:attribute" of a click.Command
COMMANDS: dict[str, str] = {
    "validate": "massgen.cli.validate_cmd:validate",
    "schema": "massgen.cli.validate_cmd:schema",
    "backends": "massgen.cli.backends_cmd:backends",
    "docs": "massgen.cli.docs_cmd:docs",
    "explain": "massgen.cli.explain_cmd:explain",
    "run": "massgen.cli.run_cmd:run",
    "chat": "massgen.cli.run_cmd:chat",
    "lsp": "massgen.cli.lsp_cmd:lsp",
    "batch": "massgen.cli.batch_cmd:batch",
}
DEFAULT_COMMAND = "chat"


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, _, attr = target.partition(":")
        return getattr(import_module(module_name), attr)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in COMMANDS and args[0] not in ("--help", "-h", "--version"):
            args = [DEFAULT_COMMAND, *args]
        return super().parse_args(ctx, args)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="massgen")
def main() -> None:
    """MassGen: lint, document and run multi-agent LLM configs."""
