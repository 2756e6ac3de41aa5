"""The AG2 backend: AG2 agents built from ``agent_config`` (one agent) or ``group_config`` (a group
chat) answer through AG2's own LLM clients.

With a group, each new conversation is first discussed by the group (every message streams as text,
``[speaker] content``); then the group's User agent answers for the team, seeing the discussion. Without
function tools the team's last word is the answer. Either way, one ``stream`` call is one turn of the
Backend contract for the answering agent:

- the agent replies to the conversation (``a_generate_reply``); its text becomes ``text`` events;
- code blocks in a reply run with the configured AG2 executor, streamed as a ``code_execution``
  ``tool_call`` / ``tool_result`` pair; the output goes back to the agent as the next message, until a
  reply without code, a reply that matches the agent's ``is_termination_msg`` (its code does not run),
  or ``max_consecutive_auto_reply`` rounds;
- function tools given to ``stream`` (e.g. ``new_answer`` / ``vote``) are registered with the agent as
  tool signatures only: when it calls them the turn ends with ``Finish("tool_calls")`` and the agent
  loop answers them, as with every other backend.

AG2 does not stream tokens, so each reply arrives as one text event.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from types import ModuleType
from typing import Any

from ...config.plan import AgentPlan
from ...conversation import Message, ToolSpec
from ...errors import BackendError, ConfigError, MassGenError, StreamError, TimeoutError_, redact, status_error
from ...events import Event, Finish, TextDelta, ToolCall, ToolResult, Usage
from .._support import silence_timeout, transcript_prompt
from .agents import BuiltAgent, add_tokens, build_agent, spent_tokens
from .executors import Closer
from .group import USER, build_group, run_group

DEFAULT_TIMEOUT = 600.0  # longest wait for one reply of the agent, unless the config's timeout.read says otherwise
CODE_TOOL = "code_execution"
TEAM_TRANSCRIPT = "Your team of expert agents discussed the request above:\n\n"
RESPONDER_SYSTEM_MESSAGE = (
    "You speak for a team of expert agents. Their discussion of the request follows the request; "
    "answer the original request for the team, with the tools you are offered when they fit."
)


class AG2Backend:
    def __init__(self, spec: AgentPlan, autogen: ModuleType) -> None:
        self.spec = spec
        self._autogen = autogen
        self._timeout = silence_timeout(spec, DEFAULT_TIMEOUT)
        self._key = spec.api_key.secret.reveal() if spec.api_key.secret else None
        agent_config, group_config = spec.setting("agent_config"), spec.setting("group_config")
        if (agent_config is None) == (group_config is None):
            raise ConfigError("ag2: the backend needs exactly one of agent_config (one agent) or group_config (a group chat)")
        self._closers: list[Closer] = []  # code executors (and a Jupyter gateway) to stop when the run ends
        build = {"defaults": {"api_key": self._key, "base_url": spec.base_url}, "cwd": spec.cwd, "closers": self._closers}
        try:
            self._group = build_group(autogen, group_config, **build) if group_config is not None else None
            # The agent that answers each turn: the single agent, or the group's User speaking for the team.
            self._responder: BuiltAgent = self._group.user if self._group else build_agent(autogen, agent_config, **build)
        except BaseException:
            self._close_executors()  # what started before the error must not outlive it
            raise
        self._user_system = self._responder.agent.system_message  # the group's User between answers
        self._discussed: tuple[list[Message], dict[str, Any]] | None = None  # (conversation, team transcript)
        self._registered: set[str] = set()
        self._executions = 0
        self._seen_usage = (0, 0)
        self._replaced_usage = (0, 0)  # totals of the responder's LLM clients that AG2 has since replaced

    async def stream(self, messages: list[Message], tools: list[ToolSpec]) -> AsyncIterator[Event]:
        history = [_to_openai(message) for message in messages]
        if self._group is not None:
            discussed = self._discussed
            if discussed is None or messages[: len(discussed[0])] != discussed[0]:
                lines: list[str] = []
                async for event in self._discuss(messages, lines):
                    yield event
                if not tools:  # nobody to answer to: the team's last word is the answer
                    yield Finish("stop", message=Message("assistant", _without_terminate(_last_expert_word(lines))))
                    return
                discussed = self._discussed = (list(messages), {"role": "user", "content": TEAM_TRANSCRIPT + "\n\n".join(lines)})
            history.insert(len(discussed[0]), discussed[1])
        async for event in self._respond(history, tools):
            yield event

    async def _discuss(self, messages: list[Message], lines: list[str]) -> AsyncIterator[Event]:
        """Run the group chat on the conversation; each message streams as text and joins ``lines``."""
        group = self._group
        user = group.user.agent
        user.update_system_message(self._user_system)
        prompt = transcript_prompt(messages)
        try:
            async for speaker, content in run_group(self._autogen, group, prompt, self._timeout):
                if speaker == USER and content == prompt:
                    continue  # the opening message is the question itself
                lines.append(f"[{speaker}] {content}")
                yield TextDelta(f"[{speaker}] {content}\n\n")
        except MassGenError:
            raise
        except Exception as exc:  # AG2 and the provider SDK raise their own types: say what went wrong
            raise _provider_error(exc, self._key) from None
        for event in self._usage():
            yield event
        user.update_system_message(RESPONDER_SYSTEM_MESSAGE)

    async def _respond(self, history: list[dict[str, Any]], tools: list[ToolSpec]) -> AsyncIterator[Event]:
        self._register(tools)
        for _ in range(self._responder.max_rounds + 1):
            reply = await self._reply(history)
            for event in self._usage():
                yield event
            text, calls = _parse_reply(reply)
            if text:
                yield TextDelta(text)
            if calls:
                for call in calls:
                    yield call
                yield Finish("tool_calls", message=Message("assistant", text, tool_calls=calls))
                return
            if self._ends_turn(text):
                break
            blocks = self._code_blocks(text)
            if not blocks:
                break
            result = await self._execute(blocks)
            for event in result:
                yield event
            output = result[-1]
            history += [{"role": "assistant", "content": text}, {"role": "user", "content": _execution_report(output)}]
        yield Finish("stop", message=Message("assistant", _without_terminate(text)))

    async def aclose(self) -> None:
        await asyncio.to_thread(self._close_executors)

    def _close_executors(self) -> None:
        while self._closers:
            closer = self._closers.pop()
            try:
                closer()
            except Exception:  # a kernel or container already gone: nothing left to stop
                pass

    def _register(self, tools: list[ToolSpec]) -> None:
        """Offer exactly ``tools`` to the agent's LLM (signatures only; nothing executes them here)."""
        agent = self._responder.agent
        client, spent = agent.client, spent_tokens([agent])
        wanted = {tool.name: tool for tool in tools}
        for name in self._registered - wanted.keys():
            agent.update_tool_signature(name, is_remove=True)
        for tool in tools:
            signature = {"type": "function", "function": {"name": tool.name, "description": tool.description, "parameters": tool.parameters}}
            agent.update_tool_signature(signature, is_remove=False, silent_override=True)
        self._registered = set(wanted)
        if agent.client is not client:  # update_tool_signature gives the agent a new client, counting from zero
            self._replaced_usage = add_tokens(self._replaced_usage, spent)

    async def _reply(self, history: list[dict[str, Any]]) -> Any:
        messages = [dict(message) for message in history]  # AG2 pops keys from the messages it is given
        try:
            return await asyncio.wait_for(self._responder.agent.a_generate_reply(messages=messages), self._timeout)
        except asyncio.TimeoutError:
            raise TimeoutError_(f"the AG2 agent gave no reply within {self._timeout:g} s") from None
        except MassGenError:
            raise
        except Exception as exc:  # AG2 and the provider SDK raise their own types: say what went wrong
            raise _provider_error(exc, self._key) from None

    def _usage(self) -> list[Event]:
        """Tokens of the latest reply or discussion: the growth of AG2's running usage totals."""
        current = self._group.tokens() if self._group else spent_tokens([self._responder.agent])
        prompt, completion = add_tokens(current, self._replaced_usage)
        seen, self._seen_usage = self._seen_usage, (prompt, completion)
        if (prompt, completion) == seen:
            return []
        return [Usage(prompt - seen[0], completion - seen[1])]

    def _ends_turn(self, text: str) -> bool:
        """The agent's is_termination_msg, applied to its own reply (see ``agents``)."""
        test = self._responder.ends_turn
        return test is not None and test({"role": "assistant", "name": self._responder.agent.name, "content": text})

    def _code_blocks(self, text: str) -> list[Any]:
        executor = self._responder.executor
        if executor is None or not text:
            return []
        return [block for block in executor.code_extractor.extract_code_blocks(text) if block.code.strip()]

    async def _execute(self, blocks: list[Any]) -> list[Event]:
        self._executions += 1
        call = ToolCall(f"ag2_code_{self._executions}", CODE_TOOL, {"blocks": [{"language": b.language, "code": b.code} for b in blocks]})
        result = await asyncio.to_thread(self._responder.executor.execute_code_blocks, blocks)  # bounded by the executor's timeout
        return [call, ToolResult(call.id, CODE_TOOL, result.output, is_error=result.exit_code != 0)]


