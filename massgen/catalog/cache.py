"""The checked catalog, cached as JSON in the user's cache folder.

Parsing ~20 YAML files with positions and checking them against the meta-schema costs ~150 ms; reading
one JSON file costs a few. The key is the massgen version plus the path, size and mtime_ns of every
catalog file, of the meta-schema and of the catalog code, so touching any of them forces a re-check.
An unreadable, corrupt or unwritable cache is silently ignored: the cache only ever saves time.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import __version__
from ..resources import data_dir

CACHE_ENV_VAR = "MASSGEN_CACHE_DIR"
FORMAT = 1
_CODE_DIR = Path(__file__).resolve().parent


def cache_dir() -> Path:
    """``$MASSGEN_CACHE_DIR``, else ``$XDG_CACHE_HOME/massgen``, else ``~/.cache/massgen``."""
    if os.environ.get(CACHE_ENV_VAR):
        return Path(os.environ[CACHE_ENV_VAR])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "massgen"


def _inputs(files: Sequence[Path]) -> list[Path]:
    code = sorted(_CODE_DIR.glob("*.py"))
    return [*files, data_dir("schema") / "capability.schema.json", *code]


def cache_key(files: Sequence[Path]) -> dict[str, Any] | None:
    """What the cached result depends on; None when a file vanished while we looked."""
    try:
        stats = [(str(p), *_size_mtime(p)) for p in _inputs(files)]
    except OSError:
        return None
    return {"format": FORMAT, "massgen": __version__, "files": stats}


def _size_mtime(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def _cache_file(key: dict[str, Any]) -> Path:
    # One file per set of folders, so that an edit overwrites its own entry instead of piling up.
    folders = sorted({str(Path(path).parent) for path, _, _ in key["files"]})
    digest = zlib.crc32("\0".join([__version__, *folders]).encode())
    return cache_dir() / f"catalog-{digest:08x}.json"


def read(key: dict[str, Any]) -> list[Any] | None:
    """The cached documents for this key, or None (missing, stale, corrupt or unreadable)."""
    try:
        with _cache_file(key).open("rb") as handle:
            stored = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("key") != _jsonable(key):
        return None
    documents = stored.get("documents")
    return documents if isinstance(documents, list) else None


def write(key: dict[str, Any], documents: Sequence[Any]) -> None:
    """Store atomically (temp file + rename); any OS error means no cache, never a failure."""
    import tempfile  # only on a miss: it pulls in random and shutil

    target = _cache_file(key)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".catalog-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"key": key, "documents": documents}, handle, separators=(",", ":"))
            os.replace(temp, target)
        except BaseException:
            os.unlink(temp)
            raise
    except OSError:
        return


def _jsonable(value: Any) -> Any:
    """The key as it reads back from JSON (tuples become lists)."""
    return json.loads(json.dumps(value))
