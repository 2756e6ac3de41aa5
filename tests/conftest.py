"""Shared pytest set-up. Async tests use anyio's plugin (``@pytest.mark.anyio``) on asyncio."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# the shared folder sits beside the checkout (/work/main) or beside the worktrees' folder (/work/wt/<name>)
SHARED = next((p for p in (REPO.parent / "shared", REPO.parent.parent / "shared") if p.is_dir()), REPO.parent / "shared")
RECORDED = SHARED / "fixtures" / "recorded"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
