"""Port auto-detection for `vllm` and `sglang` agents without a base_url, against real listening servers.

The catalog's defaults are vLLM 8000 and SGLang 30000; the end-to-end tests move them (a `--catalog` folder
with the bundled files' default_port changed) to free ports, so that they never meet another program's server on
this shared machine. tests/local/test_vllm.py does the same with the real vLLM server.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from massgen.catalog import load_catalog
from massgen.config.routing import local_server
from massgen.engine.local_servers import discover_base_url
from tests.local.helpers import ports_catalog, run_massgen
from tests.local.standins import LocalServer, free_port, sglang_models

CONFIG = "agent:\n  id: local\n  backend: {type: TYPE, model: qwen-sglang}\n"


def ports(backend: str, catalog=None) -> list[tuple[str, int]]:
    catalog = catalog or load_catalog(use_env=False, use_cache=False)
    return [(s["type"], s["port"]) for s in local_server(catalog.backends[backend], catalog)["probe"]]


def test_the_documented_default_ports_in_probing_order() -> None:
    assert ports("vllm") == [("vllm", 8000), ("sglang", 30000)]
    assert ports("sglang") == [("sglang", 30000), ("vllm", 8000)]
    catalog = load_catalog(use_env=False, use_cache=False)
    assert catalog.backends["vllm"].base_url is None and catalog.backends["sglang"].base_url is None


def test_a_vllm_agent_falls_back_to_the_sglang_port(tmp_path: Path) -> None:
    vllm_port, sglang_port = free_port(), free_port()
    catalog = ports_catalog(tmp_path / "catalog", {"vllm": vllm_port, "sglang": sglang_port})
    with LocalServer(sglang_port, "/v1/models", sglang_models("qwen-sglang"), text="hello from SGLang") as server:
        run = run_massgen(CONFIG.replace("TYPE", "vllm"), tmp_path, catalog=catalog)
    assert run.code == 0, run.stdout + run.stderr
    assert run.text() == "hello from SGLang"
    assert (f"massgen: agent 'local': no base_url; found a SGLang server at http://127.0.0.1:{sglang_port}/v1 "
            "(SGLang's default port, serving qwen-sglang)") in run.stderr
    assert [p for m, p, _ in server.requests if m == "POST"] == ["/v1/chat/completions"]


def test_no_server_answering_names_the_ports_tried(tmp_path: Path) -> None:
    vllm_port, sglang_port = free_port(), free_port()
    catalog = ports_catalog(tmp_path / "catalog", {"vllm": vllm_port, "sglang": sglang_port})
    run = run_massgen(CONFIG.replace("TYPE", "sglang"), tmp_path, catalog=catalog)
    assert run.code == 1
    message = run.of_type("error")[0]["message"] if run.of_type("error") else run.stderr
    assert f"no base_url, and no SGLang server answered on 127.0.0.1 at port {sglang_port} (SGLang), {vllm_port} (vLLM)" \
        in message
    assert "add base_url to the config" in message and "Traceback" not in run.stderr


def test_a_server_that_is_not_openai_compatible_is_passed_over(tmp_path: Path) -> None:
    """Something else listening on the vLLM port (a 404 for /v1/models) is not taken for a server."""
    vllm_port, sglang_port = free_port(), free_port()
    catalog = load_catalog([ports_catalog(tmp_path / "catalog", {"vllm": vllm_port, "sglang": sglang_port})], use_env=False, use_cache=False)
    with LocalServer(vllm_port, "/elsewhere", {}), LocalServer(sglang_port, "/v1/models", sglang_models("m")):
        said: list[str] = []
        url = discover_base_url("a", local_server(catalog.backends["vllm"], catalog), say=said.append)
    assert url == f"http://127.0.0.1:{sglang_port}/v1" and "SGLang" in said[0]


def test_the_real_sglang_default_port(tmp_path: Path) -> None:
    """With the bundled catalog: a server on 127.0.0.1:30000 is found for an `sglang` agent (skipped when another
    program holds that port on this machine)."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", 30000))
        except OSError:
            pytest.skip("port 30000 is in use on this machine")
    catalog = load_catalog(use_env=False, use_cache=False)
    with LocalServer(30000, "/v1/models", sglang_models("m")):
        assert discover_base_url("a", local_server(catalog.backends["sglang"], catalog), say=lambda _: None) == \
            "http://127.0.0.1:30000/v1"


def test_an_explicit_base_url_is_never_probed_over(tmp_path: Path) -> None:
    port = free_port()
    with LocalServer(port, "/v1/models", sglang_models("m"), text="explicit") as server:
        run = run_massgen(f"agent:\n  id: a\n  backend: {{type: vllm, base_url: 'http://127.0.0.1:{port}/v1'}}\n",
                          tmp_path)
    assert run.code == 0 and run.text() == "explicit", run.stderr
    assert "found" not in run.stderr and [m for m, _, _ in server.requests] == ["POST"]


def test_explain_shows_the_first_port_without_probing(tmp_path: Path) -> None:
    """`massgen explain` sends nothing: the request it shows goes to the first port that would be tried."""
    import subprocess
    import sys

    vllm_port, sglang_port = free_port(), free_port()
    catalog = ports_catalog(tmp_path / "catalog", {"vllm": vllm_port, "sglang": sglang_port})
    (tmp_path / "c.yaml").write_text(CONFIG.replace("TYPE", "sglang"))
    with LocalServer(sglang_port, "/v1/models", sglang_models("m")) as server:
        done = subprocess.run([sys.executable, "-m", "massgen.cli", "explain", "--catalog", str(catalog),
                               str(tmp_path / "c.yaml")], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"http://127.0.0.1:{sglang_port}/v1/chat/completions" in done.stdout
    assert server.requests == []
