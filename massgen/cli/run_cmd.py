"""``massgen run`` and ``massgen chat`` (the default command): run a config, or a quick single model.

    massgen run --config FILE "question" [--output text|jsonl] [--mock]
    massgen --model gpt-5-nano "question"          (also: python -m massgen ...)
    massgen --backend grok --model grok-3-mini     (no question: an interactive chat)

Before anything is drawn or sent, every agent is checked: the config (every unset ``${VAR}`` at once), every
missing API key and base URL at once, then the backends and tools are opened (MCP servers started), so an
interactive chat fails before its prompt, never after the first question.

Exit status: 0 on success; 1 after an ``error`` event or when the config does not validate; 2 when the
command is misused; 130 after Ctrl-C; 141 when the reader of the output closed it (`| head`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .options import catalog_option, open_catalog
from .quick import quick_options
from .terminal import use_color

if TYPE_CHECKING:
    from ..config.plan import RunPlan
    from ..config.routing import MockRoute
    from ..conversation import Message
    from ..output import Sink
    from ..session import Session

F = TypeVar("F", bound=Callable[..., Any])
EXIT_ERROR, EXIT_INTERRUPTED = 1, 130  # misuse exits 2 through click
EXIT_OUTPUT_CLOSED = 141  # what a shell reports for a writer stopped by SIGPIPE (`massgen run ... | head`)
QUIT_WORDS = frozenset({"exit", "quit", "/exit", "/quit"})


# MassGen's own flags that mean nothing in this runtime: rejected with the reason, never silently ignored.
NOT_HERE = {
    "--web": "this runtime has no web UI; use the terminal display, --no-display or --output jsonl",
    "--logfire": "this runtime has no Logfire tracing; every run's transcript is in .massgen/sessions/ (--no-logs: none)",
}


def _reject(flag: str, reason: str) -> Callable[[click.Context, click.Parameter, bool], None]:
    def callback(ctx: click.Context, param: click.Parameter, value: bool) -> None:
        if value:
            raise click.UsageError(f"{flag} is a MassGen option this runtime does not support: {reason}", ctx)
    return callback


def output_options(command: F) -> F:
    for option in reversed(
        [
            click.option("--output", "output", type=click.Choice(["text", "jsonl"]), default="text", show_default=True,
                         help="text for people; jsonl prints one JSON event per line (the documented contract)."),
            click.option("--no-display", "--automation", "no_display", is_flag=True,
                         help="Plain text output instead of the rich terminal display (MassGen's --automation too)."),
            click.option("--agent", "--single-agent", "single_agent", metavar="ID",
                         help="Run only this agent of the config (no coordination)."),
            click.option("--mock", is_flag=True,
                         help="Send nothing to any provider: a local mock server answers every HTTP agent with "
                              "scripted text, really calls its tools and votes. No API key needed."),
            click.option("--no-logs", is_flag=True, help="Save no transcript of this run in .massgen/sessions/."),
            click.option("--debug", is_flag=True,
                         help="Debug logging on stderr; an internal error shows its traceback (as MASSGEN_DEBUG=1)."),
            *(click.option(flag, is_flag=True, hidden=True, expose_value=False, callback=_reject(flag, reason))
              for flag, reason in NOT_HERE.items()),
            catalog_option,
        ]
    ):
        command = option(command)
    return command


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How to run: the output form and the flags every run command shares."""

    output: str = "text"
    display: bool = True
    single_agent: str | None = None
    save_transcript: bool = True
    debug: bool = False
    quick: bool = False  # quick mode: problems are told in flags, not config keys


@click.command("run")
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False), help="The YAML config to run.")
@click.option("--dry-run", is_flag=True, help="Send nothing: print each agent's plan and first request (massgen explain).")
@output_options
@click.argument("question")
def run(config_path: str, question: str, dry_run: bool, output: str, no_display: bool, single_agent: str | None,
        mock: bool, no_logs: bool, debug: bool, catalog_dirs: Sequence[str]) -> None:
    """Validate CONFIG and answer QUESTION with it (--mock: offline, with no API key)."""
    options = RunOptions(output, not no_display, single_agent, not no_logs, debug)
    with mock_route(mock) as route:
        spec = load_config(config_path, catalog_dirs, route)
        if dry_run:
            from .explain_cmd import show_plans

            show_plans(spec, question, fmt="json" if output == "jsonl" else "text", single_agent=single_agent)
            return
        status = execute(spec, [question], options)
    sys.exit(status)


