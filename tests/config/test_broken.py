"""Every diagnostic code is produced by at least one broken config, at the asserted line and column.

Each file of tests/config/broken/ states what it must produce in `# expect: LINE:COL [SEVERITY] CODE`
comments (severity defaults to error). The compiler must report exactly those, no more and no less.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from massgen.config import compile_file
from tests.conftest import REPO

BROKEN = Path(__file__).parent / "broken"
EXPECT = re.compile(r"#\s*expect:\s*(\d+):(\d+)\s+(?:(error|warning|info)\s+)?([a-z-]+)")


def expectations(path: Path) -> set[tuple[int, int, str, str]]:
    return {(int(m[1]), int(m[2]), m[3] or "error", m[4]) for m in EXPECT.finditer(path.read_text())}


@pytest.mark.parametrize("path", sorted(BROKEN.glob("*.yaml")), ids=lambda p: p.stem)
def test_broken_config(path: Path) -> None:
    expected = expectations(path)
    assert expected, f"{path.name} states no expectation"
    result = compile_file(path)
    found = {(d.line, d.column, d.severity.value, d.code) for d in result.diagnostics}
    assert found == expected
    assert (result.spec is None) == any(sev == "error" for _, _, sev, _ in expected)


def codes_in_source() -> set[str]:
    """Every code the compiler can emit, read from its source (Issue(path, "code", ...) and code="...")."""
    pattern = re.compile(r'Issue\((?:\([^()]*\)|[\w.]+),\s*"([a-z-]+)"|code="([a-z-]+)"|problem\("([a-z-]+)"')
    codes: set[str] = set()
    for source in (REPO / "massgen" / "config").glob("*.py"):
        for match in pattern.finditer(source.read_text()):
            codes.add(next(g for g in match.groups() if g))
    return codes


# Codes exercised by tests/config/test_document.py rather than by a file here (binary, unreadable, huge input),
# and model-retiring, which needs a date still to come (tests/catalog/test_extra_folders.py, fixed catalog).
# api-key-of-another-provider depends on the environment (tests/config/test_key_source.py).
OTHER_TESTS = {"not-yaml", "unreadable-file", "yaml-too-large", "model-retiring", "api-key-of-another-provider"}


def test_every_code_is_exercised() -> None:
    exercised = {code for path in BROKEN.glob("*.yaml") for *_, code in expectations(path)}
    source = codes_in_source()
    assert len(source) > 20
    assert source - exercised - OTHER_TESTS == set()
