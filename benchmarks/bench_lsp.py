"""`massgen lsp` latency: didChange → publishDiagnostics, and completion, on a 3-agent and a 50-agent config.

Baselines from the same run: the compiler alone (`compile_text` in this process, what the server must at
least spend), and yaml-language-server with `massgen schema` (the editor set-up without our server) when
Node.js and the npm package are installed (`bash scripts/test.sh` installs it under .ci/node).
Targets (issue 16): p95 ≤ 50 ms for 3 agents, ≤ 200 ms for 50.

    .venv/bin/python benchmarks/bench_lsp.py [--rounds 100]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.lsp.stdio_client import StdioClient  # noqa: E402

YAML_LS = ROOT / ".ci" / "node" / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"
AGENT = """  - id: agent{n}
    backend:
      type: {type}
      model: {model}
      temperature: 0.{t}
      enable_web_search: true
"""
BACKENDS = [("claude", "claude-sonnet-4-6"), ("openai", "gpt-5-nano"), ("gemini", "gemini-2.5-flash")]


def config(agents: int, variant: int) -> str:
    body = "".join(AGENT.format(n=n, type=BACKENDS[n % 3][0], model=BACKENDS[n % 3][1], t=(n + variant) % 10)
                   for n in range(agents))
    return f"agents:\n{body}orchestrator:\n  voting_sensitivity: balanced\n"


def measure(command: list[str], agents: int, rounds: int, prefix: str = "") -> tuple[list[float], list[float]]:
    """(didChange → publishDiagnostics, completion) latencies in milliseconds."""
    client = StdioClient(command, cwd=ROOT, configuration={"validate": True, "schemaStore": {"enable": False}})
    folder = Path(tempfile.mkdtemp())
    uri = (folder / "config.yaml").as_uri()
    try:
        client.request("initialize", {"processId": None, "rootUri": folder.as_uri(), "capabilities": {
            "workspace": {"configuration": True}}})
        client.send({"method": "initialized", "params": {}})
        client.send({"method": "workspace/didChangeConfiguration",
                     "params": {"settings": {"yaml": {"validate": True, "schemaStore": {"enable": False}}}}})
        client.send({"method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "yaml", "version": 1, "text": prefix + config(agents, 0)}}})
        client.published(uri)
        changes, completions = [], []
        for version in range(2, rounds + 2):
            text = prefix + config(agents, version)
            start = time.perf_counter()
            client.send({"method": "textDocument/didChange", "params": {
                "textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}})
            client.published(uri)
            changes.append((time.perf_counter() - start) * 1000)
            line = text.splitlines().index("      temperature: 0." + str((1 + version) % 10))
            start = time.perf_counter()
            client.request("textDocument/completion", {"textDocument": {"uri": uri},
                                                       "position": {"line": line, "character": 6}})
            completions.append((time.perf_counter() - start) * 1000)
        return changes, completions
    finally:
        client.close()


def compile_only(agents: int, rounds: int) -> list[float]:
    from massgen.config import compile_text

    times = []
    for version in range(rounds):
        text = config(agents, version)
        start = time.perf_counter()
        compile_text(text, "config.yaml")
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float]) -> str:
    if not times:
        return "-"
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"median {statistics.median(ordered):7.1f} ms   p95 {p95:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    ours = [sys.executable, "-m", "massgen.cli", "lsp"]
    schema_file = Path(tempfile.mkdtemp()) / "massgen.schema.json"
    schema_file.write_text(subprocess.run([*ours[:-1], "schema"], capture_output=True, text=True, check=True,
                                          cwd=ROOT).stdout)
    has_yaml_ls = shutil.which("node") is not None and YAML_LS.exists()
    print(f"{args.rounds} edits and completions per config; times in ms (lower is better)\n")
    for agents, target in ((3, 50), (50, 200)):
        changes, completions = measure(ours, agents, args.rounds)
        print(f"{agents} agents (target p95 ≤ {target} ms)")
        print(f"  massgen lsp         didChange→diagnostics  {summary(changes)}")
        print(f"  massgen lsp         completion             {summary(completions)}")
        print(f"  compile_text alone  (in-process)           {summary(compile_only(agents, args.rounds))}")
        if has_yaml_ls:
            modeline = f"# yaml-language-server: $schema={schema_file.as_uri()}\n"
            theirs, their_completions = measure(["node", str(YAML_LS), "--stdio"], agents, args.rounds, modeline)
            print(f"  yaml-language-server didChange→diagnostics {summary(theirs)}")
            print(f"  yaml-language-server completion            {summary(their_completions)}")
        else:
            print(f"  yaml-language-server: not installed at {YAML_LS} (run bash scripts/test.sh)")
        print()


if __name__ == "__main__":
    main()
