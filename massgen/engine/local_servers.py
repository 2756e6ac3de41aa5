"""Inference servers on the user's machine: finding vLLM / SGLang, and getting LM Studio ready.

Both jobs read a backend's ``local_server`` block (capabilities/backends/*.yaml):

- ``discover_base_url``: an agent of a backend with ``local_server.probe`` and no ``base_url`` looks on loopback
  for an OpenAI-compatible server at the default port of each backend ``probe`` names (resolved into the plan by
  ``massgen.config.routing.local_server``), in order (vLLM 8000,
  SGLang 30000: both may run at once, the reference page's "Mixed Deployment"). A port answers when
  ``GET {url}/models`` (the OpenAI model list both servers serve) returns a list; the first one wins.
- ``prepare_lmstudio`` (before an agent's first request): with ``local_server.manager: lms``, LM Studio's ``lms`` CLI (on PATH) starts the server
  (``lms server start --port P``), downloads a missing model (``lms get MODEL --yes``) and loads it
  (``lms load MODEL``), per LM Studio's CLI docs (docs/cli: server-start, get, load). Without ``lms``, LM
  Studio's REST API (``GET /api/v0/models``, LM Studio 0.3.6+: each model's ``id``, ``type`` and ``state``,
  ``loaded`` or ``not-loaded``) says whether the model is there; a downloaded model that is not loaded is
  loaded by LM Studio on the first request (its just-in-time loading).

What was found or done is said on stderr, one ``massgen:`` line each; what cannot work raises ``ConfigError``
with what was tried and the fix. Only loopback or the configured LM Studio URL is contacted.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConfigError

Say = Callable[[str], None]

PROBE_TIMEOUT = 2.0  # seconds per port: a loopback connect is refused at once; a busy server still answers a list
# LM Studio CLI steps: the server starts in seconds, a load takes as long as reading the model, a download longer
LMS_TIMEOUTS = {"server": 60.0, "load": 600.0, "get": 3600.0}


def say_on_stderr(message: str) -> None:
    sys.stderr.write(f"massgen: {message}\n")
    sys.stderr.flush()


@dataclass(frozen=True)
class Found:
    base_url: str
    owned_by: str | None  # what /models says runs there ("vllm", "sglang"), when all its models say the same
    models: list[str]


def candidate_urls(block: dict[str, Any]) -> list[str]:
    """The base URLs tried, in order: ``block["url"]`` with each probed server's port."""
    return [block["url"].format(port=server["port"]) for server in block.get("probe") or []]


def discover_base_url(agent_id: str, block: dict[str, Any], *, say: Say = say_on_stderr) -> str:
    """The base URL of the first local server answering at the ports ``block["probe"]`` lists.

    ``block`` is the plan's ``local_server``: ``probe`` a list of ``{"type", "title", "port"}`` (the first is the
    agent's own backend), ``url`` like ``http://127.0.0.1:{port}/v1``. Says on stderr which server was found.
    Raises ``ConfigError`` naming every port tried when none answers.
    """
    servers = block.get("probe") or []
    titles = {server["type"]: server["title"] for server in servers}
    for server, url in zip(servers, candidate_urls(block), strict=True):
        found = probe(url)
        if found is not None:
            owner = titles.get(found.owned_by or "")
            what = f"a {owner} server" if owner else "an OpenAI-compatible server"
            served = f", serving {', '.join(found.models)}" if found.models else ""
            say(f"agent {agent_id!r}: no base_url; found {what} at {url} ({server['title']}'s default port{served})")
            return url
    tried = ", ".join(f"{server['port']} ({server['title']})" for server in servers)
    own = servers[0]["title"] if servers else "local"
    raise ConfigError(
        f"agent {agent_id!r}: no base_url, and no {own} server answered on 127.0.0.1 at port {tried}: "
        f"start the server (e.g. `vllm serve MODEL` or `python -m sglang.launch_server --model-path MODEL`) "
        f"or add base_url to the config"
    )


def probe(base_url: str) -> Found | None:
    """``GET {base_url}/models``; a ``Found`` when an OpenAI-style model list comes back, else None."""
    import httpx

    try:
        response = httpx.get(f"{base_url}/models", timeout=PROBE_TIMEOUT)
        body = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return None
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        return None
    entries = [m for m in data if isinstance(m, dict)]
    owners = {str(m["owned_by"]) for m in entries if m.get("owned_by")}
    return Found(base_url, owners.pop() if len(owners) == 1 else None, [str(m["id"]) for m in entries if m.get("id")])


# LM Studio


