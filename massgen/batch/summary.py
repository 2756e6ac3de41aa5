"""``massgen batch --summary RESULTS``: totals of a results file (the last line of each id counts).

``summarize`` returns ``{"questions", "ok", "failed", "retries", "failures": {kind: count},
"tokens": {provider: {"input_tokens", "output_tokens"}}, "latency_seconds": {"p50", "p90", "p99", "max",
"mean"}}``; latencies are the questions' wall times (nearest-rank percentiles), null for an empty file.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from typing import Any

PERCENTILES = (50, 90, 99)


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile of sorted ``values``."""
    rank = max(1, math.ceil(p / 100 * len(values)))
    return values[rank - 1]


def summarize(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    records = list(records)
    failures: Counter[str] = Counter()
    tokens: dict[str, dict[str, int]] = {}
    walls: list[float] = []
    for record in records:
        if record.get("status") != "ok":
            failures[str((record.get("error") or {}).get("kind") or "unknown")] += 1
        for usage in (record.get("usage") or {}).values():
            totals = tokens.setdefault(str(usage.get("provider") or "unknown"), {"input_tokens": 0, "output_tokens": 0})
            totals["input_tokens"] += int(usage.get("input_tokens") or 0)
            totals["output_tokens"] += int(usage.get("output_tokens") or 0)
        if isinstance(record.get("wall_seconds"), (int, float)):
            walls.append(float(record["wall_seconds"]))
    walls.sort()
    latency: dict[str, float | None] = {f"p{p}": percentile(walls, p) if walls else None for p in PERCENTILES}
    latency["max"] = walls[-1] if walls else None
    latency["mean"] = round(sum(walls) / len(walls), 4) if walls else None
    return {
        "questions": len(records),
        "ok": len(records) - sum(failures.values()),
        "failed": sum(failures.values()),
        "retries": sum(int(r.get("retries") or 0) for r in records),
        "failures": dict(failures.most_common()),
        "tokens": dict(sorted(tokens.items())),
        "latency_seconds": latency,
    }


def summary_tables(summary: dict[str, Any]) -> list[Any]:
    """The summary as rich tables: totals, tokens per provider, failures by kind."""
    from rich.table import Table

    totals = Table(title="massgen batch", show_header=True)
    for column in ("questions", "ok", "failed", "retries", *summary["latency_seconds"]):
        totals.add_column(column if column in ("questions", "ok", "failed", "retries") else f"{column} s",
                          justify="right")
    latencies = ["-" if v is None else f"{v:.2f}" for v in summary["latency_seconds"].values()]
    totals.add_row(*(str(summary[k]) for k in ("questions", "ok", "failed", "retries")), *latencies)
    tables = [totals]
    if summary["tokens"]:
        tokens = Table(title="tokens per provider")
        for column in ("provider", "input", "output", "total"):
            tokens.add_column(column, justify="left" if column == "provider" else "right")
        for provider, t in summary["tokens"].items():
            tokens.add_row(provider, f"{t['input_tokens']:,}", f"{t['output_tokens']:,}",
                           f"{t['input_tokens'] + t['output_tokens']:,}")
        tables.append(tokens)
    if summary["failures"]:
        failures = Table(title="failures by kind")
        failures.add_column("kind")
        failures.add_column("questions", justify="right")
        for kind, count in summary["failures"].items():
            failures.add_row(kind, str(count))
        tables.append(failures)
    return tables
