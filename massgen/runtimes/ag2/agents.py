"""Build AG2 agents from ``agent_config`` as MassGen configs write it.

``type`` (``assistant`` | ``conversable``), ``name``, ``system_message``, ``llm_config`` (one entry or a
list; each may carry ``api_type``, ``model``, ``base_url``, ``api_key``), ``code_execution_config`` with
an ``executor`` (see ``executors``), and the remaining
ConversableAgent arguments. The agent always runs unattended (``human_input_mode: NEVER``).

``is_termination_msg`` is a text: the conversation ends at a message that contains it. ``{contains: TEXT}``
says the same; ``{endswith: TEXT}`` ends it at a message whose text ends with TEXT (trailing whitespace
aside). In a group chat it is the member's AG2 ``is_termination_msg``: the chat ends when the member is
about to answer such a message. A single agent (and the group's User when it answers for the team) applies
it to its own replies: a reply that matches ends the turn as the answer, and its code blocks are not run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from ...errors import ConfigError, redact
from .executors import Closer, code_executor

AGENT_TYPES = {"assistant": "AssistantAgent", "conversable": "ConversableAgent"}
TERMINATION_TESTS = ("contains", "endswith")
# Keys this module interprets itself; anything else goes to the AG2 agent as it is. human_input_mode is
# always NEVER (runs are unattended); is_termination_msg is YAML data that becomes a callable here.
_OWN_KEYS = {"type", "llm_config", "code_execution_config", "human_input_mode", "max_consecutive_auto_reply", "is_termination_msg"}
DEFAULT_MAX_ROUNDS = 10

MessageTest = Callable[[dict[str, Any]], bool]


@dataclass
class BuiltAgent:
    agent: Any
    executor: Any | None  # runs the code blocks of the agent's replies
    max_rounds: int  # bound on reply → execute → reply rounds
    ends_turn: MessageTest | None = None  # is_termination_msg of an agent outside a group, tried on its replies


def build_agent(
    autogen: ModuleType,
    config: dict[str, Any],
    *,
    defaults: dict[str, Any],
    cwd: str | None,
    closers: list[Closer],
    team_llm_config: Any = None,
    in_group: bool = False,
) -> BuiltAgent:
    """``defaults`` fill what every llm_config entry leaves out (the backend's ``api_key`` / ``base_url``).

    A single agent's own code blocks are run by the backend with its executor; in a group chat AG2 runs
    them itself (an agent with an executor runs the code the others post), so ``in_group`` hands the
    executor to AG2. ``team_llm_config`` is the group's default for members without their own.
    """
    where = "a group_config agent" if in_group else "agent_config"
    if not isinstance(config, dict):
        raise ConfigError(f"ag2: {where} must be a mapping")
    kind = config.get("type", "conversable")
    if kind not in AGENT_TYPES:
        raise ConfigError(f"ag2: agent type {kind!r} is not supported; use one of {', '.join(AGENT_TYPES)}")
    llm = config.get("llm_config", team_llm_config)
    if llm is None:
        raise ConfigError(f"ag2: {where} needs an llm_config (model, api_type, and base_url / api_key if needed)")
    arguments = {key: value for key, value in config.items() if key not in _OWN_KEYS}
    arguments.setdefault("name", "ag2_agent")
    executor = code_executor(config.get("code_execution_config"), cwd, closers)
    ends = termination_test(config.get("is_termination_msg"), arguments["name"])
    if in_group and ends:
        arguments["is_termination_msg"] = ends  # AG2 runs the group chat, so AG2 applies it
    try:
        agent = getattr(autogen, AGENT_TYPES[kind])(
            **arguments,
            llm_config=llm_config(autogen, llm, defaults),
            human_input_mode="NEVER",
            # Outside a group, AG2's reply chain would only run code found in the *incoming* messages
            # (a question quoting code), so the backend runs the agent's own code instead.
            code_execution_config={"executor": executor} if in_group and executor else False,
        )
    except ConfigError:
        raise
    except Exception as exc:  # e.g. the provider SDK finds no API key when AG2 creates its client
        secrets = tuple(str(v) for v in defaults.values() if v)
        raise ConfigError(redact(f"ag2: cannot create the agent {arguments['name']!r}: {_first_line(exc)}", secrets)) from None
    rounds = int(config.get("max_consecutive_auto_reply", DEFAULT_MAX_ROUNDS))
    return BuiltAgent(agent, None, rounds) if in_group else BuiltAgent(agent, executor, rounds, ends)


def termination_test(value: Any, agent_name: str) -> MessageTest | None:
    """``is_termination_msg`` as AG2 calls it: on a message dict, True when the conversation should end."""
    if value is None:
        return None
    test, text = _termination_spec(value, agent_name)
    if test == "endswith":
        return lambda message: _text_of(message).rstrip().endswith(text)
    return lambda message: text in _text_of(message)


def _termination_spec(value: Any, agent_name: str) -> tuple[str, str]:
    spec = {"contains": value} if isinstance(value, str) else value
    if isinstance(spec, dict) and len(spec) == 1:
        ((test, text),) = spec.items()
        if test in TERMINATION_TESTS and isinstance(text, str) and text.strip():
            return test, text
    raise ConfigError(
        f"ag2: is_termination_msg of agent {agent_name!r} must be a non-empty text (the conversation ends at a "
        f"message containing it) or a mapping with one key, contains or endswith, e.g. {{endswith: TERMINATE}}; got {value!r}"
    )


def _text_of(message: dict[str, Any]) -> str:
    content = message.get("content")
    return content if isinstance(content, str) else ""  # a tool-call message has no content


def spent_tokens(agents: Iterable[Any]) -> tuple[int, int]:
    """Prompt and completion tokens the LLM clients of ``agents`` have used so far (AG2's running totals)."""
    models = [
        value
        for agent in agents
        for value in (getattr(agent.client, "actual_usage_summary", None) or {}).values()
        if isinstance(value, dict)
    ]
    return sum(m.get("prompt_tokens", 0) for m in models), sum(m.get("completion_tokens", 0) for m in models)


def add_tokens(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    return a[0] + b[0], a[1] + b[1]


def llm_config(autogen: ModuleType, data: Any, defaults: dict[str, Any]) -> Any:
    entries = data if isinstance(data, list) else [data]
    if not entries or not all(isinstance(entry, dict) for entry in entries):
        raise ConfigError("ag2: llm_config must be a mapping or a list of mappings")
    filled = [{"api_type": "openai", **{k: v for k, v in defaults.items() if v}, **entry} for entry in entries]
    for entry in filled:
        if not entry.get("model"):
            raise ConfigError("ag2: every llm_config entry needs a model")
    try:
        return autogen.LLMConfig(*filled)
    except (ValueError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
        raise ConfigError(f"ag2: invalid llm_config: {_first_line(exc)}") from None


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
