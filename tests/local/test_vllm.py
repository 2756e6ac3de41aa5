"""`massgen run` against a real vLLM server (tests/local/conftest.py): text, sampling parameters, reasoning, a tool
call through a real stdio MCP server, the Responses and generic Chat Completions backends, a three-agent
coordination, and finding the server without a base_url.

The model has random weights, so its text is noise; what is checked is what the server did with our requests.
Tool calls are made deterministic the way a random model allows: ``tool_choice: required`` (sent through
``extra_body``, as the OpenAI SDK does) with the server's ``--tool-strict-level parameter`` makes every turn a
schema-valid call, and ``logit_bias`` on the tokens that close JSON (``"``, ``}``, ``]``) and on the end token
keeps the random strings short enough to finish.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.local.conftest import VLLMServer
from tests.local.helpers import Run, ports_catalog, run_massgen
from tests.local.standins import LocalServer, free_port, sglang_models

DEMO_SERVER = REPO / "tests" / "mcp" / "servers" / "demo_server.py"


def closing_bias(server: VLLMServer) -> dict[str, float]:
    """Logit biases that end random strings and JSON values soon: `"` a little, `}` `]` and the end token more."""
    bias = {'"': 4.5, "}": 6.0, "]": 6.0}
    return {**{str(server.token_id(t)): b for t, b in bias.items()}, str(server.token_id("<|im_end|>")): 6.0}


def backend(server: VLLMServer, **params: object) -> str:
    fields = {"type": "vllm", "base_url": server.base_url, "model": server.model, **params}
    return json.dumps(fields)


def sampling_logged(server: VLLMServer) -> list[str]:
    """The SamplingParams(...) vLLM logged for each request (--enable-log-requests)."""
    return re.findall(r"params: (SamplingParams\(.*?\))", server.log.read_text(errors="replace"))


def test_text_with_vllm_sampling_parameters(vllm_server: VLLMServer, tmp_path: Path) -> None:
    params = dict(max_tokens=16, top_k=20, min_p=0.05, repetition_penalty=1.1,
                  chat_template_kwargs={"enable_thinking": False})
    before = len(sampling_logged(vllm_server))
    run = run_massgen(f"agent:\n  id: local\n  backend: {backend(vllm_server, **params)}\n", tmp_path)
    assert run.code == 0, run.stdout + run.stderr
    assert run.text() and run.events[-1] == {"type": "final", "agent": "local", "content": run.text()}
    assert not run.of_type("reasoning")  # enable_thinking false: the reasoning parser leaves the text alone
    usage = run.of_type("usage")[-1]
    assert 0 < usage["output_tokens"] <= 16
    logged = sampling_logged(vllm_server)[before:]
    assert len(logged) == 1, vllm_server.log_tail()
    for fragment in ("top_k=20,", "min_p=0.05,", "repetition_penalty=1.1,", "max_tokens=16,"):
        assert fragment in logged[0], logged[0]


def test_reasoning_field_and_chat_template_kwargs(vllm_server: VLLMServer, tmp_path: Path) -> None:
    """With thinking on, the deepseek_v3 reasoning parser streams the text as delta.reasoning; with it off, the
    template's empty think block is in the prompt (more input tokens) and the text is the answer."""
    def run_with(thinking: bool, folder: Path) -> Run:
        folder.mkdir()
        fields = backend(vllm_server, max_tokens=12, chat_template_kwargs={"enable_thinking": thinking})
        return run_massgen(f"agent:\n  id: local\n  backend: {fields}\n", folder, "Think, then say hi")

    thinking, plain = run_with(True, tmp_path / "on"), run_with(False, tmp_path / "off")
    assert thinking.code == 0 and plain.code == 0, thinking.stderr + plain.stderr
    assert "".join(e["text"] for e in thinking.of_type("reasoning")), thinking.stdout
    assert not plain.of_type("reasoning") and plain.text()
    empty_think_block = plain.of_type("usage")[-1]["input_tokens"] - thinking.of_type("usage")[-1]["input_tokens"]
    assert empty_think_block > 0


def test_a_tool_call_through_a_real_mcp_server_and_back(vllm_server: VLLMServer, tmp_path: Path) -> None:
    """The call goes to the MCP server, its result back to vLLM, whose next turn answers it.

    ``tool_choice: required`` makes every turn a call, so the random model never answers in text: the run
    ends at ``max_tool_rounds: 1`` with its clear error, after the second turn proved the result was taken.
    """
    mcp = {"name": "demo", "type": "stdio", "command": sys.executable, "args": [str(DEMO_SERVER)],
           "allowed_tools": ["echo"]}
    fields = backend(vllm_server, max_tokens=300, max_tool_rounds=1, parallel_tool_calls=False,
                     logit_bias=closing_bias(vllm_server), extra_body={"tool_choice": "required"}, mcp_servers=[mcp])
    run = run_massgen(f"agent:\n  id: tools\n  backend: {fields}\n", tmp_path, "Echo something")
    calls, results = run.of_type("tool_call"), run.of_type("tool_result")
    assert len(calls) == 2 and len(results) == 1, run.stdout + run.stderr
    first = calls[0]
    assert first["name"] == "mcp__demo__echo" and set(first["arguments"]) == {"text"}
    assert isinstance(first["arguments"]["text"], str)
    assert results[0] == {"type": "tool_result", "agent": "tools", "id": first["id"], "name": "mcp__demo__echo",
                          "content": first["arguments"]["text"], "is_error": False}  # echo answers its text
    assert run.events.index(results[0]) < run.events.index(calls[1])
    error = run.of_type("error")[-1]
    assert "max_tool_rounds" in error["message"] and "Traceback" not in run.stderr


