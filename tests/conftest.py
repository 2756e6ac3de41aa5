"""Shared pytest set-up. Async tests use anyio's plugin (``@pytest.mark.anyio``) on asyncio.

The tests read the project's shared folder beside the checkout (``../shared``: the recorded provider streams,
the reference docs page); without it the run stops at once with one message naming the folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# the shared folder sits beside the checkout (/work/main) or beside the worktrees' folder (/work/wt/<name>)
SHARED = next((p for p in (REPO.parent / "shared", REPO.parent.parent / "shared") if p.is_dir()), REPO.parent / "shared")
RECORDED = SHARED / "fixtures" / "recorded"


SHARED_NEEDS = (RECORDED, SHARED / "reference")


def pytest_configure(config: pytest.Config) -> None:
    missing = [str(path) for path in SHARED_NEEDS if not path.is_dir()]
    if missing:
        raise pytest.UsageError(
            f"the tests need the shared folder {SHARED} beside the checkout (recorded provider streams in "
            f"fixtures/recorded/, the reference docs in reference/); missing: {', '.join(missing)}. "
            "Put it there, or a symlink to it (see README.md, Set-up)")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
