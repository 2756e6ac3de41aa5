"""``massgen batch``: answer every question of a file with one config; ``--summary`` reports on the results.

    massgen batch --config CONFIG --questions FILE --out RESULTS [--concurrency N] [--retries N]
                  [--rate-limits FILE] [--rpm PROVIDER[/MODEL]=N]... [--tpm PROVIDER[/MODEL]=N]...
                  [--session-per-question] [--ray [--ray-address ADDR]]
    massgen batch --summary RESULTS [--format text|json]

Exit status: 0 when every question is answered; 1 when some failed (their lines say why) or the config does
not validate; 2 on misuse or an unusable questions / results / rate-limits file; 130 after Ctrl-C (every
finished question is in the file: run the same command again to go on).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence

import click

from .options import catalog_option

EXIT_FAILED, EXIT_MISUSE, EXIT_INTERRUPTED = 1, 2, 130


@click.command("batch")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="The YAML config answering every question.")
@click.option("--questions", "questions_path", type=click.Path(dir_okay=False),
              help="JSON Lines ({\"id\", \"question\", ...}) or plain text, one question per line.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False),
              help="The results file (JSON Lines, appended; ids already answered there are skipped).")
@click.option("--concurrency", type=click.IntRange(1, 10_000), default=4, show_default=True,
              help="Questions in flight at once.")
@click.option("--retries", type=click.IntRange(0, 100), default=2, show_default=True,
              help="Times a question is asked again after a retryable provider error (429, 5xx, timeout).")
@click.option("--rate-limits", "rate_limits_path", type=click.Path(dir_okay=False),
              help="Provider limits in MassGen's rate_limits.yaml form (provider: model: {rpm, tpm, rpd}); "
              "laid over the config's rate_limits.")
@click.option("--rpm", multiple=True, metavar="PROVIDER[/MODEL]=N", help="Requests per minute; repeatable.")
@click.option("--tpm", multiple=True, metavar="PROVIDER[/MODEL]=N", help="Tokens per minute; repeatable.")
@click.option("--session-per-question", is_flag=True,
              help="Start the agents' MCP servers afresh for every question (for servers that keep state).")
@click.option("--ray", "use_ray", is_flag=True, help="Run the questions as Ray tasks (pip install 'massgen[ray]').")
@click.option("--ray-address", metavar="ADDR",
              help="The Ray cluster to join (default: RAY_ADDRESS, else a local Ray started for this batch).")
@click.option("--summary", "summary_path", type=click.Path(dir_okay=False),
              help="Print the totals of a results file instead of running anything.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Of --summary: tables, or one JSON object.")
@catalog_option
def batch(config_path: str | None, questions_path: str | None, out_path: str | None, concurrency: int, retries: int,
          rate_limits_path: str | None, rpm: Sequence[str], tpm: Sequence[str], session_per_question: bool,
          use_ray: bool, ray_address: str | None, summary_path: str | None, fmt: str,
          catalog_dirs: Sequence[str]) -> None:
    """Answer each question of QUESTIONS with CONFIG, one result line each in OUT."""
    from ..batch.questions import BatchInputError

    try:
        if summary_path:
            if config_path or questions_path or out_path:
                raise click.UsageError("--summary reads a results file; it takes no --config, --questions or --out")
            sys.exit(_summary(summary_path, fmt))
        missing = [name for name, value in (("--config", config_path), ("--questions", questions_path),
                                            ("--out", out_path)) if not value]
        if missing:
            raise click.UsageError(f"missing {', '.join(missing)} (or give --summary RESULTS)")
        if ray_address and not use_ray:
            raise click.UsageError("--ray-address needs --ray")
        sys.exit(_run(config_path, questions_path, out_path, concurrency, retries, rate_limits_path, rpm, tpm,
                      session_per_question, use_ray, ray_address, catalog_dirs))
    except BatchInputError as exc:
        click.echo(f"massgen batch: {exc}", err=True)
        sys.exit(EXIT_MISUSE)


def _summary(path: str, fmt: str) -> int:
    from ..batch.questions import BatchInputError
    from ..batch.results import read_results
    from ..batch.summary import summarize

    if not os.path.isfile(path):
        raise BatchInputError(f"{path}: no such results file")
    summary = summarize(read_results(path).values())
    if fmt == "json":
        click.echo(json.dumps(summary))
    else:
        _print_tables(summary, err=False)
    return 0


def _print_tables(summary: dict, *, err: bool) -> None:
    from rich.console import Console

    from ..batch.summary import summary_tables

    console = Console(stderr=err, highlight=False)
    for table in summary_tables(summary):
        console.print(table)


def _run(config_path: str, questions_path: str, out_path: str, concurrency: int, retries: int,
         rate_limits_path: str | None, rpm: Sequence[str], tpm: Sequence[str], session_per_question: bool,
         use_ray: bool, ray_address: str | None, catalog_dirs: Sequence[str]) -> int:
    from ..batch.limits import RateLimits
    from ..batch.progress import make_progress
    from ..batch.questions import read_questions
    from ..batch.results import read_results
    from ..batch.run import BatchReport, run_batch
    from ..batch.summary import summarize
    from ..batch.worker import BatchOptions
    from .run_cmd import load_config

    if use_ray:
        from ..batch.on_ray import require_ray

        require_ray()
    limits = RateLimits.from_file(rate_limits_path) if rate_limits_path else RateLimits()
    limits.with_flags("rpm", rpm).with_flags("tpm", tpm)  # bad flags are reported before anything else is read
    questions = read_questions(questions_path)  # bad input is reported before the config is even compiled
    read_results(out_path)  # a file that is not ours is refused before anything runs
    plan = load_config(config_path, catalog_dirs)
    # the config's rate_limits, then the --rate-limits file over them, then the flags over both
    limits = limits.over(RateLimits.from_mapping(plan.rate_limits, f"{config_path}: rate_limits"))
    limits = limits.with_flags("rpm", rpm).with_flags("tpm", tpm)
    options = BatchOptions(concurrency=concurrency, retries=retries, rate_limits=limits,
                           session_per_question=session_per_question)
    report = BatchReport()
    try:
        report = run_batch(plan, questions, out_path, options, make_progress(), use_ray=use_ray,
                           ray_address=ray_address or os.environ.get("RAY_ADDRESS") or None)
    except KeyboardInterrupt:
        left = len(questions) - sum(1 for r in read_results(out_path).values() if r.get("status") == "ok")
        click.echo(f"\ninterrupted: {left} question(s) not answered yet; run the same command again to go on "
                   f"(results so far: {out_path})", err=True)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug of ours, or the results file became unwritable: one line, not a traceback
        if os.environ.get("MASSGEN_DEBUG") == "1":
            raise
        from ..errors import MassGenError, redact

        text = str(exc) if isinstance(exc, MassGenError) else f"internal error: {type(exc).__name__}: {exc}"
        click.echo(f"massgen batch: {redact(text, plan.secrets)} (finished questions are in {out_path})", err=True)
        return EXIT_FAILED
    keys = {q.key for q in questions}
    _print_tables(summarize(r for k, r in read_results(out_path).items() if k in keys), err=True)
    return EXIT_FAILED if report.failed else 0
