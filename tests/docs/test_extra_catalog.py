"""A backend and a provider preset added as YAML (the user's extra catalog folder) appear in every table."""

from __future__ import annotations

import pytest

from massgen.catalog import load_catalog
from massgen.docs import render_page
from tests.docs.tables import table_blocks, table_cells

ACME = """\
type: acme
title: Acme Cloud
protocol: openai_chat
api_key_env: [ACME_API_KEY]
base_url: https://api.acme.example/v1
models: [acme-1]
capabilities: {web_search: builtin, code_execution: mcp, file_ops: mcp, mcp: limited}
tool_flags: {enable_web_search: supported, enable_code_execution: unsupported, enable_code_interpreter: varies}
parameter_groups: [core, mcp, chat_sampling]
docs:
  matrix_order: 75
  tool_notes: Acme's own search tool
  mcp_note: through the Acme bridge
  section:
    group: api
    title: Acme (Acme Corp)
    rows:
      - [Models, Acme-1]
      - backend_type
      - tools_support
      - mcp_support
"""

ZEPHYR = """\
name: zephyr
title: Zephyr AI
base_url: https://api.zephyr.example/v1
url_match: [zephyr.example]
api_key_env: [ZEPHYR_API_KEY]
models: [zephyr-large]
docs: {order: 45, short_title: Zephyr}
"""

# Joins the vLLM/SGLang row: its port shows up in the shared cells.
TGI = """\
type: tgi
title: TGI
protocol: openai_chat
api_key_required: false
default_port: 8080
base_url: http://localhost:8080/v1
capabilities: {web_search: none, code_execution: mcp, file_ops: mcp, mcp: mcp}
tool_flags: {enable_web_search: unsupported, enable_code_execution: unsupported, enable_code_interpreter: unsupported}
parameter_groups: [core, chat_sampling]
docs:
  matrix_order: 102
  matrix_group: vLLM/SGLang
  tool_notes: Hugging Face inference server
"""


def tables(folder, fmt: str) -> dict[str, list[list[str]]]:
    page = render_page(load_catalog([folder]), fmt)
    return {name: table_cells(block, fmt) for name, block in table_blocks(page, fmt).items()}


@pytest.fixture
def extra(tmp_path):
    folder = tmp_path / "my-catalog"
    (folder / "providers").mkdir(parents=True)
    (folder / "acme.yaml").write_text(ACME)
    (folder / "tgi.yaml").write_text(TGI)
    (folder / "providers" / "zephyr.yaml").write_text(ZEPHYR)
    return folder


@pytest.mark.parametrize("fmt", ["rst", "md"])
def test_new_backend_and_preset_appear_in_every_table(extra, fmt):
    t = tables(extra, fmt)
    matrix = t["Quick Reference: Backend Support Matrix #1"]
    titles = [row[0] for row in matrix]
    acme = matrix[titles.index("**Acme Cloud**")]
    assert acme == ["**Acme Cloud**", "⭐", "✅", "✅", "Limited", "`ACME_API_KEY`"]
    assert titles.index("**Z AI**") < titles.index("**Acme Cloud**") < titles.index("**ChatCompletion**")

    flags = t["Backend-Level Tool Parameters #1"]
    assert ["**acme**", "✅", "❌", "Varies", "Acme's own search tool"] in flags
    assert ["**tgi**", "❌", "❌", "❌", "Hugging Face inference server"] in flags

    section = t["Acme (Acme Corp) #1"]
    assert section == [["**Models**", "Acme-1"], ["**Backend Type**", "`acme`"],
                       ["**Tools Support**", "✅ Web search, file operations"],
                       ["**MCP Support**", "Limited through the Acme bridge"]]

    chat = t["ChatCompletion (Generic OpenAI-Compatible) #1"]
    compatible = dict(chat)["**Compatible Providers**"]
    assert compatible.startswith("Cerebras AI, Together AI, Fireworks AI, Groq, Zephyr AI, OpenRouter, POE")

    providers = [row[0] for row in t["ChatCompletion (Generic OpenAI-Compatible) #2"]]
    assert providers[providers.index("**Groq**") + 1] == "**Zephyr AI**"
    assert ["**Zephyr AI**", "`https://api.zephyr.example/v1`", "`ZEPHYR_API_KEY`"] in \
        t["ChatCompletion (Generic OpenAI-Compatible) #2"]


@pytest.mark.parametrize("fmt", ["rst", "md"])
def test_a_backend_joining_a_matrix_group_shares_its_row_and_section(extra, fmt):
    t = tables(extra, fmt)
    row = next(r for r in t["Quick Reference: Backend Support Matrix #1"] if r[0] == "**vLLM/SGLang**")
    assert row[-1] == "Local server on port 8000/30000/8080"
    assert not any(r[0] == "**TGI**" for r in t["Quick Reference: Backend Support Matrix #1"])
    ports = ["**Port Detection**", "Auto-detection: vLLM (8000), SGLang (30000), TGI (8080)"]
    assert ports in t["vLLM & SGLang #1"]


def test_common_models_and_sections_list_the_new_entries(extra):
    page = render_page(load_catalog([extra]), "rst")
    assert "* **Zephyr**: ``zephyr-large``" in page
    assert "Acme (Acme Corp)\n~~~~~~~~~~~~~~~~\n" in page
    # Alphabetical among the API sections, before the provider section that closes the group.
    assert page.index("Acme (Acme Corp)\n") < page.index("Azure OpenAI\n~") < page.index("ChatCompletion (Generic")
