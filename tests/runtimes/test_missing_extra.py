"""Without its pip extra, each runtime backend is a clear error naming the extra (checked in a fresh
interpreter where the SDK's module is hidden, so the installed SDK cannot leak in)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests.conftest import REPO

SCRIPT = textwrap.dedent(
    """
    import sys
    sys.modules[{module!r}] = None  # as if the package were not installed
    from massgen.backend import create_backend
    from massgen.config.plan import AgentPlan
    from massgen.errors import MissingExtraError
    spec = AgentPlan(id="a", backend_type={protocol!r}, protocol={protocol!r}, model="m", cwd="ws",
                     backend={{"agent_config": {{"name": "x", "llm_config": {{"model": "m"}}}}}})
    try:
        create_backend(spec)
    except MissingExtraError as exc:
        print(exc)
    else:
        print("no error")
    """
)


@pytest.mark.parametrize(
    ("protocol", "module", "package", "extra"),
    [("claude_code", "claude_agent_sdk", "claude-agent-sdk", "massgen[claude-code]"), ("ag2", "autogen", "ag2", "massgen[ag2]")],
)
def test_a_backend_without_its_extra_names_the_extra(protocol: str, module: str, package: str, extra: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(module=module, protocol=protocol)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    message = done.stdout.strip()
    assert f"pip install '{extra}'" in message
    assert protocol in message and repr(package) in message
