"""MCP tool names are offered in a form every protocol's name rule accepts (the rules are the protocols' data,
``defaults.tools.name_pattern`` of templates/requests/*.yaml)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from massgen.catalog import HTTP_PROTOCOLS
from massgen.conversation import ToolSpec
from massgen.engine.template import load_template
from massgen.engine.tools import fit_tools
from massgen.errors import ConfigError
from massgen.mcp.filtering import offered_name
from massgen.mcp.manager import _safe_name

PATTERNS = {protocol: re.compile(load_template(protocol)[0]["tools"]["name_pattern"]) for protocol in HTTP_PROTOCOLS}
SERVER_NAMES = st.from_regex(r"[A-Za-z0-9_-]{1,100}", fullmatch=True)  # the names MassGen accepts


@given(server=SERVER_NAMES, tool=st.text(min_size=1, max_size=150), taken=st.sets(st.text(max_size=70), max_size=3))
def test_every_offered_name_fits_every_protocol(server: str, tool: str, taken: set[str]) -> None:
    name = _safe_name(offered_name(server, tool), taken)
    for protocol, pattern in PATTERNS.items():
        assert pattern.fullmatch(name), (protocol, name)
    assert name not in taken


def test_every_protocol_states_its_limits() -> None:
    for protocol in HTTP_PROTOCOLS:
        rules = load_template(protocol)[0]["tools"]
        assert set(rules) >= {"max_count", "name_pattern", "description_max_length", "schema"}


def test_a_long_description_is_cut_where_the_protocol_limits_it() -> None:
    tool = ToolSpec("t", "x" * 2000, {"type": "object"})
    [chat] = fit_tools([tool], load_template("openai_chat")[0], "agent 'a'")
    assert len(chat.description) == 1024 and chat.description.endswith("[...]")
    [anthropic] = fit_tools([tool], load_template("anthropic_messages")[0], "agent 'a'")
    assert anthropic.description == tool.description


def test_a_name_the_protocol_refuses_is_an_error_naming_the_tool() -> None:
    tool = ToolSpec("read.file", "", {"type": "object"}, origin=("fs", "read.file"))
    with pytest.raises(ConfigError, match="'read.file'.*MCP server 'fs'"):
        fit_tools([tool], load_template("openai_chat")[0], "agent 'a'")
    assert fit_tools([tool], load_template("gemini")[0], "agent 'a'")[0].name == "read.file"  # Gemini takes dots
