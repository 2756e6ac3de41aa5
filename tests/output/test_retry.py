"""A stream retried mid-way: the ``retry`` event reaches every output, displays drop the partial text, and the
transcript keeps the attempt that finished."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from massgen.events import Answer, Final, Notice, Retry, TextDelta
from massgen.output.jsonl import JsonlSink
from massgen.output.multi_agent import MultiAgentDisplay, PlainMultiAgentSink
from massgen.output.plain import PlainSink
from tests.protocol_server import Fault, ProtocolServer, Turn, protocol_server  # noqa: F401

CONFIG = """\
agents:
  - id: solo
    backend:
      type: vllm
      model: m
      base_url: {base_url}
"""


def test_massgen_run_jsonl_and_transcript_after_a_stream_cut_mid_way(protocol_server: ProtocolServer,
                                                                     tmp_path: Path) -> None:
    protocol_server.script(Turn(text="The first try breaks off here", fault=Fault("truncate", after=4)),
                           Turn(text="The second try is whole."))
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.format(base_url=protocol_server.openai_base_url))
    done = subprocess.run([sys.executable, "-m", "massgen.cli", "run", "--config", str(config), "--output", "jsonl",
                           "go"], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stdout + done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    [retry] = [e for e in events if e["type"] == "retry"]
    assert retry["agent"] == "solo" and retry["attempt"] == 2 and "ended before" in retry["reason"]
    at = events.index(retry)
    assert "".join(e["text"] for e in events[:at] if e["type"] == "text") == "The first try "  # a role chunk, then one delta per word
    assert "".join(e["text"] for e in events[at:] if e["type"] == "text") == "The second try is whole."
    assert events[-1] == {"type": "final", "agent": "solo", "content": "The second try is whole."}

    [transcript] = (tmp_path / ".massgen" / "sessions").glob("*.jsonl")
    lines = [json.loads(line) for line in transcript.read_text().splitlines()]
    [kept] = [line for line in lines if line["type"] == "retry"]
    assert kept["attempt"] == 2
    after = lines[lines.index(kept):]
    assert "".join(line["text"] for line in after if line["type"] == "text") == "The second try is whole."
    assert lines[-1]["type"] == "session_end" and lines[-1]["final"] == "The second try is whole."


def test_jsonl_sink_writes_the_retry_event() -> None:
    out = io.StringIO()
    sink = JsonlSink(out)
    sink(Retry(2, "the connection broke", agent="a"))
    sink.close()
    assert json.loads(out.getvalue()) == {"type": "retry", "agent": "a", "attempt": 2, "reason": "the connection broke"}


def test_plain_sink_says_the_partial_text_no_longer_counts() -> None:
    out, err = io.StringIO(), io.StringIO()
    sink = PlainSink(out, err)
    for event in (TextDelta("half"), Retry(2, "cut"), TextDelta("whole"), Final("whole")):
        sink(event)
    sink.close()
    assert out.getvalue() == "half\nwhole\n"
    assert "retrying (attempt 2): cut; the partial answer above is discarded" in err.getvalue()


def test_multi_agent_display_clears_the_partial_text() -> None:
    console = Console(file=io.StringIO(), width=120, force_terminal=False)
    display = MultiAgentDisplay(["a", "b"], console)
    display(TextDelta("broken half", agent="a"))
    display(Retry(2, "connection broke", agent="a"))
    view = display.agents["a"]
    assert view.tail == "" and "retrying (attempt 2)" in view.note
    display(TextDelta("whole", agent="a"))
    display(Notice(kind="winner", message="agent1 presents", agent="a"))
    display(TextDelta("pres half", agent="a"))
    display(Retry(3, "cut again", agent="a"))
    assert display.presentation == ""
    display.close()


def test_plain_multi_agent_sink_restarts_a_presentation_that_was_retried() -> None:
    out, err = io.StringIO(), io.StringIO()
    sink = PlainMultiAgentSink(["a", "b"], out, err)
    for event in (Answer("x", agent="a"), Notice(kind="winner", message="agent1 presents", agent="a"),
                  TextDelta("Final ans", agent="a"), Retry(2, "cut", agent="a"), TextDelta("Final answer.", agent="a"),
                  Final("Final answer.", agent="a")):
        sink(event)
    sink.close()
    assert out.getvalue().endswith("Final answer.\n") and out.getvalue().count("Final answer.") == 1
    assert "the partial answer above is discarded" in err.getvalue()
