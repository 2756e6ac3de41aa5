"""Catalog load times, side by side: bare interpreter, cold without cache, cache hit.

Each case runs in a fresh interpreter (what `massgen validate` pays on every start), N times. Printed:
the wall time of the whole process (median, min) and, measured inside the child, the time of the
case's own imports and work (median), which is steadier on a busy machine.
Run: python benchmarks/bench_catalog.py [N]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

CASES = {
    "python -c pass": "pass",
    "import massgen.catalog": "import massgen.catalog",
    "load_catalog(), no cache": "from massgen.catalog import load_catalog; load_catalog(use_cache=False)",
    "load_catalog(), cache hit": "from massgen.catalog import load_catalog; load_catalog()",
    "massgen backends": "from massgen.cli import main; main(['backends'], prog_name='massgen', standalone_mode=False)",
}
# The child times its own work and reports it on stderr (stdout may be the command's output).
CHILD = "import time, sys; _t = time.perf_counter()\n{code}\nprint((time.perf_counter() - _t) * 1000, file=sys.stderr)"


def run(code: str, env: dict[str, str], repeat: int) -> tuple[list[float], list[float]]:
    wall, inner = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", CHILD.format(code=code)], env=env, check=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=120)
        wall.append((time.perf_counter() - start) * 1000)
        inner.append(float(done.stderr.strip().splitlines()[-1]))
    return wall, inner


def main() -> None:
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "MASSGEN_CACHE_DIR": cache}
        env.pop("MASSGEN_CATALOG_PATH", None)
        run(CASES["load_catalog(), cache hit"], env, 1)  # fill the cache
        print(f"{'case (fresh interpreter, N=' + str(repeat) + ')':<34} {'wall median':>11} {'wall min':>9} {'own median':>11}")
        for name, code in CASES.items():
            wall, inner = run(code, env, repeat)
            print(f"{name:<34} {statistics.median(wall):>9.1f}ms {min(wall):>7.1f}ms {statistics.median(inner):>9.1f}ms")

    from massgen.catalog import load_catalog

    for label, use_cache in (("in-process, no cache", False), ("in-process, cache hit", True)):
        start = time.perf_counter()
        for _ in range(repeat):
            load_catalog(use_cache=use_cache)
        print(f"{label:<34} {(time.perf_counter() - start) * 1000 / repeat:>9.1f}ms per load")


if __name__ == "__main__":
    main()
