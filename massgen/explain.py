"""``massgen explain``: each agent's resolved plan and the first request it would send, sending nothing.

The request is built by the engine's own code (``massgen.engine.request.build_request``) from the same plan a
run uses; in a multi-agent config the messages and workflow tools come from the coordinator's own
``round_inputs``, exactly as the first round sends them. Secrets are masked in every value (headers, URL,
body). An agent's own tools (MCP servers, file and command-line tools) are listed in the plan: they exist only
once their servers start, which explain never does.

Shape of ``explain(...)`` (also ``massgen explain --format json``)::

    {"agents": [{"id", "backend", "provider", "protocol", "model", "base_url", "base_url_source", "mock",
                 "api_key_source", "api_key_description", "mcp_servers", "tools", "request": {"method", "url", "headers",
                 "body"} | null}]}

``mock`` is true when the local mock server answers the agent (``--mock`` or ``mock: true``; ``base_url_source``
and ``api_key_source`` are then ``mock``).
"""

from __future__ import annotations

import json
from typing import Any

from .config.mcp_servers import McpServer, normalise_servers
from .config.plan import AgentPlan, RunPlan
from .config.routing import MOCK_SOURCE
from .conversation import Message, ToolSpec
from .errors import MassGenError, redact

# Protocols with no HTTP request of ours: their runtime is a CLI or an SDK.
NON_HTTP = ("claude_code", "ag2")


def explain(run: RunPlan, question: str, *, single_agent: str | None = None) -> dict[str, Any]:
    """Every agent's plan and first request (one agent's with ``single_agent``)."""
    agents = [a for a in run.agents if single_agent in (None, a.id)]
    team = single_agent is None and len(run.agents) > 1
    return {"agents": [_masked(_agent(run, agent, question, team=team), agent.secrets) for agent in agents]}


def _agent(run: RunPlan, agent: AgentPlan, question: str, *, team: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": agent.id,
        "backend": agent.backend_type,
        "provider": agent.provider,
        "protocol": agent.protocol,
        "model": agent.model,
        "base_url": agent.base_url,
        "base_url_source": agent.base_url_source,
        "mock": agent.base_url_source == MOCK_SOURCE,
        "api_key_source": agent.api_key.source,
        "api_key_description": agent.api_key.describe(),
        "mcp_servers": [_server(s) for s in normalise_servers(agent.mcp_servers)[0]],
        "tools": _own_tools(agent),
    }
    if agent.protocol in NON_HTTP:
        entry["options"] = _runtime_options(agent)
        entry["request"] = None
        return entry
    messages, tools = _first_turn(run, agent, question, team=team)
    try:
        entry["request"] = _request(agent, messages, tools)
    except MassGenError as exc:  # no base URL, a built-in tool the provider lacks, ...
        entry["request"] = None
        entry["error"] = str(exc)
    return entry


def _first_turn(run: RunPlan, agent: AgentPlan, question: str, *, team: bool) -> tuple[list[Message], list[ToolSpec]]:
    if not team:
        system = [Message("system", agent.system_message)] if agent.system_message else []
        return [*system, Message("user", question)], []
    from .orchestrator.coordinator import round_inputs
    from .orchestrator.settings import CoordinationSettings
    from .orchestrator.state import Board
    from .orchestrator.workflow import workflow_tools

    settings = CoordinationSettings.from_spec(run.orchestrator, run.timeout_settings).for_agent(agent.voting_sensitivity)
    view, messages = round_inputs(Board([a.id for a in run.agents]), agent, question, settings)
    return messages, workflow_tools(view.shown_anon_ids(), vote_only=view.vote_only)


def _request(agent: AgentPlan, messages: list[Message], tools: list[ToolSpec]) -> dict[str, Any]:
    from .engine.profile import resolve
    from .engine.request import build_request

    request = build_request(resolve(agent, require_key=False, find_server=False), agent, messages, tools)
    url = request.url
    if request.query:
        from urllib.parse import urlencode

        url = f"{url}?{urlencode(request.query)}"
    return {"method": request.method, "url": url, "headers": request.headers, "body": request.body}


def _server(server: McpServer) -> dict[str, Any]:
    """One MCP server as the runtimes will start it (the one normaliser decides its transport)."""
    shown: dict[str, Any] = {"name": server.name, "type": server.transport}
    if server.command is not None:
        shown.update(command=server.command, args=list(server.args))
    if server.url is not None:
        shown["url"] = server.url
    for block, values in (("env", server.env), ("headers", server.headers)):
        if values:
            shown[block] = sorted(values)  # names only: values may be credentials
    return shown


def _own_tools(agent: AgentPlan) -> list[str]:
    tools = [flag for flag, on in agent.tool_flags.items() if on]
    if agent.cwd:
        tools.append(f"file tools in {agent.cwd}")
    if agent.backend.get("enable_mcp_command_line"):
        tools.append(f"command line ({agent.backend.get('command_line_execution_mode') or 'local'})")
    return tools


def _runtime_options(agent: AgentPlan) -> dict[str, Any]:
    """The settings a CLI / SDK runtime is started with (no HTTP request of ours to show)."""
    skipped = {"type", "model", "api_key", "mcp_servers"}
    return {k: v for k, v in agent.backend.items() if k not in skipped}


def _masked(value: Any, secrets: Any) -> Any:
    """``value`` with every secret masked in every string, however deep (via one JSON round trip)."""
    return json.loads(redact(json.dumps(value, ensure_ascii=False), secrets))


def explain_text(result: dict[str, Any]) -> str:
    """The plans for people: one block per agent, the request as indented JSON."""
    blocks = []
    for agent in result["agents"]:
        lines = [f"agent {agent['id']}: {agent['backend']}" + (f" ({agent['provider']})" if agent["provider"] else "")
                 + f", protocol {agent['protocol']}, model {agent['model'] or '(the server default)'}"]
        source = ("mock: the local mock server answers, nothing goes to the provider" if agent.get("mock")
                  else agent["base_url_source"])
        lines.append(f"  base_url: {agent['base_url'] or '-'} (from {source})")
        lines.append(f"  API key: {agent['api_key_description']}")
        if agent["mcp_servers"]:
            lines.append("  MCP servers: " + ", ".join(f"{s['name']} ({s['type']})" for s in agent["mcp_servers"]))
        if agent["tools"]:
            lines.append("  own tools: " + ", ".join(agent["tools"]))
        if agent.get("error"):
            lines.append(f"  cannot build the request: {agent['error']}")
        request = agent["request"]
        if request is not None:
            lines.append(f"  first request: {request['method']} {request['url']}")
            lines += [f"    {name}: {value}" for name, value in request["headers"].items()]
            lines += ["    " + line for line in json.dumps(request["body"], indent=2, ensure_ascii=False).splitlines()]
        elif "options" in agent:
            lines.append(f"  runtime options (no HTTP request of ours): {json.dumps(agent['options'], ensure_ascii=False)}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"
