"""A property: a secret planted in any secret-bearing string of a config never reaches an output, whatever
failure the loopback server produces — not stdout, stderr, the session transcript, nor a request body.

The server echoes the secret back in every form a provider or library may print it (raw, JSON-escaped,
percent-encoded, with the whitespace it was written with) inside error bodies, in-stream error events and
event streams that break.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from urllib.parse import quote

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from massgen.cli import main
from tests.protocol_server import Fault, ProtocolServer, Reply, Turn

SECRET = "s3cr3t-Planted/Value+0123456789"
# where a secret can be written in a config, as a function of the server's base URL
PLACES = {
    "literal api_key": lambda url: {"api_key": SECRET + "\n"},
    "api_key from ${VAR}": lambda url: {"api_key": "${PLANTED_KEY}"},
    "MCP env": lambda url: {"api_key": "${PLANTED_KEY}", "mcp_servers": [
        {"name": "local", "type": "stdio", "command": "python3", "args": ["-c", "pass"],
         "env": {"SERVICE_TOKEN": SECRET}}]},
    "MCP header": lambda url: {"api_key": "${PLANTED_KEY}", "mcp_servers": [
        {"name": "remote", "type": "streamable-http", "url": f"{url}/mcp", "headers": {"Authorization": SECRET}}]},
    "MCP URL token": lambda url: {"api_key": "${PLANTED_KEY}", "mcp_servers": [
        {"name": "remote", "type": "sse", "url": f"{url}/sse?token={quote(SECRET, safe='')}"}]},
}
FORMS = [SECRET, json.dumps(SECRET)[1:-1], quote(SECRET, safe=""), f" {SECRET}\n", repr(SECRET + "\n")]
FAILURES = {
    "401 echoing it": lambda form: Reply.error(401, f"invalid key {form}"),
    "500 echoing it": lambda form: Reply.error(500, f"upstream said {form}"),
    "400 echoing it": lambda form: Reply.error(400, f"bad request: key={form}"),
    "JSON 200 echoing it": lambda form: Reply(200, {"error": {"message": f"token {form} refused"}},
                                              {"content-type": "application/json"}),
    "in-stream error": lambda form: Turn(text="partial", fault=Fault("error_event", after=1, message=f"bad {form}")),
    "truncated stream": lambda form: Turn(text=f"cut {len(form)}", fault=Fault("truncate", after=1)),
    "reset": lambda form: Turn(text="reset", fault=Fault("reset", after=1)),
}


def leaked(text: str) -> bool:
    return any(form.strip() in text for form in (SECRET, quote(SECRET, safe=""), json.dumps(SECRET)[1:-1]))


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(place=st.sampled_from(sorted(PLACES)), failure=st.sampled_from(sorted(FAILURES)),
       form=st.sampled_from(FORMS))
def test_a_planted_secret_never_reaches_an_output(place: str, failure: str, form: str) -> None:
    with ProtocolServer() as server, tempfile.TemporaryDirectory() as folder:
        server.handler = lambda request: FAILURES[failure](form)
        backend = {"type": "chatcompletion", "model": "m", "base_url": server.openai_base_url, "max_retries": 0,
                   **PLACES[place](server.base_url)}
        config = Path(folder) / "c.yaml"
        config.write_text(json.dumps({"agent": {"id": "solo", "backend": backend}}))
        cwd = os.getcwd()
        os.chdir(folder)
        try:
            result = CliRunner().invoke(main, ["run", "--config", str(config), "--output", "jsonl", "hi"],
                                        env={"PLANTED_KEY": SECRET, "NO_COLOR": "1"})
        finally:
            os.chdir(cwd)
        transcripts = "".join(p.read_text() for p in Path(folder).glob(".massgen/sessions/*.jsonl"))
        bodies = "".join(r.raw.decode("utf-8", "replace") for r in server.requests)
        assert result.exit_code != 0 or failure == "truncated stream", result.output  # the failure was seen
        for name, text in (("output", result.output), ("transcript", transcripts), ("request bodies", bodies)):
            assert not leaked(text), f"{place} / {failure}: the secret reached the {name}"