def prepare_lmstudio(agent_id: str, block: dict[str, Any], base_url: str, model: str | None, *,
                     say: Say = say_on_stderr, lms: str | None = None) -> None:
    """Make LM Studio serve ``model`` at ``base_url``: through ``lms`` when on PATH, else check its REST API.

    ``block`` is the backend's ``local_server`` block (``rest_models``: the REST API's model list path);
    ``lms`` defaults to ``shutil.which("lms")``. Raises ``ConfigError`` when LM Studio cannot be reached and no
    ``lms`` can start it, when an ``lms`` step fails, or (REST only) when ``model`` is not downloaded.
    """
    lms = lms if lms is not None else shutil.which("lms")
    parts = urlsplit(base_url)
    root = f"{parts.scheme}://{parts.netloc}"
    models_url = root + block["rest_models"]
    if lms:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        _lms(agent_id, lms, ["server", "start", "--port", str(port)], "server", say)
    listing = lmstudio_models(models_url)
    if listing is None:
        if lms:
            raise ConfigError(f"agent {agent_id!r}: `lms server start` ran, but LM Studio does not answer at {models_url}")
        raise ConfigError(
            f"agent {agent_id!r}: LM Studio does not answer at {models_url}, and its `lms` command is not on PATH: "
            "start the server in LM Studio (Developer tab, or `lms server start`), or put `lms` on PATH "
            "(it ships with LM Studio: ~/.lmstudio/bin/lms) so MassGen can start it"
        )
    if not lms and not any("state" in m for m in listing):  # LM Studio's entries carry a state
        say(f"agent {agent_id!r}: {root} lists no LM Studio models at {block['rest_models']}; "
            "sending requests without checking the model")
        return
    llms = [m for m in listing if m.get("type") in ("llm", "vlm")] or listing
    if not model:
        loaded = [m["id"] for m in llms if m.get("state") == "loaded"]
        if loaded:
            say(f"agent {agent_id!r}: LM Studio at {root} has {', '.join(loaded)} loaded; it answers with it")
            return
        names = ", ".join(m["id"] for m in llms) or "none"
        raise ConfigError(f"agent {agent_id!r}: LM Studio has no model loaded and the config names none: "
                          f"add `model:` (downloaded: {names})")
    entry = next((m for m in listing if str(m.get("id", "")).lower() == model.lower()), None)
    if entry is None:
        if not lms:
            names = ", ".join(m["id"] for m in llms) or "none"
            raise ConfigError(f"agent {agent_id!r}: model {model!r} is not downloaded in LM Studio (downloaded: {names}): "
                              f"download it with `lms get {model}` or in LM Studio")
        say(f"agent {agent_id!r}: downloading {model} with `lms get`")
        _lms(agent_id, lms, ["get", model, "--yes"], "get", say)
    if entry is not None and entry.get("state") == "loaded":
        say(f"agent {agent_id!r}: LM Studio has {model} loaded")
        return
    if lms:
        _lms(agent_id, lms, ["load", model], "load", say)
        say(f"agent {agent_id!r}: loaded {model} with `lms load`")
    else:
        say(f"agent {agent_id!r}: {model} is downloaded but not loaded; LM Studio loads it on the first request")


def lmstudio_models(models_url: str) -> list[dict[str, Any]] | None:
    """The entries of ``GET /api/v0/models`` (empty when something else answers there); None when nothing does."""
    import httpx

    try:
        response = httpx.get(models_url, timeout=PROBE_TIMEOUT)
    except httpx.HTTPError:
        return None
    try:
        body = response.json() if response.status_code == 200 else None
    except ValueError:
        body = None
    data = body.get("data") if isinstance(body, dict) else None
    return [m for m in data if isinstance(m, dict) and isinstance(m.get("id"), str)] if isinstance(data, list) else []


def _lms(agent_id: str, lms: str, args: list[str], step: str, say: Say) -> None:
    """Run one ``lms`` step without a terminal (stdin closed: a prompt cannot hang it), within its time limit."""
    command = [lms, *args]
    shown = " ".join(["lms", *args])
    try:
        result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                timeout=LMS_TIMEOUTS[step], check=False)
    except subprocess.TimeoutExpired:
        raise ConfigError(f"agent {agent_id!r}: `{shown}` did not finish in {LMS_TIMEOUTS[step]:.0f} s") from None
    except OSError as exc:
        raise ConfigError(f"agent {agent_id!r}: cannot run `{shown}`: {exc.strerror or exc}") from None
    if result.returncode != 0:
        detail = _last_line(result.stderr) or _last_line(result.stdout) or f"exit code {result.returncode}"
        raise ConfigError(f"agent {agent_id!r}: `{shown}` failed: {detail}")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""

