"""MCP server entries: both accepted forms, ${VAR} expansion and MassGen's tool-filter semantics."""

from __future__ import annotations

import pytest

from massgen.config import compile_mapping
from massgen.config.mcp_servers import normalise_servers
from massgen.mcp import McpConfigError, ToolFilter, parse_servers

ENV = {"TOKEN": "tok-123", "DATA": "/srv/data"}


def test_list_and_mapping_forms_give_the_same_servers() -> None:
    as_list = parse_servers([{"name": "fs", "type": "stdio", "command": "npx", "args": ["-y", "x"]},
                             {"name": "web", "type": "streamable-http", "url": "http://h/mcp"}], ENV)
    as_map = parse_servers({"fs": {"type": "stdio", "command": "npx", "args": ["-y", "x"]},
                            "web": {"type": "streamable-http", "url": "http://h/mcp"}}, ENV)
    assert as_list == as_map
    assert [(s.name, s.transport) for s in as_map] == [("fs", "stdio"), ("web", "streamable-http")]


def test_variables_are_expanded_in_args_env_and_headers() -> None:
    [stdio, http] = parse_servers({
        "fs": {"type": "stdio", "command": "srv", "args": ["--root", "${DATA}/in"], "env": {"KEY": "${TOKEN}", "N": 3}},
        "web": {"type": "streamable-http", "url": "http://h/mcp", "headers": {"Authorization": "Bearer ${TOKEN}"}},
    }, ENV)
    assert stdio.args == ("--root", "/srv/data/in")
    assert dict(stdio.env) == {"KEY": "tok-123", "N": "3"}
    assert dict(http.headers) == {"Authorization": "Bearer tok-123"}
    assert "tok-123" not in repr(http)  # headers carry secrets; the repr leaves them out


@pytest.mark.parametrize("entry, where", [
    ({"type": "stdio", "command": "srv", "args": ["${MISSING_VAR}"]}, "args"),
    ({"type": "stdio", "command": "srv", "env": {"K": "${MISSING_VAR}"}}, "env K"),
    ({"type": "streamable-http", "url": "http://h", "headers": {"X": "${MISSING_VAR}"}}, "header X"),
])
def test_an_unset_variable_is_an_error_naming_it(entry: dict, where: str) -> None:
    with pytest.raises(McpConfigError) as info:
        parse_servers({"tools": entry}, ENV)
    message = str(info.value)
    assert "MISSING_VAR" in message and "'tools'" in message and where in message


@pytest.mark.parametrize("servers, fragment", [
    ({"a": {"type": "stdio"}}, "neither `command` nor `args`"),
    ({"a": {}}, "neither `command` nor `args`"),  # no url either: a stdio server without a command
    ({"a": {"type": "streamable-http"}}, "no `url`"),
    ({"a": {"type": "carrier-pigeon", "url": "x"}}, "not supported .*use stdio, streamable-http"),
    ([{"name": "a", "command": "x"}, {"name": "a", "command": "y"}], "`a` is defined twice"),
    ([{"command": "x"}], "has no `name`"),
    ({"my.tools": {"command": "x"}}, "only have letters, digits"),
    ({"a": {"command": "python 'server.py"}}, "cannot be split like a shell would"),
    ({"a": {"command": []}}, "neither `command` nor `args`"),
])
def test_entries_that_cannot_run_are_clear_errors(servers: object, fragment: str) -> None:
    with pytest.raises(McpConfigError, match=fragment):
        parse_servers(servers, ENV)


def test_per_server_lists_and_timeouts_are_read() -> None:
    [server] = parse_servers([{"name": "fs", "command": "srv", "allowed_tools": ["read_file"],
                               "exclude_tools": ["a"], "disallowed_tools": ["b"], "timeout": 5, "startup_timeout": 2}], ENV)
    assert server.transport == "stdio"  # a command without a type is a stdio server
    assert server.allowed_tools == ("read_file",) and set(server.excluded_tools) == {"a", "b"}
    assert (server.call_timeout, server.startup_timeout) == (5.0, 2.0)


def test_filter_semantics() -> None:
    # The server's allowed list replaces the backend-wide one; every exclusion list adds up.
    f = ToolFilter.for_server(["read_file"], ["mcp__fs__delete"], ["read_file", "delete", "list"], ["list"])
    assert f.permits("fs", "read_file")
    assert not f.permits("fs", "delete")  # excluded by its offered name, backend-wide
    assert not f.permits("fs", "list")  # excluded by the server, although allowed
    assert not f.permits("fs", "write_file")  # not in the server's allowed list
    backend_only = ToolFilter.for_server(["mcp__fs__read_file"], [])
    assert backend_only.permits("fs", "read_file") and not backend_only.permits("other", "read_file")
    assert ToolFilter.for_server(None, []).permits("any", "tool")


@pytest.mark.parametrize("entry, command, args", [
    ({"command": "python server.py tools.json"}, "python", ("server.py", "tools.json")),
    ({"command": "python 'my server.py'", "args": ["--x"]}, "python", ("my server.py", "--x")),
    ({"command": ["python", "server.py"], "args": ["tools.json"]}, "python", ("server.py", "tools.json")),
    ({"args": ["python", "server.py"]}, "python", ("server.py",)),  # MassGen runs args alone as the command line
    ({"command": "npx", "args": ["-y", "@scope/server"]}, "npx", ("-y", "@scope/server")),
])
def test_massgen_s_command_forms(entry: dict, command: str, args: tuple) -> None:
    [server] = parse_servers({"s": entry}, ENV)
    assert (server.transport, server.command, server.args) == ("stdio", command, args)


@pytest.mark.parametrize("entry, transport", [
    ({"command": "srv"}, "stdio"),
    ({"args": ["srv"]}, "stdio"),
    ({"url": "http://h/mcp"}, "streamable-http"),
    ({"url": "http://h/mcp", "command": "srv"}, "stdio"),
    ({"type": "http", "url": "http://h/mcp"}, "streamable-http"),
    ({"type": "sse", "url": "http://h/sse"}, "sse"),
    ({}, None),  # neither url nor command: a stdio server that lacks its command, for both
])
def test_the_linter_and_the_runtime_infer_one_transport(entry: dict, transport: str | None) -> None:
    servers, problems = normalise_servers({"s": entry})
    assert [s.transport for s in servers] == ([transport] if transport else [])
    config = {"agent": {"id": "a", "backend": {"type": "openai", "model": "gpt-5-nano", "mcp_servers": {"s": entry}}}}
    codes = {d.code for d in compile_mapping(config).diagnostics if d.is_error}
    if transport is None:
        assert problems and codes == {"mcp-server-command"}
        with pytest.raises(McpConfigError, match="uses stdio"):
            parse_servers({"s": entry}, ENV)
    else:
        assert not problems and not codes


def test_a_normalised_server_is_immutable() -> None:
    [server] = parse_servers({"s": {"command": "srv", "env": {"K": "v"}}}, ENV)
    with pytest.raises(AttributeError):
        server.command = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        server.env["K"] = "w"  # type: ignore[index]
