"""Model-name inference, presets by name / alias / base_url, and the page's facts as data."""

from __future__ import annotations

import pytest

from massgen.catalog import load_catalog


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(use_cache=False, use_env=False)


@pytest.mark.parametrize(
    ("model", "backend"),
    [
        ("gpt-5-nano", "openai"),
        ("GPT-5-mini", "openai"),
        ("o4-mini-high", "openai"),
        ("claude-3-5-sonnet-latest", "claude"),
        ("claude-sonnet-4-20250514", "claude"),
        ("gemini-2.5-flash", "gemini"),
        ("grok-3-mini", "grok"),
        ("glm-4.5", "zai"),
        ("glm-4.5-air", "zai"),
    ],
)
def test_model_name_infers_the_backend(catalog, model, backend):
    assert catalog.infer_backend(model).type == backend


@pytest.mark.parametrize("model", ["llama-3.1-70b-versatile", "my-local-model", "", "gpt5", "gpt-oss-120b"])
def test_unknown_model_infers_nothing(catalog, model):
    assert catalog.infer_backend(model) is None


def test_presets_by_name_alias_and_url(catalog):
    backend, preset = catalog.resolve_type("cerebras")
    assert (backend.type, preset.name, preset.api_key_env) == ("chatcompletion", "cerebras", ["CEREBRAS_API_KEY"])
    backend, preset = catalog.resolve_type("kimi")
    assert (backend.type, preset.name) == ("chatcompletion", "moonshot")
    assert catalog.provider_for_url("https://api.groq.com/openai/v1").name == "groq"
    assert catalog.provider_for_url("https://api.together.xyz/v1").name == "together"
    assert catalog.provider_for_url("https://api.moonshot.ai/v1").name == "moonshot"
    assert catalog.provider_for_url("http://localhost:9999/v1") is None
    assert catalog.resolve_type("claude") == (catalog.backends["claude"], None)
    assert catalog.resolve_type("nope") is None


def test_the_owner_of_a_url_is_found_by_its_host(catalog):
    assert catalog.owner_of_url("https://openrouter.ai/api/v1").api_key_env == ["OPENROUTER_API_KEY"]
    assert catalog.owner_of_url("https://api.z.ai/api/paas/v4/").api_key_env == ["ZAI_API_KEY"]
    assert catalog.owner_of_url("https://open.bigmodel.cn/api/paas/v4/").api_key_env == ["ZAI_API_KEY"]
    assert catalog.owner_of_url("http://localhost:8000/v1") is None


@pytest.mark.parametrize("url", [
    "https://proxy.example/v1?upstream=api.groq.com", "https://api.groq.com.evil.example/v1",
    "https://user:api.groq.com@gateway.example/v1", "https://gateway.example/api.groq.com/v1",
    "https://notgroq.com/v1", "not a url at all",
])
def test_a_domain_outside_the_host_never_claims_a_url(catalog, url):
    assert catalog.owner_of_url(url) is None


def test_provider_table_of_the_page(catalog):
    table = {p.name: (p.base_url, p.api_key_env[0]) for p in catalog.providers.values()}
    assert table == {
        "cerebras": ("https://api.cerebras.ai/v1", "CEREBRAS_API_KEY"),
        "together": ("https://api.together.xyz/v1", "TOGETHER_API_KEY"),
        "fireworks": ("https://api.fireworks.ai/inference/v1", "FIREWORKS_API_KEY"),
        "groq": ("https://api.groq.com/openai/v1", "GROQ_API_KEY"),
        "openrouter": ("https://openrouter.ai/api/v1", "OPENROUTER_API_KEY"),
        "moonshot": ("https://api.moonshot.cn/v1", "MOONSHOT_API_KEY"),
        "nebius": ("https://api.studio.nebius.ai/v1", "NEBIUS_API_KEY"),
        "poe": ("https://api.poe.com/v1", "POE_API_KEY"),
    }


def test_local_servers_and_their_ports(catalog):
    ports = {t: (catalog.backends[t].default_port, catalog.backends[t].base_url) for t in ("lmstudio", "vllm", "sglang")}
    assert ports == {
        "lmstudio": (1234, "http://localhost:1234/v1"),
        "vllm": (8000, None),  # found on loopback (local_server.probe)
        "sglang": (30000, None),
    }
    probes = {t: catalog.backends[t].data["local_server"].get("probe") for t in ("lmstudio", "vllm", "sglang")}
    assert probes == {"lmstudio": None, "vllm": ["vllm", "sglang"], "sglang": ["sglang", "vllm"]}


