"""How fast `massgen validate` is, cold and warm.

    python benchmarks/bench_validate.py [--runs 21] [--seconds 3]

Cold: median wall time of N fresh `massgen validate examples/three_agents.yaml` processes, printed beside
bare `python -c pass` measured in the same run (the interpreter's own start-up is the floor).
Warm: configs compiled per second in one process, from text: the bundled examples/ (typical configs,
1 to 3 agents) and the MassGen 0.1.97 corpus (real configs, often long).
Targets: cold median <= 150 ms, warm >= 1,000 configs/s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "examples" / "three_agents.yaml"
CORPUS = REPO / "tests" / "corpus" / "massgen-0.1.97"


def cold(command: list[str], runs: int) -> float:
    """Median milliseconds of ``runs`` fresh processes, after one warm-up run.

    The warm-up fills the OS file cache and writes the bytecode (.pyc) files, as ``pip install`` does:
    PYTHONDONTWRITEBYTECODE is dropped, otherwise every run would recompile massgen from source.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(command, capture_output=True, check=False, env=env, timeout=60)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False, env=env, timeout=60)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def warm(files: list[Path], seconds: float) -> float:
    """Configs per second compiled in-process from their text, cycling through ``files``."""
    from massgen.config import compile_text, default_catalog

    default_catalog()
    texts = [(p.read_text(encoding="utf-8"), str(p)) for p in files]
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for text, name in texts:
            compile_text(text, name)
        count += len(texts)
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()

    validate = [sys.executable, "-m", "massgen.cli", "validate", str(CONFIG)]
    bare = cold([sys.executable, "-c", "pass"], args.runs)
    ours = cold(validate, args.runs)
    examples = sorted((REPO / "examples").glob("*.yaml"))
    corpus = sorted(CORPUS.rglob("*.yaml"))
    typical, real_world = warm(examples, args.seconds), warm(corpus, args.seconds)
    print(f"cold, median of {args.runs} processes:")
    print(f"  python -c pass                        {bare:7.1f} ms")
    print(f"  massgen validate three_agents.yaml    {ours:7.1f} ms   "
          f"(target <= 150 ms; {ours - bare:.1f} ms over bare)")
    print("warm, in-process, configs validated per second:")
    print(f"  examples/ ({len(examples)} typical configs)         {typical:7.0f}      (target >= 1,000)")
    print(f"  MassGen 0.1.97 corpus ({len(corpus)} configs) {real_world:7.0f}      (long prompts and comments)")


if __name__ == "__main__":
    main()
