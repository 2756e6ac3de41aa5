"""With today's catalog the generated page is the reference page, and md shows the same cells as rst."""

from __future__ import annotations

import re

import pytest

from massgen.catalog import load_catalog
from massgen.docs import render_page
from tests.conftest import SHARED
from tests.docs.tables import table_blocks, table_cells

REFERENCE = SHARED / "reference" / "backends.rst"


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    catalog = load_catalog()
    return {fmt: render_page(catalog, fmt) for fmt in ("rst", "md")}


def test_rst_equals_the_reference_page_line_for_line(pages):
    if not REFERENCE.is_file():
        pytest.skip(f"reference page not found at {REFERENCE}")
    expected = [line.rstrip() for line in REFERENCE.read_text(encoding="utf-8").splitlines()]
    assert [line.rstrip() for line in pages["rst"].splitlines()] == expected


def test_markdown_has_the_same_tables_with_the_same_cells(pages):
    rst = {name: table_cells(block, "rst") for name, block in table_blocks(pages["rst"], "rst").items()}
    md = {name: table_cells(block, "md") for name, block in table_blocks(pages["md"], "md").items()}
    assert len(rst) == 16
    assert md == rst


def test_markdown_translates_rst_inline_markup_outside_code_blocks(pages):
    md = pages["md"]
    prose = re.sub(r"^```.*?^```$", "", md, flags=re.MULTILINE | re.DOTALL)
    assert "``" not in prose and ":doc:" not in prose
    assert "`enable_mcp_command_line: true`" in prose
    assert "[../user_guide/backends](../user_guide/backends.md)" in md
    assert '```yaml\nbackend:\n  type: "chatcompletion"' in md  # examples keep their own text
