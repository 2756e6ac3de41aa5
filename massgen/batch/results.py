"""The results file: one JSON line per finished question, appended and flushed as each one finishes.

A line holds ``id``, ``question``, ``status`` (``ok`` | ``error``), ``final`` (the final answer, or null),
``winner`` (the agent that presented it), ``answers`` (each agent's last answer), ``votes`` (each agent's last
vote: ``{"for", "reason"}``, the anonymous id as in ``--output jsonl``), ``usage`` (per agent: ``provider``,
``model``, ``input_tokens``, ``output_tokens``), ``wall_seconds``, ``retries`` (how often the batch ran the
question again after a retryable provider error), ``error`` (``{"kind", "message", "retryable"}`` or null)
and every extra field of the question's input line (one named like ours goes under ``input``).

The file is only appended to, a whole line per write, flushed at once: Ctrl-C or a crash leaves every line
complete except, at worst, a last one cut by the crash, which ``ResultsFile`` removes before appending again.
A question whose last line says ``ok`` is answered; reading the file for a resume or a summary takes the last
line of each id.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import redact
from ..secret import Secret
from .questions import BatchInputError, Question

FIELDS = ("id", "question", "status", "final", "winner", "answers", "votes", "usage", "wall_seconds", "retries",
          "error")


@dataclass(slots=True)
class Outcome:
    """What one question produced, gathered from its events (``massgen.batch.record``)."""

    final: str | None = None
    winner: str | None = None
    answers: dict[str, str] = field(default_factory=dict)
    votes: dict[str, dict[str, str]] = field(default_factory=dict)
    usage: dict[str, dict[str, Any]] = field(default_factory=dict)
    error: dict[str, Any] | None = None
    wall_seconds: float = 0.0
    retries: int = 0


def result_line(question: Question, outcome: Outcome) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": question.id,
        "question": question.text,
        "status": "error" if outcome.error else "ok",
        "final": outcome.final,
        "winner": outcome.winner,
        "answers": outcome.answers,
        "votes": outcome.votes,
        "usage": outcome.usage,
        "wall_seconds": round(outcome.wall_seconds, 4),
        "retries": outcome.retries,
        "error": outcome.error,
    }
    clashing = {k: v for k, v in question.extra.items() if k in FIELDS or k == "input"}
    extra = {k: v for k, v in question.extra.items() if k not in clashing}
    if clashing:
        extra["input"] = clashing
    return {**record, **extra}


def encode_result(record: dict[str, Any], secrets: tuple[Secret, ...]) -> str:
    """One line of the file, with every form of the run's secrets (and anything key-like) masked."""
    return redact(json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str), secrets)


def read_results(path: str | Path) -> dict[str, dict[str, Any]]:
    """The last result of each id (by its text form) in ``path``, in file order of first appearance; an
    incomplete last line (a crash while writing) is ignored. Raises ``BatchInputError`` for a line in the middle
    that is not a result."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise BatchInputError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    results: dict[str, dict[str, Any]] = {}
    lines = data.split(b"\n")
    complete = lines[:-1]  # whatever follows the last newline is a line still being (or never fully) written
    for number, raw in enumerate(complete, start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except ValueError:
            record = None
        if not isinstance(record, dict) or "id" not in record or "status" not in record:
            raise BatchInputError(f"{path}:{number}: not a massgen batch result line; give --out a file of its own")
        results[str(record["id"])] = record
    return results


class ResultsFile:
    """Appends result lines to ``path``; each ``write`` is one complete line, flushed to the OS before it returns."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._repair_tail()
        try:
            self._file = self.path.open("a", encoding="utf-8")
        except OSError as exc:
            raise BatchInputError(f"{self.path}: cannot write results there: {exc.strerror or exc}") from None

    def _repair_tail(self) -> None:
        """Cut a last line that a crash left without its newline, so the next line starts on a line of its own."""
        try:
            with self.path.open("rb+") as file:
                size = file.seek(0, os.SEEK_END)
                if size == 0:
                    return
                file.seek(size - 1)
                if file.read(1) == b"\n":
                    return
                data = file.seek(0) or file.read()
                file.truncate(data.rfind(b"\n") + 1)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise BatchInputError(f"{self.path}: cannot open it for appending: {exc.strerror or exc}") from None

    def write(self, line: str) -> None:
        self._file.write(line + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()
