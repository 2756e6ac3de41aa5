"""The ``massgen`` command line.

Subcommands are imported only when invoked, so ``massgen validate`` never pays for the HTTP stack or MCP, and
``massgen --help`` lists them (and quick mode's flags) from the table below without importing any of them.
Anything that is not a subcommand (``massgen --model gpt-5-nano "Question"``) goes to ``chat``, the
command MassGen users know; ``python -m massgen`` and ``python -m massgen.cli`` behave the same.
"""

from __future__ import annotations

from importlib import import_module

import click

from .. import __version__
from .quick import QUICK_OPTIONS
from .quick import USAGE as QUICK_USAGE

# command name -> ("module:attribute" of a click.Command, its line in `massgen --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("massgen.cli.validate_cmd:validate", "Lint configs: file:line:col diagnostics; --fix applies the safe fixes."),
    "schema": ("massgen.cli.validate_cmd:schema", "Print the JSON Schema of configs, for editors."),
    "backends": ("massgen.cli.backends_cmd:backends", "The backend support matrix; `backends show TYPE` for one backend."),
    "docs": ("massgen.cli.docs_cmd:docs", "Generate the backend reference (rst, md); --check fails when it is stale."),
    "explain": ("massgen.cli.explain_cmd:explain", "Each agent's resolved plan and first HTTP request, sending nothing."),
    "run": ("massgen.cli.run_cmd:run", "Run a config on a question (--mock: offline, no API key needed)."),
    "chat": ("massgen.cli.run_cmd:chat", "Quick mode or a config, one question or an interactive chat (the default)."),
    "lsp": ("massgen.cli.lsp_cmd:lsp", "The language server for editors (LSP over stdio)."),
    "batch": ("massgen.cli.batch_cmd:batch", "Answer many questions with one config, locally or on Ray; resumable."),
}
DEFAULT_COMMAND = "chat"


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, _, attr = target[0].partition(":")
        return getattr(import_module(module_name), attr)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in COMMANDS and args[0] not in ("--help", "-h", "--version"):
            args = [DEFAULT_COMMAND, *args]
        return super().parse_args(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands from the table (importing none of them), then quick mode's flags."""
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMANDS[name][1]) for name in self.list_commands(ctx)])
        with formatter.section("Quick mode (the chat command's flags; `massgen chat --help` lists them all)"):
            formatter.write_text(QUICK_USAGE)
            formatter.write_dl([(f"{flag} {metavar}", text) for flag, _, metavar, text in QUICK_OPTIONS])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 120})
@click.version_option(__version__, prog_name="massgen")
def main() -> None:
    """MassGen: lint, document and run multi-agent LLM configs.

    Try it offline, with no API key: massgen run --config examples/three_agents.yaml --mock "Question"
    """
