"""Random damage to a capability file gives CatalogError diagnostics (placed in the file), never a crash."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from massgen.catalog.check import check_files
from massgen.catalog.loader import build_catalog
from tests.catalog.test_broken_files import BACKEND

# A small parameters file plus the damaged one: the same checks as load_catalog, much faster.
PARAMETERS = """\
definitions:
  string_list: {type: array, items: {type: string}}
groups:
  core: {model: {type: string}}
  chat_sampling: {temperature: {type: number}}
"""

LINES = BACKEND.splitlines()
PIECES = st.sampled_from([":", "- ", "{", "}", "[", "]", '"', "'", "&a", "*a", "!!python/none", "\t", "  ", "\n",
                          "type", "$ref", "#/definitions/x", "null", "1e400", "-", "?", "%", "@", "\x00", "é"])


@st.composite
def damaged(draw) -> str:
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "insert", "replace"]))
        noise = draw(st.lists(st.one_of(PIECES, st.text(string.printable, max_size=5)), max_size=4))
        if action == "delete" and len(lines) > 1:
            del lines[index]
        elif action == "insert":
            lines.insert(index, "".join(noise))
        else:
            line = lines[index]
            cut = draw(st.integers(0, len(line)))
            lines[index] = line[:cut] + "".join(noise) + line[cut + draw(st.integers(0, 3)):]
    return "\n".join(lines) + "\n"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=damaged())
def test_damaged_file_is_reported_not_raised(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("extra")
    (folder / "mine.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    (folder / "parameters.yaml").write_text(PARAMETERS)
    documents, diagnostics = check_files([(0, folder / "parameters.yaml"), (1, folder / "mine.yaml")])
    for d in diagnostics:
        assert d.file.endswith("mine.yaml")
        assert d.line >= 1 and d.column >= 1 and d.message
    if not diagnostics:
        assert build_catalog(documents).backends
