"""Confinement of file paths to the agent's working directory (plus the context paths it was given).

A path is resolved the way the operating system would follow it (``..`` collapsed, every symlink
followed) and must then lie inside one of the allowed roots; anything else is refused. When roots nest
(a read-only context path inside the cwd), the most specific one decides: writing needs that root to
allow writing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import MassGenError


class PathRefused(MassGenError):
    pass


@dataclass(frozen=True, slots=True)
class Root:
    path: Path
    writable: bool = True


class PathGuard:
    def __init__(self, cwd: str | Path, context_paths: list[Root] | None = None) -> None:
        self.cwd = Path(cwd).resolve()
        self.roots = [Root(self.cwd), *(Root(r.path.resolve(), r.writable) for r in context_paths or ())]

    def resolve(self, path: str, *, write: bool = False) -> Path:
        """The real path of ``path`` (relative to the cwd), or ``PathRefused`` saying why not."""
        candidate = Path(path).expanduser()
        real = (candidate if candidate.is_absolute() else self.cwd / candidate).resolve()
        root = self.root_of(real)
        if root is None:
            raise PathRefused(f"{path!r} is outside the agent's working directory ({self.cwd}); access refused")
        if write and not root.writable:
            raise PathRefused(f"{path!r} is in a read-only context path ({root.path})")
        return real

    def root_of(self, real: Path) -> Root | None:
        """The most specific (longest) root holding ``real``; on a tie the context path, never the cwd."""
        holding = [(len(root.path.parts), index, root) for index, root in enumerate(self.roots)
                   if real.is_relative_to(root.path)]
        return max(holding)[2] if holding else None


def context_roots(entries: list[object] | None) -> list[Root]:
    """MassGen's ``context_paths``: ``{path, permission: read|write}`` entries (or bare strings, read-only)."""
    roots: list[Root] = []
    for entry in entries or ():
        if isinstance(entry, str):
            roots.append(Root(Path(entry), writable=False))
        elif isinstance(entry, dict) and entry.get("path"):
            roots.append(Root(Path(str(entry["path"])), writable=entry.get("permission") == "write"))
    return roots