def test_support_matrix_of_the_page(catalog):
    order = ("web_search", "code_execution", "file_ops", "mcp")
    matrix = {t: tuple(b.capabilities[c] for c in order) for t, b in catalog.backends.items()}
    assert matrix == {
        "claude": ("builtin", "builtin", "mcp", "mcp"),
        "claude_code": ("builtin", "builtin", "builtin", "mcp"),
        "gemini": ("builtin", "builtin", "mcp", "mcp"),
        "openai": ("builtin", "builtin", "mcp", "mcp"),
        "grok": ("builtin", "mcp", "mcp", "mcp"),
        "azure_openai": ("none", "none", "none", "none"),
        "zai": ("none", "mcp", "mcp", "mcp"),
        "chatcompletion": ("varies", "varies", "mcp", "mcp"),
        "lmstudio": ("none", "mcp", "mcp", "limited"),
        "vllm": ("none", "mcp", "mcp", "mcp"),
        "sglang": ("none", "mcp", "mcp", "mcp"),
        "ag2": ("varies", "builtin", "varies", "none"),
    }


def test_tool_flags_of_the_page(catalog):
    flags = ("enable_web_search", "enable_code_execution", "enable_code_interpreter")
    table = {t: tuple(b.tool_flags[f] for f in flags) for t, b in catalog.backends.items()}
    yes, no, na, varies = "supported", "unsupported", "not_applicable", "varies"
    assert table == {
        "claude": (yes, yes, no), "claude_code": (na, na, na), "gemini": (yes, yes, no),
        "openai": (yes, no, yes), "grok": (yes, no, no), "azure_openai": (no, no, no), "zai": (no, no, no),
        "chatcompletion": (varies, varies, varies), "lmstudio": (no, no, no), "vllm": (no, no, no),
        "sglang": (no, no, no), "ag2": (na, na, na),
    }


def test_claude_code_parameters_of_the_page(catalog):
    params = catalog.backends["claude_code"].parameters
    assert params["max_thinking_tokens"]["default"] == 8000
    assert params["disallowed_tools"]["default"] == ["Bash(rm*)", "Bash(sudo*)", "Bash(su*)", "Bash(chmod*)", "Bash(chown*)"]
    assert "bypassPermissions" in params["permission_mode"]["enum"]
    assert params["system_prompt"]["type"] == "string"
    assert catalog.backends["claude_code"].data["native_tools"] == ["Read", "Write", "Edit", "Bash", "Grep", "Glob", "TodoWrite"]


def test_mcp_parameters_on_every_mcp_backend(catalog):
    for backend in catalog.backends.values():
        if backend.capabilities["mcp"] != "none":
            assert {"cwd", "allowed_tools", "disallowed_tools", "exclude_tools", "mcp_servers"} <= set(backend.parameters), backend.type


@pytest.mark.parametrize(
    ("backend", "parameter", "low", "high"),
    [("claude", "temperature", 0, 1), ("openai", "temperature", 0, 2), ("gemini", "temperature", 0, 2),
     ("grok", "temperature", 0, 2), ("chatcompletion", "temperature", 0, 2), ("claude", "top_p", 0, 1)],
)
def test_provider_ranges(catalog, backend, parameter, low, high):
    schema = catalog.backends[backend].parameters[parameter]
    assert (schema["type"], schema["minimum"], schema["maximum"]) == ("number", low, high)


@pytest.mark.parametrize(
    ("backend", "parameters"),
    [
        ("openai", {"reasoning", "text", "max_output_tokens", "top_p"}),
        ("claude", {"thinking", "top_k", "max_tokens"}),
        ("gemini", {"top_k", "thinking_config"}),
        ("vllm", {"top_k", "repetition_penalty", "chat_template_kwargs"}),
        ("sglang", {"top_k", "repetition_penalty", "chat_template_kwargs", "separate_reasoning"}),
        ("azure_openai", {"api_version", "extra_body"}),
        ("grok", {"reasoning", "extra_body"}),
    ],
)
def test_provider_parameters_are_declared(catalog, backend, parameters):
    assert parameters <= set(catalog.backends[backend].parameters)


def test_every_missing_capability_says_how_to_get_it(catalog):
    for backend in catalog.backends.values():
        for flag, support in backend.tool_flags.items():
            if support in ("unsupported", "not_applicable"):
                assert backend.hints.get(flag), f"{backend.type}: no hint for {flag}"
        if backend.capabilities["mcp"] == "none":
            assert backend.hints.get("mcp_servers"), f"{backend.type}: no hint for mcp_servers"
