"""Docs tests never touch the user's catalog cache or the caller's MASSGEN_CATALOG_PATH."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def isolated_catalog_env(tmp_path, monkeypatch):
    monkeypatch.setenv("MASSGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("MASSGEN_CATALOG_PATH", raising=False)
