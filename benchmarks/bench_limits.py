"""Peak memory under hostile input, beside the caps that bound it.

    python benchmarks/bench_limits.py [--cases stream-10MB,stream-100MB,stream-endless,gzip-bomb,validate-1MB,validate-20MB]

Each case runs in a fresh process and reports that process's peak resident memory (ru_maxrss):
- stream-*: one answer streamed by a loopback server (SSE chat-completion chunks, 16 characters of text per
  72 bytes) through ``run_session`` with events dropped: 10 MB, 100 MB, and one that never ends;
- gzip-bomb: a ~4 MB gzip body that would inflate to 4 GB;
- validate-*: ``massgen validate`` on a 1 MB config (one long system message) and a 20 MB one.
Baseline: the same process after its imports, before the case ran. The caps are printed beside:
``max_response`` (templates/requests/http.yaml) and ``MAX_FILE_BYTES`` (massgen/document.py).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EVENT = b'data: {"choices":[{"index":0,"delta":{"content":"xxxxxxxxxxxxxxxx"}}]}\n\n'
DONE = b'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
MB = 1024 * 1024
CASES = ["stream-10MB", "stream-100MB", "stream-endless", "gzip-bomb", "validate-1MB", "validate-20MB"]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


async def _stream_case(size: int | None, bomb: bool) -> str:
    sys.path.insert(0, str(REPO))
    from massgen.config import compile_mapping
    from massgen.errors import MassGenError
    from massgen.session import run_session

    block = EVENT * 1000

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        try:
            if bomb:
                body = _bomb(4 * 1024 * MB)
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-encoding: gzip\r\n"
                             b"content-length: %d\r\n\r\n%s" % (len(body), body))
            else:
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
                sent = 0
                while size is None or sent < size:
                    writer.write(b"%x\r\n%s\r\n" % (len(block), block))
                    sent += len(block)
                    await writer.drain()
                writer.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(DONE), DONE))
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    data = {"agent": {"id": "a", "backend": {"type": "chatcompletion", "model": "m", "api_key": "k", "max_retries": 0,
                                             "base_url": f"http://127.0.0.1:{port}/v1"}}}
    spec = compile_mapping(data, "<bench>").spec
    assert spec is not None
    print(f"baseline {peak_mb():.0f}", flush=True)
    try:
        answer = await run_session(spec, "go", lambda event: None)
        outcome = f"answered, {len(answer):,} characters"
    except MassGenError as exc:
        outcome = f"error: {str(exc)[:90]}"
    server.close()
    return outcome


def _bomb(inflated: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = EVENT * (MB // len(EVENT))
    return b"".join(packer.compress(block) for _ in range(inflated // len(block))) + packer.flush()


def child(case: str) -> None:
    start = time.perf_counter()
    if case.startswith("stream") or case == "gzip-bomb":
        size = {"stream-10MB": 10 * MB, "stream-100MB": 100 * MB}.get(case)
        outcome = asyncio.run(_stream_case(size, case == "gzip-bomb"))
    else:
        raise SystemExit(f"unknown case {case}")
    print(f"peak {peak_mb():.0f}\noutcome {outcome} ({time.perf_counter() - start:.1f} s)", flush=True)


def run_stream(case: str) -> tuple[float, float, str]:
    done = subprocess.run([sys.executable, __file__, "--child", case], capture_output=True, text=True, timeout=900)
    values = dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line)
    if "peak" not in values:
        return 0.0, 0.0, f"failed: {done.stderr.strip()[-200:]}"
    return float(values["baseline"]), float(values["peak"]), values["outcome"]


def _validate_peaks(config: Path) -> tuple[float, float, str]:
    code = ("import resource, sys, time; from massgen.cli import main; import massgen.cli.validate_cmd; "
            "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024; t = time.perf_counter()\n"
            "try:\n    main(['validate', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
            "print(f'\\n@@ {base:.0f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} "
            "{time.perf_counter() - t:.2f}', file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, str(config)], cwd=REPO, capture_output=True, text=True,
                          timeout=900)
    marker = [line for line in done.stderr.splitlines() if line.startswith("@@ ")]
    if not marker:
        return 0.0, 0.0, f"failed: {done.stderr.strip()[-200:]}"
    _, base, peak, seconds = marker[-1].split()
    summary = next((line for line in done.stdout.splitlines() if "error" in line and "[" in line), "")
    summary = summary.split("] ", 1)[-1] if summary else done.stdout.strip().splitlines()[-1]
    return float(base), float(peak), f"{summary[:90]} ({seconds} s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    sys.path.insert(0, str(REPO))
    from massgen.document import MAX_FILE_BYTES
    from massgen.resources import http_facts

    caps = http_facts()["max_response"]
    print(f"caps: max_response.bytes {caps['bytes']:,} ({caps['bytes'] / MB:.0f} MiB), max_response.text "
          f"{caps['text']:,} characters; validate MAX_FILE_BYTES {MAX_FILE_BYTES:,} ({MAX_FILE_BYTES / MB:.0f} MiB)")
    print(f"{'case':<16} {'baseline MB':>11} {'peak MB':>8}  outcome")
    with tempfile.TemporaryDirectory() as folder:
        for case in args.cases.split(","):
            base, peak, outcome = (_validate_peaks_for(case, Path(folder)) if case.startswith("validate")
                                   else run_stream(case))
            print(f"{case:<16} {base:>11.0f} {peak:>8.0f}  {outcome}", flush=True)


def _validate_peaks_for(case: str, folder: Path) -> tuple[float, float, str]:
    size = {"validate-1MB": MB, "validate-20MB": 20 * MB}[case]
    config = folder / f"{case}.yaml"
    head = "agent:\n  id: a\n  system_message: |\n"
    line = "    " + "lorem ipsum " * 8 + "\n"
    with config.open("w") as handle:  # line by line: a child inherits this process's memory at fork
        handle.write(head)
        for _ in range(size // len(line)):
            handle.write(line)
        handle.write("  backend: {type: openai, model: gpt-5-nano}\n")
    return _validate_peaks(config)


if __name__ == "__main__":
    main()