def _to_openai(message: Message) -> dict[str, Any]:
    if message.role == "tool":
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content}
    if message.role == "assistant" and message.tool_calls:
        calls = [{"id": c.id, "type": "function", "function": {"name": c.name, "arguments": json.dumps(c.arguments)}} for c in message.tool_calls]
        return {"role": "assistant", "content": message.content or None, "tool_calls": calls}
    return {"role": message.role, "content": message.content}


def _parse_reply(reply: Any) -> tuple[str, list[ToolCall]]:
    if reply is None:
        return "", []
    if isinstance(reply, str):
        return reply, []
    calls = []
    for call in reply.get("tool_calls") or []:
        function = call.get("function", {})
        try:
            arguments = json.loads(function.get("arguments") or "{}")
        except json.JSONDecodeError:
            raise StreamError(f"the AG2 agent called {function.get('name')!r} with arguments that are not JSON") from None
        calls.append(ToolCall(call.get("id") or f"call_{len(calls)}", function.get("name", ""), arguments))
    return reply.get("content") or "", calls


def _execution_report(result: ToolResult) -> str:
    status = "execution failed" if result.is_error else "execution succeeded"
    return f"{status}\nCode output:\n{result.content}"


def _last_expert_word(lines: list[str]) -> str:
    spoken = [line.split("] ", 1)[1] for line in lines if not line.startswith(f"[{USER}]") and _without_terminate(line.split("] ", 1)[1]).strip()]
    return spoken[-1] if spoken else ""


def _without_terminate(text: str) -> str:
    """AG2 agents end with TERMINATE by convention; it is a signal, not part of the answer."""
    stripped = text.rstrip()
    return stripped[: -len("TERMINATE")].rstrip() if stripped.endswith("TERMINATE") else text


def _provider_error(exc: Exception, key: str | None) -> BackendError:
    message = redact(f"AG2 agent failed: {type(exc).__name__}: {exc}", (key,) if key else ())
    return status_error(message, getattr(exc, "status_code", None), provider="ag2")
