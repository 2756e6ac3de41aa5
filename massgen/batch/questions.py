"""The questions of a batch: JSON Lines (``{"id": ..., "question": ..., ...extra}``) or plain text.

A file whose name ends in ``.jsonl`` / ``.ndjson``, or whose first non-blank line starts with ``{``, is JSON
Lines: one object per line with a ``question`` string and an optional ``id`` (a string or an integer; the
line number when absent); every other field is kept and copied into the question's result. Anything else is
plain text: one question per non-blank line, its id the line number (1-based). Blank lines are skipped in
both forms. Problems raise ``BatchInputError`` naming ``file:line``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import MassGenError

JSONL_SUFFIXES = (".jsonl", ".ndjson")
MAX_QUESTIONS_BYTES = 256 * 1024 * 1024  # a questions file larger than this is refused, not read into memory


class BatchInputError(MassGenError):
    """The questions file (or a results file being resumed or summarised) cannot be used as it is."""


@dataclass(frozen=True, slots=True)
class Question:
    """One question: ``id`` as the input gave it (str or int), ``extra`` the input line's other fields."""

    id: str | int
    text: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The id as text: how results are matched to questions (``1`` and ``"1"`` are one question)."""
        return str(self.id)


def read_questions(path: str | Path) -> list[Question]:
    """The questions of ``path`` in file order; raises ``BatchInputError`` for an unreadable file, a line that
    is not a JSON object with a ``question`` string, an id that is neither a string nor an integer, a
    duplicate id, text that is not UTF-8, or a file without any question."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_QUESTIONS_BYTES:
            raise BatchInputError(f"{path}: larger than {MAX_QUESTIONS_BYTES // 2**20} MiB; split it into several batches")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise BatchInputError(f"{path}: not UTF-8 text (byte {exc.start + 1}); save it as UTF-8") from None
    except OSError as exc:
        raise BatchInputError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    lines = text.splitlines()
    first = next((line.strip() for line in lines if line.strip()), "")
    jsonl = path.suffix.lower() in JSONL_SUFFIXES or first.startswith("{")
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        question = _json_question(path, number, line) if jsonl else Question(number, line.strip())
        if question.key in seen:
            raise BatchInputError(f"{path}:{number}: id {question.id!r} was already used on line {seen[question.key]}; "
                                  "give each question its own id")
        seen[question.key] = number
        questions.append(question)
    if not questions:
        raise BatchInputError(f"{path}: no questions in it (one per line, as text or JSON Lines)")
    return questions


def _json_question(path: Path, number: int, line: str) -> Question:
    where = f"{path}:{number}"
    try:
        record = json.loads(line)
    except ValueError as exc:
        raise BatchInputError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno}); "
                              "each line must be one JSON object") from None
    if not isinstance(record, dict):
        raise BatchInputError(f"{where}: a JSON {type(record).__name__} where an object "
                              '{"id": ..., "question": ...} was expected')
    text = record.pop("question", None)
    if not isinstance(text, str) or not text.strip():
        raise BatchInputError(f'{where}: no "question" text in this line (give "question": "...")')
    qid = record.pop("id", number)
    if isinstance(qid, bool) or not isinstance(qid, (str, int)):
        raise BatchInputError(f'{where}: "id" must be a string or an integer, not {json.dumps(qid)}')
    return Question(qid, text, record)
