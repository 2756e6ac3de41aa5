"""Every run's transcript: one JSON object per line under ``.massgen/sessions/``.

The first line describes the run (config, agents without any credentials); then each ``question`` and every
event any agent produced (the ``--output jsonl`` form), each with ``t``, seconds since the start, except that
text and reasoning deltas of one agent that arrive together (one network read) are one line, their texts
joined, so a long answer is a few hundred lines rather than one per token; and a last
``session_end`` line with the last final answer and who gave it, the duration and each agent's token
usage. A ``retry`` line (a stream that broke mid-way and was sent again) marks the agent's lines before it in
that model turn as the attempt that broke; the lines after it are the attempt that finished, which is what the
rest of the run and ``session_end`` use. Every line goes through ``redact`` with the run's own API keys, so a key that leaks into a
provider's error text never reaches the file. Where the folder cannot be written, the run goes on without a
transcript, after a warning on stderr.

Only a run that started has a transcript: the file is created with the first question (what came before it
is kept until then), so a run that fails before it asks anything (a missing key, an MCP server that does not
start) leaves no file. ``save=False`` (``--no-logs``) writes none at all; the events are still redacted.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
import uuid
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from .config.plan import RunPlan
from .errors import redact
from .events import Error, Event, EventSink, Final, Notice, ReasoningDelta, TextDelta, ToolResult, Usage
from .output.lines import encode
from .secret import secret_forms

SESSIONS_DIR = Path(".massgen") / "sessions"
_DELTAS = (TextDelta, ReasoningDelta)
# The text of the events that can quote a secret from a server or a tool (an MCP URL's token in a failure).
_TEXT_FIELDS: dict[type[Event], str] = {Notice: "message", Error: "message", ToolResult: "content", Final: "content"}


class Transcript:
    """An event sink that appends to the session file and forwards each event to ``downstream``."""

    def __init__(self, spec: RunPlan, downstream: EventSink, *, root: Path | None = None, save: bool = True) -> None:
        self.downstream = downstream
        self._started = time.monotonic()
        self._usage: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        self._final: Final | None = None
        self._answered = True  # whether the last question got its final answer
        self._burst: list[str] = []  # the texts of the deltas being joined into one line
        self._burst_of: tuple[str, str | None] | None = None  # their (type, agent)
        self._burst_t = 0.0
        self.path: Path | None = None
        self._directory = (root or Path.cwd()) / SESSIONS_DIR
        self._save = save
        self._file: TextIO | None = None  # opened with the first question
        self._early: list[str] = []  # the lines written before it
        self._secrets = spec.secrets
        self._forms = secret_forms(self._secrets)  # looked for in every streamed delta: a few substring tests
        self._write({
            "type": "session_start",
            "started_at": datetime.now(timezone.utc).isoformat(),
            "config": spec.source,
            "agents": [
                {"id": a.id, "backend": a.backend_type, "provider": a.provider, "model": a.model}
                for a in spec.agents
            ],
        })

    def _open(self, directory: Path) -> TextIO:
        """The session file; where it cannot be written (a read-only folder) the run goes on without it."""
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        try:
            directory.mkdir(parents=True, exist_ok=True)
            path = directory / f"{stamp}-{uuid.uuid4().hex[:8]}.jsonl"
            file = path.open("w", encoding="utf-8")
        except OSError as exc:
            sys.stderr.write(f"massgen: warning: no session transcript for this run: cannot write in {directory} "
                             f"({exc.strerror or exc})\n")
            return open(os.devnull, "w", encoding="utf-8")
        self.path = path
        return file

    def __call__(self, event: Event) -> None:
        text_field = _TEXT_FIELDS.get(type(event))
        if text_field and self._secrets:  # masked for the displays too, not only in the file
            setattr(event, text_field, redact(getattr(event, text_field), self._secrets))
        elif type(event) in _DELTAS and self._forms and any(form in event.text for form in self._forms):
            event.text = redact(event.text, self._secrets)  # type: ignore[attr-defined]  # a model echoing a key
        if type(event) in _DELTAS:
            self._add_to_burst(event)  # type: ignore[arg-type]
        else:
            if isinstance(event, Usage) and event.agent:
                totals = self._usage[event.agent]
                totals[0] += event.input_tokens
                totals[1] += event.output_tokens
            if isinstance(event, Final):
                self._final = event
                self._answered = True
            self._end_burst()
            self._write({**event.to_json(), "t": self._elapsed()})
        self.downstream(event)

    def _add_to_burst(self, delta: TextDelta | ReasoningDelta) -> None:
        key = (delta.type, delta.agent)
        if key != self._burst_of:
            self._end_burst()
            self._burst_of, self._burst_t = key, self._elapsed()
            with contextlib.suppress(RuntimeError):  # no event loop: the next other event or close ends it
                asyncio.get_running_loop().call_soon(self._end_burst)  # runs when the stream waits for bytes
        self._burst.append(delta.text)

    def _end_burst(self) -> None:
        if self._burst_of is None:
            return
        kind, agent = self._burst_of
        self._write({"type": kind, "agent": agent, "text": "".join(self._burst), "t": self._burst_t})
        self._burst.clear()
        self._burst_of = None

    def question(self, text: str) -> None:
        if self._file is None:
            self._file = self._open(self._directory) if self._save else open(os.devnull, "w", encoding="utf-8")
            self._file.writelines(self._early)
            self._early.clear()
        self._answered = False
        self._write({"type": "question", "content": text, "t": self._elapsed()})

    def close(self) -> None:
        if self._file is None or self._file.closed:
            return
        self._end_burst()
        self._write({
            "type": "session_end",
            "status": "ok" if self._answered else "error",
            "winner": self._final.agent if self._final else None,
            "final": self._final.content if self._final else None,
            "duration_seconds": self._elapsed(),
            "usage": {a: {"input_tokens": i, "output_tokens": o} for a, (i, o) in self._usage.items()},
        })
        self._file.close()

    def _elapsed(self) -> float:
        return round(time.monotonic() - self._started, 4)

    def _write(self, record: dict[str, Any]) -> None:
        # Deltas already arrive here joined into one line per burst, so a plain write and flush per line is cheap.
        line = redact(encode(record), self._secrets) + "\n"
        if self._file is None:
            self._early.append(line)
            return
        if self._file.closed:
            return
        self._file.write(line)
        self._file.flush()
