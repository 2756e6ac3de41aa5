"""Shared pytest set-up. Async tests use anyio's plugin (``@pytest.mark.anyio``) on asyncio."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
RECORDED = SHARED / "fixtures" / "recorded"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
