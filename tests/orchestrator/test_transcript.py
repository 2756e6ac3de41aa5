"""Session transcripts: JSON Lines under .massgen/sessions/, every agent's events, no API keys."""

from __future__ import annotations

import asyncio
import json

import pytest

from massgen.config.plan import RunPlan
from massgen.config.routing import APIKey
from massgen.events import Event, Final
from massgen.orchestrator import CoordinationSettings, Coordinator, Participant
from massgen.secret import Secret
from massgen.transcript import Transcript
from tests.orchestrator.scripted import Reply, Request, ScriptedBackend, answer, spec, vote

KEY = "AIzaTESTKEY-0123456789abcdef"
CONFIG_KEY = "config-secret-value-42"


@pytest.mark.anyio
async def test_transcript_has_every_event_and_no_key(tmp_path, monkeypatch):
    monkeypatch.setenv("TEST_PROVIDER_KEY", KEY)

    def leaky(req: Request) -> Reply:
        # A provider error that echoes the key back, as some do.
        return Reply(error=RuntimeError(f"bad request with key={KEY} and {CONFIG_KEY}"))

    def good(req: Request) -> Reply:
        if not req.tools:
            return Reply(text="final text")
        return vote("agent1", "solid") if req.shown() else answer("good answer")

    # secrets as the planner gathers them: an env key and a config key
    leaky_key = APIKey("env", Secret(KEY), "TEST_PROVIDER_KEY", ("TEST_PROVIDER_KEY",))
    good_key = APIKey("config", Secret(CONFIG_KEY))
    specs = [spec("leaky", api_key=leaky_key, secrets=(leaky_key.secret,)),
             spec("good", api_key=good_key, secrets=(good_key.secret,))]
    run_spec = RunPlan(agents=specs, source="team.yaml")
    forwarded: list[Event] = []
    transcript = Transcript(run_spec, forwarded.append, root=tmp_path)
    transcript.question("What now?")
    participants = [Participant(s, ScriptedBackend(s, policy)) for s, policy in zip(specs, (leaky, good), strict=True)]
    result = await Coordinator(participants, CoordinationSettings(), transcript).run("What now?")
    transcript.close()

    files = list((tmp_path / ".massgen" / "sessions").glob("*.jsonl"))
    assert files == [transcript.path]
    raw = transcript.path.read_text()
    assert KEY not in raw and CONFIG_KEY not in raw and "***" in raw
    records = [json.loads(line) for line in raw.splitlines()]
    assert records[0]["type"] == "session_start"
    assert records[1] == {"type": "question", "content": "What now?", "t": records[1]["t"]}
    assert records[0]["agents"][0] == {"id": "leaky", "backend": "openai", "provider": None, "model": "m"}
    types = {(r["type"], r.get("agent")) for r in records}
    expected = {("answer", "good"), ("vote", "good"), ("notice", "leaky"), ("final", "good"), ("tool_call", "good")}
    assert expected <= types
    end = records[-1]
    assert end["type"] == "session_end" and end["winner"] == result.winner == "good" and end["final"] == "final text"
    assert end["usage"]["good"]["input_tokens"] > 0 and end["duration_seconds"] >= 0
    assert all("t" in r for r in records[1:-1])
    assert len(forwarded) == len(records) - 3  # every event also went on to the display


def test_a_folder_that_cannot_be_written_costs_the_transcript_not_the_run(tmp_path, capsys):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")  # .massgen cannot be created below a file: mkdir fails for root too
    forwarded: list[Event] = []
    transcript = Transcript(RunPlan(agents=[spec("a")]), forwarded.append, root=blocked)
    transcript.question("Q?")
    transcript(Final("the answer", agent="a"))
    transcript.close()
    assert transcript.path is None and [e.content for e in forwarded] == ["the answer"]
    assert "no session transcript for this run" in capsys.readouterr().err


@pytest.mark.anyio
async def test_deltas_that_arrive_together_are_one_line(tmp_path):
    from massgen.events import ReasoningDelta, TextDelta

    transcript = Transcript(RunPlan(agents=[spec("a"), spec("b")]), [].append, root=tmp_path)
    transcript.question("Q")  # the file is written from the first question on
    for piece in ("Hel", "lo"):
        transcript(TextDelta(piece, agent="a"))
    transcript(TextDelta("other", agent="b"))  # another agent: its own line
    await asyncio.sleep(0)  # the stream waits for bytes: the burst is written
    transcript(ReasoningDelta("hm", agent="a"))
    transcript(TextDelta(" world", agent="a"))  # after a reasoning delta: a new line
    transcript(Final("Hello world", agent="a"))
    transcript.close()
    records = [json.loads(line) for line in transcript.path.read_text().splitlines()][2:-1]
    assert [(r["type"], r["agent"], r.get("text")) for r in records] == [
        ("text", "a", "Hello"), ("text", "b", "other"), ("reasoning", "a", "hm"), ("text", "a", " world"),
        ("final", "a", None)]
    assert all(isinstance(r["t"], float) for r in records)
