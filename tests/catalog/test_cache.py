"""The checked catalog is cached as JSON: hits skip YAML and jsonschema, any change forces a re-check."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from massgen.catalog import CatalogError, load_catalog
from massgen.catalog.cache import cache_dir
from tests.conftest import REPO

PRESET = "name: myprov\ntitle: My provider\nurl_match: [myprov.example]\napi_key_env: [MYPROV_API_KEY]\n"

# Loads the catalog in a fresh interpreter and reports what it had to import.
PROBE = """
import json, sys
from massgen.catalog import load_catalog
extra = sys.argv[1:]
catalog = load_catalog(extra)
print(json.dumps({"heavy": sorted(m for m in ("ruamel.yaml", "jsonschema") if m in sys.modules),
                  "providers": sorted(catalog.providers)}))
"""


def probe(*extra: str) -> dict:
    result = subprocess.run([sys.executable, "-c", PROBE, *extra], capture_output=True, text=True, cwd=REPO,
                            timeout=60, env=os.environ.copy())
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def cache_files() -> list[str]:
    return sorted(p.name for p in cache_dir().glob("catalog-*.json"))


def test_cache_dir_follows_the_environment(tmp_path, monkeypatch):
    assert cache_dir() == tmp_path / "cache"
    monkeypatch.delenv("MASSGEN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "massgen"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "massgen"


def test_miss_then_hit_without_yaml_or_jsonschema():
    first = probe()
    assert first["heavy"] == ["jsonschema", "ruamel.yaml"]
    assert len(cache_files()) == 1
    second = probe()
    assert second["heavy"] == []
    assert second["providers"] == first["providers"]


def test_hit_and_miss_give_the_same_catalog():
    fresh = load_catalog(use_cache=False)
    load_catalog()
    cached = load_catalog()
    assert cached.backends == fresh.backends
    assert cached.providers == fresh.providers
    assert cached.groups == fresh.groups


def test_touching_a_file_reloads_it(tmp_path):
    folder = tmp_path / "extra"
    folder.mkdir()
    preset = folder / "myprov.yaml"
    preset.write_text(PRESET)
    assert "myprov" in probe(str(folder))["providers"]
    assert probe(str(folder))["heavy"] == []
    preset.write_text(PRESET.replace("My provider", "My renamed provider"))
    os.utime(preset, ns=(preset.stat().st_atime_ns, preset.stat().st_mtime_ns + 1_000_000))
    assert probe(str(folder))["heavy"] == ["jsonschema", "ruamel.yaml"]
    assert load_catalog([folder]).provider("myprov").title == "My renamed provider"


def test_a_new_file_and_a_broken_edit_are_seen(tmp_path):
    folder = tmp_path / "extra"
    folder.mkdir()
    load_catalog([folder])
    (folder / "myprov.yaml").write_text(PRESET)
    assert load_catalog([folder]).provider("myprov") is not None
    (folder / "myprov.yaml").write_text(PRESET + "api_key_env: [X]\n")
    with pytest.raises(CatalogError):
        load_catalog([folder])


def test_corrupt_cache_is_ignored_and_rewritten():
    load_catalog()
    (path,) = cache_dir().glob("catalog-*.json")
    path.write_text("{not json")
    assert "claude" in load_catalog().backends
    assert json.loads(path.read_text())["documents"]


def test_damaged_entry_under_a_valid_key_is_rechecked():
    load_catalog()
    (path,) = cache_dir().glob("catalog-*.json")
    stored = json.loads(path.read_text())
    stored["documents"] = [["x", 0, "not a mapping"]]
    path.write_text(json.dumps(stored))
    assert "claude" in load_catalog().backends
    assert len(json.loads(path.read_text())["documents"]) > 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere; an unwritable dir cannot be simulated")
def test_unwritable_cache_dir_falls_back_silently(tmp_path, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    monkeypatch.setenv("MASSGEN_CACHE_DIR", str(locked / "cache"))
    assert "claude" in load_catalog().backends


def test_cache_path_that_is_a_file_falls_back_silently(tmp_path, monkeypatch):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("MASSGEN_CACHE_DIR", str(blocker / "cache"))
    assert "claude" in load_catalog().backends
    assert blocker.read_text().startswith("a file")
