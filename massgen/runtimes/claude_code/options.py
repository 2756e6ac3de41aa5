"""Turn an AgentPlan into the keyword arguments of ``claude_agent_sdk.ClaudeAgentOptions``.

Plain data in, plain data out (no SDK import), so every catalog parameter's mapping is easy to see:
``cwd`` (absolute), ``system_prompt`` / ``append_system_prompt`` / ``system_message`` / ``use_default_prompt``,
``max_thinking_tokens``, ``reasoning.effort``, ``permission_mode``, ``allowed_tools`` / ``disallowed_tools``
(native patterns such as ``Bash(rm*)``), ``enable_web_search``, ``max_turns``, ``setting_sources``,
``mcp_servers``, the model, the API key (or an existing ``claude login``) and ``base_url``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from ...config.mcp_servers import McpServer, parse_servers
from ...mcp.manager import stdio_cwd

if TYPE_CHECKING:
    from ...config.plan import AgentPlan

# The in-process MCP server that carries the caller's function tools (e.g. new_answer, vote).
FUNCTION_SERVER = "massgen_tools"
FUNCTION_PREFIX = f"mcp__{FUNCTION_SERVER}__"

# MassGen runs Claude Code unattended: file edits are accepted unless the config says otherwise.
DEFAULT_PERMISSION_MODE = "acceptEdits"

# What ``enable_web_search: true`` adds to the native tool set when ``allowed_tools`` is not set.
WEB_TOOLS = ("WebSearch", "WebFetch")

# The CLI's switch between its two to-do tools: with tasks enabled (its default) the model gets TaskCreate,
# TaskUpdate, ... and TodoWrite is switched off; "false" brings back TodoWrite, one of the native tools the
# catalog promises (read in the bundled CLI 2.1: TodoWrite's isEnabled() requires CLAUDE_CODE_ENABLE_TASKS=false).
TODO_TOOL_ENV = {"CLAUDE_CODE_ENABLE_TASKS": "false"}


def build_options(spec: AgentPlan, system_messages: list[str]) -> dict[str, Any]:
    """Options for one Claude Code session; ``system_messages`` come from the conversation itself."""
    servers = parse_servers(spec.mcp_servers)  # both config forms; ${VAR} expanded, unset ones named
    cwd = stdio_cwd(spec.cwd, None)  # absolute; the CLI starts its stdio servers here too
    reasoning = spec.setting("reasoning")
    options: dict[str, Any] = {
        "cwd": cwd,
        "model": spec.model,
        "system_prompt": _system_prompt(spec, system_messages),
        "permission_mode": spec.setting("permission_mode", DEFAULT_PERMISSION_MODE),
        "max_thinking_tokens": spec.setting("max_thinking_tokens"),
        "effort": reasoning.get("effort") if isinstance(reasoning, dict) else None,
        "max_turns": spec.setting("max_turns"),
        "setting_sources": spec.setting("setting_sources", []),
        "mcp_servers": {server.name: _mcp_server(server, cwd) for server in servers},
        "env": _environment(spec),
        # Only the servers given here: a user's or project's own MCP settings must not leak into a run.
        "strict_mcp_config": True,
        # Text arrives as deltas; whole messages still carry the tool calls and results.
        "include_partial_messages": True,
    }
    tools, allowed, disallowed = _tool_rules(spec, servers)
    directories, read_only = _context_paths(spec)
    options.update(tools=tools, allowed_tools=allowed, disallowed_tools=disallowed + read_only,
                   add_dirs=directories or None)
    return {name: value for name, value in options.items() if value is not None}


def _system_prompt(spec: AgentPlan, system_messages: list[str]) -> str | dict[str, str]:
    """MassGen's instructions, after ``system_prompt`` when set, else after Claude Code's own prompt
    with ``use_default_prompt: true``; with neither (MassGen's default) they are the whole prompt."""
    # The agent loop usually repeats the config's system_message as the conversation's system message.
    extra = [text for text in dict.fromkeys((spec.system_message, *system_messages)) if text]
    custom = spec.setting("system_prompt")
    if custom:
        return "\n\n".join([custom, *extra])
    appended = [text for text in (spec.setting("append_system_prompt"), *extra) if text]
    if not spec.setting("use_default_prompt", False):
        return "\n\n".join(appended)
    preset: dict[str, str] = {"type": "preset", "preset": "claude_code"}
    if appended:
        preset["append"] = "\n\n".join(appended)
    return preset


def _tool_rules(spec: AgentPlan, servers: list[McpServer]) -> tuple[list[str], list[str], list[str]]:
    """(available native tools, auto-approved rules, denied rules) in Claude Code's own syntax.

    Without ``allowed_tools`` the native tool set is the catalog's ``native_tools`` (plus WebSearch and
    WebFetch with ``enable_web_search``), all approved; the CLI's other default tools (Agent, Skill, ...)
    are not offered. ``allowed_tools`` lists what the agent may use: the native tools it names become the
    whole native tool set, and every entry (``Read``, ``Bash(git*)``, ``mcp__server__tool``) is approved
    without a prompt. ``disallowed_tools`` falls back to the catalog default (``Bash(rm*)``, ``Bash(sudo*)``, ...).

    MCP tools are approved as the HTTP runtime's ``ToolFilter`` admits them: a server's own
    ``allowed_tools`` replaces the backend's for that server; a backend ``allowed_tools`` that names
    tools of a server (``mcp__fs__read_file``, or a bare ``read_file``, which names that tool of every
    server, as in the HTTP filter) approves only those; otherwise (nothing names the server) the whole
    server is approved, since the CLI would ask, unattended, for each of its tools. Native tool names
    are capitalised (``Read``, ``Bash(git*)``); a lower-case bare name is an MCP tool's.
    """
    disallowed = list(spec.disallowed_tools if "disallowed_tools" in spec.backend else spec.setting("disallowed_tools", []))
    disallowed += spec.exclude_tools
    backend_rules = [rule for rule in spec.allowed_tools or () if not _bare_mcp_tool(rule)]
    bare = [rule for rule in spec.allowed_tools or () if _bare_mcp_tool(rule)]
    allowed = [f"mcp__{FUNCTION_SERVER}"]
    for server in servers:
        prefix = f"mcp__{server.name}"
        named = [rule for rule in backend_rules if rule == prefix or rule.startswith(f"{prefix}__")]
        if server.allowed_tools is not None:
            backend_rules = [rule for rule in backend_rules if rule not in named]  # replaced by the server's list
            allowed += [f"{prefix}__{name}" for name in server.allowed_tools]
        elif bare:
            allowed += [f"{prefix}__{name}" for name in bare]
        elif not named:
            allowed.append(prefix)
        disallowed += [f"{prefix}__{name}" for name in server.excluded_tools]
    if spec.allowed_tools is not None:
        allowed += backend_rules
        native = [rule.split("(", 1)[0] for rule in backend_rules if not rule.startswith("mcp__")]
    else:
        # The catalog's native tools (the page's "always available" list), approved so an unattended run can
        # use them; disallowed_tools rules (Bash(rm*), a bare Grep) still win, as deny rules do in the CLI.
        native = [*spec.native_tools, *(WEB_TOOLS if spec.setting("enable_web_search", False) else ())]
        allowed += native
    return list(dict.fromkeys(native)), list(dict.fromkeys(allowed)), disallowed


def _context_paths(spec: AgentPlan) -> tuple[list[str], list[str]]:
    """``context_paths`` as the CLI takes them: extra directories it may work in, and a deny rule per read-only
    one (an ``Edit`` rule covers every built-in tool that changes files; ``//`` starts an absolute path)."""
    from ...tools.paths import context_roots

    roots = [(os.path.abspath(root.path), root.writable) for root in context_roots(spec.setting("context_paths"))]
    return [path for path, _ in roots], [f"Edit(/{path}/**)" for path, writable in roots if not writable]


def _bare_mcp_tool(rule: str) -> bool:
    return rule[:1].islower() and not rule.startswith("mcp__") and "(" not in rule


def _mcp_server(server: McpServer, agent_cwd: str | None) -> dict[str, Any]:
    """A MassGen MCP server in the CLI's ``--mcp-config`` form (MassGen's streamable-http is its http).

    The CLI starts stdio servers in its own cwd, the agent's; a server with a cwd of its own elsewhere
    starts through a shell that changes to it (absolute, as under the HTTP runtime)."""
    if server.transport == "stdio":
        command, args = server.command, list(server.args)
        own = stdio_cwd(server.cwd, None)
        if own and own != agent_cwd:  # the CLI's stdio entries have no cwd field
            command, args = "/bin/sh", ["-c", 'cd "$0" && exec "$@"', own, command, *args]
        entry: dict[str, Any] = {"type": "stdio", "command": command, "args": args}
        if server.env:
            entry["env"] = dict(server.env)
        return entry
    return {"type": "http", "url": server.url, "headers": dict(server.headers)}


def _environment(spec: AgentPlan) -> dict[str, str]:
    """Variables for the CLI process: the key (else the CLI uses an existing login) and the endpoint."""
    env: dict[str, str] = dict(TODO_TOOL_ENV)
    if spec.api_key.secret:
        env["ANTHROPIC_API_KEY"] = spec.api_key.secret.reveal()
    if spec.base_url:
        env["ANTHROPIC_BASE_URL"] = spec.base_url
    return env