@click.command("chat")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="The YAML config to run.")
@quick_options
@output_options
@click.argument("question", required=False)
def chat(config_path: str | None, model: str | None, backend_type: str | None, base_url: str | None,
         system_message: str | None, question: str | None, output: str, no_display: bool,
         single_agent: str | None, mock: bool, no_logs: bool, debug: bool, catalog_dirs: Sequence[str]) -> None:
    """Answer QUESTION, or chat interactively when no question is given."""
    quick = {"model": model, "backend": backend_type, "base_url": base_url, "system_message": system_message}
    if config_path and any(quick.values()):
        given = ", ".join(f"--{k.replace('_', '-')}" for k, v in quick.items() if v)
        raise click.UsageError(f"{given} cannot be combined with --config; put those settings in the config")
    if not config_path and not model:
        raise click.UsageError("give --config FILE or --model MODEL (e.g. massgen --model gpt-5-nano \"Question\")")
    options = RunOptions(output, not no_display, single_agent, not no_logs, debug, quick=not config_path)
    with mock_route(mock) as route:
        if config_path:
            spec = load_config(config_path, catalog_dirs, route)
        else:
            spec = quick_config(str(model), backend_type, base_url, system_message, catalog_dirs, route)
        status = execute(spec, [question] if question else None, options)
    sys.exit(status)


@contextlib.contextmanager
def mock_route(every_agent: bool) -> Iterator[MockRoute]:
    """Where mocked agents go: the local mock server, started only if a plan asks for its address (``--mock``,
    or ``mock: true`` on a backend) and stopped at the end."""
    from ..config.routing import MockRoute

    server: Any = None

    def address() -> str:
        nonlocal server
        if server is None:
            from ..mock import MockServer

            server = MockServer()
        return str(server.address())

    try:
        yield MockRoute(address, every_agent=every_agent)
    finally:
        if server is not None:
            server.close()


def quick_config(model: str, backend_type: str | None, base_url: str | None, system_message: str | None,
                 catalog_dirs: Sequence[str], mock: MockRoute | None = None) -> RunPlan:
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
    return _checked(compile_mapping({"agent": agent}, source, catalog=_catalog(catalog_dirs), mock=mock), quick=True)


def load_config(path: str, catalog_dirs: Sequence[str], mock: MockRoute | None = None) -> RunPlan:
    from ..config import compile_file

    return _checked(compile_file(path, catalog=_catalog(catalog_dirs), mock=mock))


def _catalog(catalog_dirs: Sequence[str]) -> Any:
    return open_catalog(catalog_dirs)  # a broken capability file is reported like `massgen validate` does


def _checked(result: Any, *, quick: bool = False) -> RunPlan:
    """The spec of a compile result; its problems go to stderr as ``massgen validate`` prints them (in quick mode
    as lines that speak of the command's flags: there is no file to point into)."""
    from ..config.report import format_text
    from ..diagnostics import Severity

    # A variable unset now would reach the provider as written, or let a default host or key stand in for
    # the one meant: what `validate` warns about, a run cannot start with.
    diagnostics = [replace(d, severity=Severity.ERROR) if d.code == "unset-env-var" else d for d in result.diagnostics]
    shown = [d for d in diagnostics if d.severity is not Severity.INFO]
    if shown and quick:
        for d in shown:
            hint = f"\n  hint: {in_flags(d.hint)}" if d.hint else ""
            click.echo(f"{d.severity.value}: {in_flags(d.message)}{hint}", err=True)
    elif shown:
        click.echo(format_text(diagnostics, color=use_color(sys.stderr), files_checked=1), nl=False, err=True)
    if result.spec is None or any(d.is_error for d in diagnostics):
        raise SystemExit(EXIT_ERROR)
    return result.spec


# The config keys quick mode sets from flags, and the flags (`add `type:`` reads `add `--backend``).
QUICK_FLAGS = {"type": "--backend", "base_url": "--base-url", "model": "--model", "system_message": "--system-message"}
_CONFIG_KEY = re.compile("`(" + "|".join(QUICK_FLAGS) + r")(?::\s*([^`]*))?`")


def in_flags(text: str) -> str:
    """A compiler message about the quick-mode config, told in the flags that wrote it."""
    text = _CONFIG_KEY.sub(lambda m: f"`{QUICK_FLAGS[m[1]]}{' ' + m[2] if m[2] else ''}`", text)
    return text.replace(" in the config", "").replace("the config", "the command")