@pytest.mark.parametrize("backend_type", ["openai", "chatcompletion"])
def test_openai_and_chatcompletion_backends_at_the_same_server(
    vllm_server: VLLMServer, tmp_path: Path, backend_type: str
) -> None:
    """`openai` speaks the Responses API (vLLM serves /v1/responses), `chatcompletion` Chat Completions."""
    limit = {"openai": {"max_output_tokens": 12}, "chatcompletion": {"max_tokens": 12}}[backend_type]
    fields = json.dumps({"type": backend_type, "base_url": vllm_server.base_url, "model": vllm_server.model, **limit})
    run = run_massgen(f"agent:\n  id: other\n  backend: {fields}\n", tmp_path, env={"OPENAI_API_KEY": "sk-local"})
    assert run.code == 0, run.stdout + run.stderr
    assert run.text() and run.events[-1]["content"] == run.text()
    assert 0 < run.of_type("usage")[-1]["output_tokens"] <= 12


def test_three_agents_coordinate_on_the_server(vllm_server: VLLMServer, tmp_path: Path) -> None:
    """Every agent answers with new_answer, then votes (max_new_answers_per_agent: 1 leaves only vote), all
    through strict tool calls; the run ends with a final answer. A bias against the tokens that start ``vote``
    keeps a first-round vote (refused: nothing to vote for yet) from using up an agent's attempts."""
    no_vote_first = {str(i): -100.0 for token, i in vllm_server.vocab.items() if token.startswith("v")}
    fields = backend(vllm_server, max_tokens=300, parallel_tool_calls=False,
                     logit_bias={**closing_bias(vllm_server), **no_vote_first}, extra_body={"tool_choice": "required"})
    config = "agents:\n" + "".join(f"  - id: a{i}\n    backend: {fields}\n" for i in (1, 2, 3))
    config += "orchestrator:\n  max_new_answers_per_agent: 1\n"
    run = run_massgen(config, tmp_path, "Pick a colour")
    assert run.code == 0, run.stdout + run.stderr
    answers = {e["agent"]: e["content"] for e in run.of_type("answer")}
    assert set(answers) == {"a1", "a2", "a3"}
    posted = [e for e in run.of_type("tool_call") if e["name"] == "new_answer"]
    assert {e["arguments"]["content"] for e in posted} >= set(answers.values())  # the answers came from tool calls
    votes = run.of_type("vote")
    assert votes and all(re.fullmatch(r"agent[123]", v["for"]) for v in votes)
    final = run.events[-1]
    assert final["type"] == "final" and final["agent"] in answers


def test_port_detection_finds_vllm_beside_sglang(vllm_server: VLLMServer, tmp_path: Path) -> None:
    """No base_url: a `vllm` agent finds the real vLLM server at its (catalog's) default port, a `sglang` agent
    the SGLang stand-in at its own, both running at once (the page's "Mixed Deployment")."""
    sglang_port = free_port()
    catalog = ports_catalog(tmp_path / "catalog", {"vllm": vllm_server.port, "sglang": sglang_port})
    with LocalServer(sglang_port, "/v1/models", sglang_models("qwen-sglang"), text="from SGLang"):
        config = ("agent:\n  id: local\n  backend: {type: TYPE, max_tokens: 8, "
                  "chat_template_kwargs: {enable_thinking: false}}\n")
        on_vllm = run_massgen(config.replace("TYPE", "vllm"), tmp_path, catalog=catalog)
        on_sglang = run_massgen(config.replace("TYPE", "sglang"), tmp_path, catalog=catalog)
    assert on_vllm.code == 0, on_vllm.stdout + on_vllm.stderr
    assert (f"found a vLLM server at http://127.0.0.1:{vllm_server.port}/v1 (vLLM's default port, serving "
            f"{vllm_server.model})") in on_vllm.stderr
    assert on_vllm.text() and on_vllm.text() != "from SGLang"
    assert on_sglang.code == 0 and on_sglang.text() == "from SGLang", on_sglang.stderr
    assert f"found a SGLang server at http://127.0.0.1:{sglang_port}/v1 (SGLang's default port" in on_sglang.stderr
