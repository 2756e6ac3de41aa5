"""An AG2 group chat from ``group_config``, as MassGen configs write it.

``llm_config`` is the default of every member; ``agents`` are agent configs (see ``agents``);
``pattern`` has a ``type`` (``auto`` as in MassGen, also ``round_robin`` and ``random``), the
``initial_agent``'s name, optional ``group_manager_args`` and further pattern arguments;
``user_agent`` may replace the default "User" agent, which ends the chat by saying TERMINATE and, in a
MassGen run, answers for the whole team (it is the one offered ``new_answer`` / ``vote``);
``max_rounds`` bounds the chat (default 20).

Token usage covers AG2's own model calls too: those of the chat manager (e.g. a ``summary_method:
reflection_with_llm`` summary) and of the agent AG2 makes for each speaker pick of the ``auto`` pattern.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from importlib import import_module
from types import ModuleType
from typing import Any

from ...errors import ConfigError, TimeoutError_
from .agents import BuiltAgent, add_tokens, build_agent, llm_config, spent_tokens
from .executors import Closer

PATTERNS = {"auto": "AutoPattern", "round_robin": "RoundRobinPattern", "random": "RandomPattern"}
DEFAULT_MAX_ROUNDS = 20
USER = "User"  # the name the termination rule looks for, as in MassGen
USER_SYSTEM_MESSAGE = "Say TERMINATE once the original request has been answered well by the team. Do nothing else."
USER_DESCRIPTION = (
    "Select only when the original request has been answered well and the conversation should end; "
    "first check whether another agent still has work to do."
)


@dataclass
class Group:
    pattern: Any
    members: list[Any]
    user: BuiltAgent
    max_rounds: int
    # The agents AG2 makes for itself in the running chat (its manager, one per auto speaker pick). They go
    # away with the chat, so once it is over only their token totals are kept.
    helpers: list[Any] = field(default_factory=list)
    retired_tokens: tuple[int, int] = (0, 0)

    def tokens(self) -> tuple[int, int]:
        """Prompt and completion tokens the whole group has used so far, AG2's helpers included."""
        return add_tokens(spent_tokens([*self.members, self.user.agent, *self.helpers]), self.retired_tokens)

    def retire_helpers(self) -> None:
        self.retired_tokens = add_tokens(spent_tokens(self.helpers), self.retired_tokens)
        self.helpers.clear()


def build_group(autogen: ModuleType, config: Any, *, defaults: dict[str, Any], cwd: str | None,
                closers: list[Closer]) -> Group:
    if not isinstance(config, dict):
        raise ConfigError("ag2: group_config must be a mapping")
    team_llm = config.get("llm_config")
    if team_llm is None:
        raise ConfigError("ag2: group_config needs an llm_config, the default of every agent in the group")
    members = [build_agent(autogen, entry, defaults=defaults, cwd=cwd, closers=closers, team_llm_config=team_llm,
                           in_group=True).agent for entry in config.get("agents") or []]
    if not members:
        raise ConfigError("ag2: group_config needs at least one agent under agents")
    user = _user_agent(autogen, config.get("user_agent"), team_llm, defaults, cwd, closers)
    pattern_config = dict(config.get("pattern") or {})
    kind = pattern_config.pop("type", None)
    if kind not in PATTERNS:
        raise ConfigError(f"ag2: group_config.pattern.type {kind!r} is not supported; use one of {', '.join(PATTERNS)}")
    by_name = {agent.name: agent for agent in members}
    initial = pattern_config.pop("initial_agent", None)
    if initial not in by_name:
        raise ConfigError(f"ag2: group_config.pattern.initial_agent {initial!r} names no agent of the group ({', '.join(by_name)})")
    manager_args = dict(pattern_config.pop("group_manager_args", None) or {})
    manager_args["llm_config"] = llm_config(autogen, manager_args.get("llm_config", team_llm), defaults)
    manager_args["is_termination_msg"] = _ends_chat
    patterns = import_module("autogen.agentchat.group.patterns")
    pattern = getattr(patterns, PATTERNS[kind])(
        initial_agent=by_name[initial], agents=members, user_agent=user.agent, group_manager_args=manager_args, **pattern_config
    )
    group = Group(pattern, members, user, int(config.get("max_rounds", DEFAULT_MAX_ROUNDS)))
    _watch_helpers(autogen, group)
    return group


