"""The mock provider's part: a deterministic model that answers every request from what the request holds.

``answer(request) -> Turn``, in this order:

1. the agent's own tools (offered function tools other than ``new_answer`` / ``vote``) that it has not called yet
   in this conversation: it calls up to ``MAX_TOOL_CALLS`` of them, in the order offered, with schema-valid
   arguments (``massgen.mock.arguments.example``); MassGen really runs them (MCP servers, file tools);
2. coordination (the workflow tools offered): ``new_answer`` with its answer while its answer is not among the
   current answers (and it has not posted one in this conversation), else ``vote`` for the first answer offered
   (the lowest anonymous id), so every run ends with the same winner;
3. otherwise its answer as text.

The answer names the agent (from the request path, ``massgen.config.routing.mocked_agent``) and the model, quotes
the question and lists what the tools returned. Usage is counted as 4 bytes of request a token in, a word a
token out.
"""

from __future__ import annotations

from ..config.routing import mocked_agent
from ..orchestrator.prompts import ORIGINAL_MESSAGE_TAGS
from ..orchestrator.workflow import NEW_ANSWER, VOTE, WORKFLOW_TOOLS
from .arguments import example
from .request import Request
from .script import Call, Turn

MAX_TOOL_CALLS = 3
_PREVIEW = 160


def answer(request: Request) -> Turn:
    """The scripted turn for ``request`` (see the module docstring)."""
    agent = mocked_agent(request.path) or "agent"
    schemas = request.tool_schemas()
    made = request.tool_calls_made()
    own = [name for name in schemas if name not in WORKFLOW_TOOLS]
    if own and not set(own) & set(made):
        calls = [Call(name, example(schemas[name])) for name in own[:MAX_TOOL_CALLS]]
        return Turn(tool_calls=calls, usage=_usage(request, len(calls)))
    text = answer_text(agent, request.model, _question(request), _own_results(request, made))
    if NEW_ANSWER in schemas and NEW_ANSWER not in made and signature(agent, request.model) not in request.last_user_text():
        return Turn(tool_calls=[Call(NEW_ANSWER, {"content": text})], usage=_usage(request, len(text.split())))
    choices = ((schemas.get(VOTE) or {}).get("properties") or {}).get("agent_id", {}).get("enum") or []
    if choices:
        reason = f"the mock votes for the first answer it is shown, {choices[0]}'s"
        return Turn(tool_calls=[Call(VOTE, {"agent_id": choices[0], "reason": reason})], usage=_usage(request, 12))
    return Turn(text=text, usage=_usage(request, len(text.split())))


def signature(agent: str, model: str) -> str:
    """How every answer of this agent starts (it recognises its own answer among the current ones by it)."""
    return f"**{agent}** (mock of `{model}`)"


def answer_text(agent: str, model: str, question: str, results: list[tuple[str, str]]) -> str:
    lines = [f"{signature(agent, model)} answers offline: MassGen's local mock server wrote this reply, "
             "so no provider was contacted and no tokens were spent.", "", f"The question was: “{question}”"]
    if results:
        lines += ["", "Tools called:"] + [f"- `{name}` returned: {_one_line(text)}" for name, text in results]
    return "\n".join(lines)


def _question(request: Request) -> str:
    text = request.last_user_text()
    opening, closing = ORIGINAL_MESSAGE_TAGS
    if opening in text and closing in text:
        text = text.split(opening, 1)[1].split(closing, 1)[0]
    return _one_line(text)


def _own_results(request: Request, made: list[str]) -> list[tuple[str, str]]:
    """(tool name, result text) of the agent's own tool calls, in order (calls and results pair up in order)."""
    return [(name, text) for name, text in zip(made, request.tool_results(), strict=False) if name not in WORKFLOW_TOOLS]


def _usage(request: Request, output_tokens: int) -> tuple[int, int]:
    return max(1, len(request.raw) // 4), max(1, output_tokens)


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _PREVIEW else flat[: _PREVIEW - 1] + "…"
