"""Docs tests never touch the user's catalog cache or the caller's MASSGEN_CATALOG_PATH."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def catalog_cache(tmp_path_factory):
    # One cache for the session: entries are keyed by the files read, so tests cannot see each other's.
    return tmp_path_factory.mktemp("catalog-cache")


@pytest.fixture(autouse=True)
def isolated_catalog_env(catalog_cache, monkeypatch):
    monkeypatch.setenv("MASSGEN_CACHE_DIR", str(catalog_cache))
    monkeypatch.delenv("MASSGEN_CATALOG_PATH", raising=False)
