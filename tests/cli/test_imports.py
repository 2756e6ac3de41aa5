"""`massgen validate` starts fast because it imports little: no HTTP client, MCP, jsonschema or provider SDK.

Like click's tests/test_imports.py: run the command in a fresh interpreter, then compare the top-level
modules it loaded with the standard library plus an allowlist.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO

RUN_AND_LIST_MODULES = """
import json, sys
from massgen.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
sys.stdout.flush()
print("\\n" + json.dumps(sorted({name.partition(".")[0] for name in sys.modules})))
"""

# Third-party top-level modules the validate path may load (ruamel.yaml.clib is Cython-built).
ALLOWED = {"massgen", "click", "ruamel", "_ruamel_yaml", "cython_runtime", "_distutils_hack"}
# Named explicitly so a failure says what went wrong.
DENIED = {"httpx", "httpcore", "mcp", "jsonschema", "anyio", "openai", "anthropic", "google", "claude_agent_sdk",
          "autogen", "jinja2", "rich", "pydantic", "pygls", "lsprotocol", "cattrs"}


def loaded_modules(*args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", RUN_AND_LIST_MODULES, *args], capture_output=True, text=True,
                          cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def third_party(modules: set[str]) -> set[str]:
    return {m for m in modules if m not in sys.stdlib_module_names and not m.startswith(("_cython", "__editable__"))
            and m != "__main__"}


@pytest.mark.parametrize("args", [
    ("validate", "examples/three_agents.yaml"),
    ("validate", "--format", "json", "tests/config/broken"),
    ("validate", "--diff", "tests/config/broken"),
    ("schema",),
], ids=["validate", "validate-json-broken", "validate-diff", "schema"])
def test_validate_path_imports(args: tuple[str, ...]) -> None:
    modules = loaded_modules(*args)
    assert "massgen" in modules and "click" in modules  # the command really ran
    assert modules & DENIED == set()
    assert third_party(modules) - ALLOWED == set()