def _watch_helpers(autogen: ModuleType, group: Group) -> None:
    """Add AG2's own agents of each chat to ``group.helpers`` as AG2 makes them, so their tokens count."""
    prepare = group.pattern.prepare_group_chat

    def prepare_and_watch(*args: Any, **kwargs: Any) -> Any:
        components = prepare(*args, **kwargs)
        manager = next(part for part in components if isinstance(part, autogen.GroupChatManager))
        group.helpers.append(manager)
        # The manager picks speakers on the copies of its GroupChat that register_reply keeps (AG2's own
        # OpenTelemetry instrumentation reaches them the same way).
        for entry in manager._reply_func_list:
            if isinstance(entry.get("config"), autogen.GroupChat):
                _watch_speaker_picks(entry["config"], group.helpers)
        return components

    group.pattern.prepare_group_chat = prepare_and_watch


def _watch_speaker_picks(chat: Any, helpers: list[Any]) -> None:
    create = chat._create_internal_agents  # makes the (checking, speaker-selection) pair of each auto pick

    def create_and_watch(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        checking, selecting = create(*args, **kwargs)
        helpers.append(selecting)  # the checking agent only validates the pick, without a model
        return checking, selecting

    chat._create_internal_agents = create_and_watch


def _user_agent(autogen: ModuleType, config: Any, team_llm: Any, defaults: dict[str, Any], cwd: str | None,
                closers: list[Closer]) -> BuiltAgent:
    config = dict(config or {"name": USER, "system_message": USER_SYSTEM_MESSAGE, "description": USER_DESCRIPTION})
    if config.setdefault("name", USER) != USER:
        raise ConfigError(f"ag2: group_config.user_agent must be named {USER!r} (the chat ends when {USER} says TERMINATE)")
    return build_agent(autogen, config, defaults=defaults, cwd=cwd, closers=closers, team_llm_config=team_llm)


def _ends_chat(message: dict[str, Any]) -> bool:
    return message.get("name") == USER and "TERMINATE" in (message.get("content") or "")


async def run_group(autogen: ModuleType, group: Group, prompt: str, timeout: float) -> AsyncIterator[tuple[str, str]]:
    """Run the chat on ``prompt``, yielding (speaker, content) for each message as it is sent.

    ``timeout`` bounds the silence between two messages.
    """
    loop = asyncio.get_running_loop()
    said: asyncio.Queue[tuple[str, str] | Exception | None] = asyncio.Queue()

    def overhear(sender: Any, message: Any, recipient: Any, silent: bool) -> Any:
        content = message.get("content") if isinstance(message, dict) else message
        if content:
            loop.call_soon_threadsafe(said.put_nowait, (sender.name, str(content)))
        return message

    for agent in (*group.members, group.user.agent):
        agent.register_hook("process_message_before_send", overhear)

    async def chat() -> None:
        try:
            opening = [{"role": "user", "name": USER, "content": prompt}]
            await autogen.agentchat.a_initiate_group_chat(pattern=group.pattern, messages=opening, max_rounds=group.max_rounds)
            end: Exception | None = None
        except Exception as exc:  # handed to the reader, which re-raises it in the caller's task
            end = exc
        loop.call_soon_threadsafe(said.put_nowait, end)  # queued behind the messages overheard so far

    task = asyncio.create_task(chat())
    try:
        while True:
            try:
                item = await asyncio.wait_for(said.get(), timeout)
            except asyncio.TimeoutError:
                raise TimeoutError_(f"the AG2 group chat said nothing for {timeout:g} s") from None
            if item is None:
                return
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        task.cancel()
        group.retire_helpers()
        for agent in (*group.members, group.user.agent):
            agent.hook_lists["process_message_before_send"].remove(overhear)
