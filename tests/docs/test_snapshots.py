"""A syrupy snapshot guards each rendered table, in both formats."""

from __future__ import annotations

import pytest

from massgen.catalog import load_catalog
from massgen.docs import render_page
from tests.docs.tables import table_blocks


@pytest.mark.parametrize("fmt", ["rst", "md"])
def test_each_rendered_table_matches_its_snapshot(fmt, snapshot):
    blocks = table_blocks(render_page(load_catalog(), fmt), fmt)
    assert len(blocks) == 16
    for name, block in blocks.items():
        assert block == snapshot(name=f"{fmt}: {name}")
