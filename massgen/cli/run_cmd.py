"""``massgen run`` and ``massgen chat`` (the default command): run a config, or a quick single model.

    massgen run --config FILE "question" [--output text|jsonl]
    massgen --model gpt-5-nano "question"          (also: python -m massgen.cli ...)
    massgen --backend grok --model grok-3-mini     (no question: an interactive chat)

Exit status: 0 on success; 1 after an ``error`` event or when the config does not validate; 2 when the
command is misused; 130 after Ctrl-C; 141 when the reader of the output closed it (`| head`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .options import catalog_option, open_catalog

if TYPE_CHECKING:
    from ..config.plan import RunPlan
    from ..conversation import Message
    from ..output import Sink
    from ..session import Session

F = TypeVar("F", bound=Callable[..., Any])
EXIT_ERROR, EXIT_INTERRUPTED = 1, 130  # misuse exits 2 through click
EXIT_OUTPUT_CLOSED = 141  # what a shell reports for a writer stopped by SIGPIPE (`massgen run ... | head`)
QUIT_WORDS = frozenset({"exit", "quit", "/exit", "/quit"})


def output_options(command: F) -> F:
    for option in reversed(
        [
            click.option("--output", "output", type=click.Choice(["text", "jsonl"]), default="text", show_default=True,
                         help="text for people; jsonl prints one JSON event per line (the documented contract)."),
            click.option("--no-display", is_flag=True, help="Plain text output instead of the rich terminal display."),
            click.option("--agent", "--single-agent", "single_agent", metavar="ID",
                         help="Run only this agent of the config (no coordination)."),
            catalog_option,
        ]
    ):
        command = option(command)
    return command


@click.command("run")
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False), help="The YAML config to run.")
@click.option("--dry-run", is_flag=True, help="Send nothing: print each agent's plan and first request (massgen explain).")
@output_options
@click.argument("question")
def run(config_path: str, question: str, dry_run: bool, output: str, no_display: bool, single_agent: str | None,
        catalog_dirs: Sequence[str]) -> None:
    """Validate CONFIG and answer QUESTION with it."""
    spec = load_config(config_path, catalog_dirs)
    if dry_run:
        from .explain_cmd import show_plans

        show_plans(spec, question, fmt="json" if output == "jsonl" else "text", single_agent=single_agent)
        return
    sys.exit(execute(spec, [question], output=output, display=not no_display, single_agent=single_agent))


@click.command("chat")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="The YAML config to run.")
@click.option("--model", help="Quick mode: the model to talk to (its backend follows from the name).")
@click.option("--backend", "backend_type", help="Quick mode: the backend type, when the model name does not tell.")
@click.option("--base-url", help="Quick mode: the provider endpoint (as the provider's SDK means base_url).")
@click.option("--system-message", help="Quick mode: the agent's system message.")
@output_options
@click.argument("question", required=False)
def chat(config_path: str | None, model: str | None, backend_type: str | None, base_url: str | None,
         system_message: str | None, question: str | None, output: str, no_display: bool,
         single_agent: str | None, catalog_dirs: Sequence[str]) -> None:
    """Answer QUESTION, or chat interactively when no question is given."""
    quick = {"model": model, "backend": backend_type, "base_url": base_url, "system_message": system_message}
    if config_path and any(quick.values()):
        given = ", ".join(f"--{k.replace('_', '-')}" for k, v in quick.items() if v)
        raise click.UsageError(f"{given} cannot be combined with --config; put those settings in the config")
    if config_path:
        spec = load_config(config_path, catalog_dirs)
    elif model:
        spec = quick_config(model, backend_type, base_url, system_message, catalog_dirs)
    else:
        raise click.UsageError("give --config FILE or --model MODEL (e.g. massgen --model gpt-5-nano \"Question\")")
    questions = [question] if question else None
    sys.exit(execute(spec, questions, output=output, display=not no_display, single_agent=single_agent))


def quick_config(model: str, backend_type: str | None, base_url: str | None, system_message: str | None,
                 catalog_dirs: Sequence[str]) -> RunPlan:
    """The config a user would write for one model, compiled like any other (same diagnostics)."""
    from ..config import compile_mapping

    backend: dict[str, Any] = {"model": model}
    if backend_type:
        backend["type"] = backend_type
    if base_url:
        backend["base_url"] = base_url
    agent: dict[str, Any] = {"id": "agent", "backend": backend}
    if system_message:
        agent["system_message"] = system_message
    source = "<command line>"
    return _checked(compile_mapping({"agent": agent}, source, catalog=_catalog(catalog_dirs)))


def load_config(path: str, catalog_dirs: Sequence[str]) -> RunPlan:
    from ..config import compile_file

    return _checked(compile_file(path, catalog=_catalog(catalog_dirs)))


def _catalog(catalog_dirs: Sequence[str]) -> Any:
    return open_catalog(catalog_dirs)  # a broken capability file is reported like `massgen validate` does


def _checked(result: Any) -> RunPlan:
    """The spec of a compile result; its problems go to stderr exactly as ``massgen validate`` prints them."""
    from ..config.report import format_text
    from ..diagnostics import Severity

    # A variable unset now would reach the provider as written, or let a default host or key stand in for
    # the one meant: what `validate` warns about, a run cannot start with.
    diagnostics = [replace(d, severity=Severity.ERROR) if d.code == "unset-env-var" else d for d in result.diagnostics]
    if any(d.severity is not Severity.INFO for d in diagnostics):
        click.echo(format_text(diagnostics, color=sys.stderr.isatty(), files_checked=1), nl=False, err=True)
    if result.spec is None or any(d.is_error for d in diagnostics):
        raise SystemExit(EXIT_ERROR)
    return result.spec


def execute(spec: RunPlan, questions: list[str] | None, *, output: str, display: bool,
            single_agent: str | None) -> int:
    """Run the questions (or an interactive chat when None) and return the exit status."""
    from ..output import make_sink
    from ..output.lines import OutputClosed, silence

    agents = [single_agent] if single_agent else [agent.id for agent in spec.agents]
    sink = make_sink(output, display=display, agents=agents)
    try:
        return asyncio.run(_answer(spec, questions, sink, single_agent))
    except KeyboardInterrupt:
        click.echo("\ninterrupted", err=True)
        return EXIT_INTERRUPTED
    except (OutputClosed, BrokenPipeError):  # the reader has all it wanted: stop streaming for nobody
        silence(sys.stdout)
        return EXIT_OUTPUT_CLOSED
    except Exception as exc:  # a bug of ours: one line for the user, the traceback with MASSGEN_DEBUG=1
        if os.environ.get("MASSGEN_DEBUG") == "1":
            raise
        detail = f"{type(exc).__name__}: {exc}"
        click.echo(f"massgen: internal error: {detail} (MASSGEN_DEBUG=1 shows the traceback)", err=True)
        return EXIT_ERROR
    finally:
        sink.close()


async def _answer(spec: RunPlan, questions: list[str] | None, sink: Sink, single_agent: str | None) -> int:
    from ..errors import MassGenError
    from ..session import Session

    history: list[Message] = []
    async with Session(spec, sink, single_agent=single_agent) as session:
        if questions is not None:
            try:
                for question in questions:
                    await _ask(session, sink, question, history)
            except MassGenError:
                return EXIT_ERROR  # the sink already showed the error event
            return 0
        return await _interactive(session, sink, history)


def _read_line() -> asyncio.Future[str]:
    """The next line of stdin, read by a daemon thread: Ctrl-C at the prompt must not wait for a newline
    (a thread of the default executor would keep the process alive until one came)."""
    loop = asyncio.get_running_loop()
    line: asyncio.Future[str] = loop.create_future()

    def deliver(text: str) -> None:
        if not line.done():
            line.set_result(text)

    def read() -> None:
        text = sys.stdin.readline()
        with contextlib.suppress(RuntimeError):  # the loop is gone: the chat already ended
            loop.call_soon_threadsafe(deliver, text)

    threading.Thread(target=read, name="massgen-stdin", daemon=True).start()
    return line


async def _ask(session: Session, sink: Sink, question: str, history: list[Message]) -> str:
    waiting = getattr(sink, "waiting", None)
    if waiting is not None:
        waiting()
    return await session.ask(question, history)


async def _interactive(session: Session, sink: Sink, history: list[Message]) -> int:
    """Ask, answer, repeat, keeping the conversation; ``exit`` or the end of input stops."""
    from ..agent import ToolRoundsExceeded
    from ..errors import BackendError, MassGenError
    from ..orchestrator.coordinator import CoordinationError

    click.echo("Interactive chat: type your question; 'exit' or Ctrl-D ends it.", err=True)
    while True:
        click.echo("\nYou: ", nl=False, err=True)
        line = await _read_line()
        question = line.strip()
        if not line or question.lower() in QUIT_WORDS:
            return 0
        if not question:
            continue
        try:
            await _ask(session, sink, question, history)
        except (BackendError, ToolRoundsExceeded, CoordinationError):
            continue  # this turn failed (the error was shown); the conversation goes on
        except MassGenError:
            return EXIT_ERROR  # the agent cannot run at all (missing key, MCP servers down, ...)