def execute(spec: RunPlan, questions: list[str] | None, options: RunOptions | None = None) -> int:
    """Run the questions (or an interactive chat when None) and return the exit status."""
    from ..output import make_sink

    options = options or RunOptions()
    for question in questions or ():
        _check_text(question)
    problems = preflight(spec, options.single_agent, quick=options.quick)
    if problems:  # all of them, before any panel is drawn or any request sent
        for problem in problems:
            click.echo(f"error: {problem}", err=True)
        return EXIT_ERROR
    if options.debug:
        import logging

        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
    from ..output.lines import OutputClosed, silence

    agents = [options.single_agent] if options.single_agent else [agent.id for agent in spec.agents]
    sink = make_sink(options.output, display=options.display, agents=agents)
    saved: list[Path] = []
    try:
        return asyncio.run(_answer(spec, questions, sink, options, saved))
    except KeyboardInterrupt:
        click.echo("\ninterrupted", err=True)
        return EXIT_INTERRUPTED
    except (OutputClosed, BrokenPipeError):  # the reader has all it wanted: stop streaming for nobody
        silence(sys.stdout)
        return EXIT_OUTPUT_CLOSED
    except Exception as exc:  # a bug of ours: one line for the user, the traceback with --debug / MASSGEN_DEBUG=1
        if options.debug or os.environ.get("MASSGEN_DEBUG") == "1":
            raise
        detail = f"{type(exc).__name__}: {exc}"
        click.echo(f"massgen: internal error: {detail} (--debug shows the traceback)", err=True)
        return EXIT_ERROR
    finally:
        sink.close()
        for path in saved:
            click.echo(f"transcript: {_shown_path(path)}", err=True)


def preflight(spec: RunPlan, single_agent: str | None, *, quick: bool = False) -> list[str]:
    """Every problem the plans show before anything starts: missing API keys, a base URL the engine cannot use
    (``massgen.engine.profile.resolve``), an agent ``single_agent`` does not name. Empty when it can start."""
    from ..catalog.model import HTTP_PROTOCOLS
    from ..errors import ConfigError

    agents = [a for a in spec.agents if single_agent in (None, a.id)]
    if single_agent is not None and not agents:
        known = ", ".join(a.id for a in spec.agents)
        return [f"no agent named {single_agent!r} in this config (agents: {known})"]
    problems = []
    for agent in agents:
        key = agent.api_key
        if key.required and key.secret is None and agent.protocol in HTTP_PROTOCOLS:
            variables = " or ".join(key.variables) or "a key"
            who = (f"--model {agent.model} runs on {key.owner or agent.backend_type}, which" if quick
                   else f"agent {agent.id!r} ({key.owner or agent.backend_type})")
            where = ", or try it offline with --mock" if quick else " (or give `api_key: ${VAR}` in its backend; --mock runs offline)"
            problems.append(f"{who} needs an API key: set {variables}{where}")
            continue
        if agent.protocol in HTTP_PROTOCOLS:
            from ..engine.profile import resolve

            try:
                resolve(agent, require_key=False, find_server=False)  # the server is looked for once, at start
            except ConfigError as exc:
                problems.append(in_flags(str(exc)) if quick else str(exc))
    return problems


def _shown_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _check_text(question: str) -> None:
    """A question with bytes that are not UTF-8 (the shell hands them over as surrogate escapes) is a
    usage error naming the first such byte, never an internal error further on."""
    try:
        question.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(question[exc.start])
        byte = f"byte 0x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"character U+{code:04X}"
        raise click.UsageError(f"the question is not UTF-8 text: {byte} at character {exc.start + 1} cannot be "
                               "sent; write it in UTF-8 (check the terminal's or the file's encoding)") from None


async def _answer(spec: RunPlan, questions: list[str] | None, sink: Sink, options: RunOptions,
                  saved: list[Path]) -> int:
    """Open the session (backends, tools) before anything is asked, then answer; ``saved`` gets the transcript."""
    from ..errors import MassGenError
    from ..session import Session

    history: list[Message] = []
    session = Session(spec, sink, single_agent=options.single_agent, save_transcript=options.save_transcript)
    try:
        async with session:
            try:
                await session.open()
            except MassGenError:
                return EXIT_ERROR  # shown as an error event; nothing was asked, so no transcript
            if questions is not None:
                try:
                    for question in questions:
                        await _ask(session, sink, question, history)
                except MassGenError:
                    return EXIT_ERROR  # the sink already showed the error event
                return 0
            return await _interactive(session, sink, history)
    finally:
        if session.transcript_path is not None:
            saved.append(session.transcript_path)


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
