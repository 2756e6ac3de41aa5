"""Catalog load times, side by side: bare interpreter, cold without cache, cache hit.

Each case runs in a fresh interpreter (what `massgen validate` pays on every start), N times; the
median and min are printed. Run: python benchmarks/bench_catalog.py [N]
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


def run(code: str, env: dict[str, str], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], env=env, check=True, stdout=subprocess.DEVNULL, timeout=120)
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "MASSGEN_CACHE_DIR": cache}
        env.pop("MASSGEN_CATALOG_PATH", None)
        run(CASES["load_catalog(), cache hit"], env, 1)  # fill the cache
        print(f"{'case (fresh interpreter each run)':<36} {'median ms':>10} {'min ms':>8}")
        for name, code in CASES.items():
            times = run(code, env, repeat)
            print(f"{name:<36} {statistics.median(times):>10.1f} {min(times):>8.1f}")

    from massgen.catalog import load_catalog

    for label, use_cache in (("in-process, no cache", False), ("in-process, cache hit", True)):
        start = time.perf_counter()
        for _ in range(repeat):
            load_catalog(use_cache=use_cache)
        print(f"{label:<36} {(time.perf_counter() - start) * 1000 / repeat:>10.1f}")


if __name__ == "__main__":
    main()
