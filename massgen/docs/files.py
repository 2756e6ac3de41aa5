"""Generated docs on disk: write them, or tell which committed copies are stale (for CI)."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DIFF_LINES = 40  # enough to see what changed; the fix is always to regenerate


@dataclass(frozen=True)
class Stale:
    path: Path
    diff: str  # a unified diff (committed -> generated), cut to DIFF_LINES; empty when the file is missing

    @property
    def missing(self) -> bool:
        return not self.path.exists()


def write_files(directory: Path, rendered: Mapping[str, str]) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in rendered.items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale_files(directory: Path, rendered: Mapping[str, str]) -> list[Stale]:
    stale = []
    for name, text in rendered.items():
        path = directory / name
        if not path.is_file():
            stale.append(Stale(path, ""))
            continue
        committed = path.read_text(encoding="utf-8")
        if committed != text:
            lines = difflib.unified_diff(committed.splitlines(), text.splitlines(),
                                         f"{path} (committed)", f"{path} (generated)", lineterm="")
            diff = list(lines)
            if len(diff) > DIFF_LINES:
                diff = [*diff[:DIFF_LINES], f"... ({len(diff) - DIFF_LINES} more diff lines)"]
            stale.append(Stale(path, "\n".join(diff)))
    return stale
