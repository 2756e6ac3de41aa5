"""AG2 code executors from ``code_execution_config.executor`` as MassGen configs write it.

``type`` names the executor; the other keys are its arguments (a relative ``work_dir`` / ``output_dir`` /
``bind_dir`` lives in the agent's cwd). Each executor lives for the backend's run and is stopped by
``close`` when the backend closes:

- ``LocalCommandLineCodeExecutor``: code runs in a local process (part of ``massgen[ag2]``);
- ``DockerCommandLineCodeExecutor``: one container for the run (AG2 keeps it and removes it when stopped);
  without a Docker engine a ConfigError says so;
- ``JupyterCodeExecutor``: without a ``jupyter_server`` of its own, a local Jupyter kernel gateway is started
  for the run (AG2's ``LocalJupyterServer``; needs ``massgen[ag2-jupyter]``) and the code runs statefully in
  one kernel;
- ``YepCodeCodeExecutor``: YepCode's cloud sandboxes (needs ``massgen[ag2-yepcode]`` and YEPCODE_API_TOKEN).

Source of the arguments: AG2 0.14's ``autogen/coding`` package (one class per executor).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any

from ...errors import ConfigError

# executor type -> (module, pip extra that brings what it needs)
EXECUTORS: dict[str, tuple[str, str]] = {
    "LocalCommandLineCodeExecutor": ("autogen.coding", "ag2"),
    "DockerCommandLineCodeExecutor": ("autogen.coding", "ag2"),
    "JupyterCodeExecutor": ("autogen.coding.jupyter", "ag2-jupyter"),
    "YepCodeCodeExecutor": ("autogen.coding.yepcode_code_executor", "ag2-yepcode"),
}
_DIR_ARGUMENTS = ("work_dir", "output_dir", "bind_dir")

Closer = Callable[[], None]


def code_executor(config: Any, cwd: str | None, closers: list[Closer]) -> Any | None:
    """The executor ``config`` asks for (None without one); what must be stopped at the end joins ``closers``,
    to be called in reverse order."""
    if not config:
        return None
    if not isinstance(config, dict) or not isinstance(config.get("executor"), dict):
        raise ConfigError("ag2: code_execution_config needs an executor mapping with a type, e.g. LocalCommandLineCodeExecutor")
    arguments = dict(config["executor"])
    kind = arguments.pop("type", None)
    if kind not in EXECUTORS:
        raise ConfigError(f"ag2: code executor {kind!r} is not supported; use one of {', '.join(EXECUTORS)}")
    for name in _DIR_ARGUMENTS:
        if name in arguments:
            path = Path(str(arguments[name]))
            arguments[name] = path if path.is_absolute() or cwd is None else Path(cwd) / path
    module_name, extra = EXECUTORS[kind]
    if kind == "JupyterCodeExecutor":
        _jupyter_on_path()
    try:
        module = import_module(module_name)
        if kind == "JupyterCodeExecutor":
            return _jupyter(module, arguments, cwd, closers)
        executor = getattr(module, kind)(**arguments)
    except ImportError:
        raise ConfigError(f"ag2: {kind} needs the optional extra: pip install 'massgen[{extra}]'") from None
    except ConfigError:
        raise
    except Exception as exc:  # ValueError, TypeError, OSError, docker.errors.DockerException, ...
        raise ConfigError(f"ag2: cannot create {kind}: {_reason(kind, exc)}") from None
    if hasattr(executor, "stop"):
        closers.append(executor.stop)
    return executor


def _jupyter(module: Any, arguments: dict[str, Any], cwd: str | None, closers: list[Closer]) -> Any:
    """AG2's JupyterCodeExecutor on a local kernel gateway started for the run (unless one is given)."""
    output_dir = Path(arguments.pop("output_dir", cwd or "."))
    output_dir.mkdir(parents=True, exist_ok=True)
    server = arguments.pop("jupyter_server", None)
    if server is None:
        server = module.LocalJupyterServer(log_file=str(output_dir / "jupyter_gateway.log"))
        closers.append(server.stop)
    executor = module.JupyterCodeExecutor(server, output_dir=output_dir, **arguments)
    closers.append(executor.stop)  # closed last in, first out: the kernel before its gateway
    return executor


def _jupyter_on_path() -> None:
    """AG2 decides at import whether the kernel gateway is installed by running ``jupyter`` from PATH
    (autogen/coding/jupyter/import_utils.py), then starts it as ``sys.executable -m jupyter``: in a virtualenv
    that is not activated the first fails where the second works. Put the interpreter's scripts on PATH."""
    scripts = Path(sys.executable).parent
    if shutil.which("jupyter") is None and (scripts / "jupyter").exists():
        os.environ["PATH"] = os.pathsep.join(p for p in (os.environ.get("PATH"), str(scripts)) if p)


def _reason(kind: str, exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if kind == "DockerCommandLineCodeExecutor":  # e.g. AG2's "Docker is not available. Make sure ..."
        return f"{text} (or use LocalCommandLineCodeExecutor)"
    return text
