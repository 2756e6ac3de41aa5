"""Where an agent's requests go and which key goes with them, decided once (the plan holds the answers).

``resolve_base_url`` picks the base URL; ``route_api_key`` the key. The key rules, in order (the official SDKs behave the same way for their own provider):

1. ``api_key:`` in the config (a literal, or ``${VAR}``) is sent wherever ``base_url`` points.
2. Otherwise the key is implicit, and an implicit key only goes to the hosts of the provider it belongs to:
   - ``type: <preset>`` (``cerebras``) uses the preset's variables;
   - a provider's own backend type (``openai``, ``claude``, ``zai``…) uses its variables, even with an explicit
     ``base_url`` (a proxy of that provider);
   - a ``key_follows_host`` backend (``chatcompletion``) uses the variables of the provider that owns
     ``base_url``'s host (``api.z.ai`` → ``ZAI_API_KEY``), and on a host no catalog entry claims, none: a
     gateway that wants the OpenAI key says ``api_key: ${OPENAI_API_KEY}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote, unquote

from ..catalog import BackendDef, Catalog, ProviderDef
from ..catalog.model import merge_facts
from ..secret import Secret
from .envvars import REFERENCE

KeyOrigin = Literal["config", "env", "mock", "none"]
MOCK_SOURCE = "mock"  # base_url_source and api_key source of an agent answered by the local mock server
_MOCK_PREFIX = "/mock/"  # a mocked agent's base URL is the server's address + /mock/<agent id>


@dataclass(frozen=True, slots=True)
class MockRoute:
    """Which agents the local mock server answers (``massgen run --mock``: all; else those whose backend says
    ``mock: true``) and its address: ``address()`` returns ``http://127.0.0.1:PORT``, starting the server on
    first use (the CLI's ``massgen.mock.LazyMockServer``)."""

    address: Callable[[], str]
    every_agent: bool = False


def wants_mock(backend: Mapping[str, Any], route: MockRoute | None) -> bool:
    """Whether this backend's requests go to the mock server: ``mock: true`` in the config, or ``--mock``."""
    return backend.get("mock") is True or (route is not None and route.every_agent)


def mock_base_url(address: str, agent_id: str) -> str:
    """The base URL of a mocked agent: the path names the agent, so the mock can play its part."""
    return f"{address}{_MOCK_PREFIX}{quote(agent_id, safe='')}"


def mocked_agent(path: str) -> str | None:
    """The agent id a request path of ``mock_base_url`` names, or None."""
    if not path.startswith(_MOCK_PREFIX):
        return None
    return unquote(path[len(_MOCK_PREFIX):].split("/", 1)[0]) or None


@dataclass(frozen=True, slots=True)
class APIKey:
    """An agent's API key and where it comes from.

    ``origin``: ``config`` (``api_key:`` in the config; ``variable`` names its ``${VAR}`` if it is one),
    ``env`` (``variable`` is the set environment variable) or ``none``. ``variables`` are the environment
    variables the implicit key is looked up in, in order; ``owner`` is the provider they belong to (None when
    ``base_url`` is on a host no catalog entry claims). ``required``: a run without a key cannot start.
    ``withheld``: the agent's own provider, whose key is not sent because ``base_url`` is ``owner``'s host.
    """

    origin: KeyOrigin
    secret: Secret | None = None
    variable: str | None = None
    variables: tuple[str, ...] = ()
    owner: str | None = None
    required: bool = False
    withheld: str | None = None  # the agent's own provider, when base_url is on another provider's host

    def describe(self) -> str:
        """Where the key comes from, for people (never the value)."""
        if self.origin == "config":
            return f"api_key: ${{{self.variable}}} in the config" if self.variable else "api_key in the config"
        if self.origin == "env":
            return f"the environment variable {self.variable}"
        if self.origin == "mock":
            return "none needed: the local mock server answers (`--mock` or `mock: true`)"
        if self.variables:
            return f"none: {' or '.join(self.variables)} not set"
        return self.route()

    def route(self) -> str:
        """Where the key is looked for, independent of what is set now (the linter's message)."""
        if self.origin in ("config", "mock"):
            return self.describe()
        if self.variables:
            optional = "" if self.required else " (optional)"
            return f"the environment variable {' or '.join(self.variables)}{optional}"
        if self.withheld:
            return (f"none: this host belongs to `{self.owner}`, and `{self.withheld}`'s key is never sent to "
                    "another provider's host")
        return "none: this host belongs to no known provider, so no implicit key is sent"

    @property
    def source(self) -> str:
        """A stable, short name of the source: ``config``, ``config:VAR``, ``env:VAR``, ``mock`` or ``none``."""
        if self.origin in ("none", "mock"):
            return self.origin
        return f"{self.origin}:{self.variable}" if self.variable else self.origin


def request_facts(definition: BackendDef, preset: ProviderDef | None) -> dict[str, Any]:
    """The catalog's request facts of a backend and its preset: their ``request:`` blocks, layered."""
    return merge_facts(definition.request, preset.request) if preset else dict(definition.request)


def resolve_endpoint(definition: BackendDef, preset: ProviderDef | None, backend: Mapping[str, Any],
                     written: Mapping[str, Any], catalog: Catalog,
                     environ: Mapping[str, str]) -> tuple[str | None, str, APIKey]:
    """(base URL, where it came from, the key): the one resolution the linter and the planner share.
    ``backend`` is the mapping with ``${VAR}`` expanded (the URL), ``written`` as the config wrote it (the key)."""
    base_url, source = resolve_base_url(definition, preset, backend, request_facts(definition, preset), environ)
    return base_url, source, route_api_key(definition, preset, written, base_url, catalog, environ)


def resolve_base_url(definition: BackendDef, preset: ProviderDef | None, backend: Mapping[str, Any],
                     request: Mapping[str, Any], environ: Mapping[str, str]) -> tuple[str | None, str]:
    """(base URL without a trailing slash, where it came from), in this order: the config's ``base_url``; a
    parameter naming the same thing (the catalog's ``base_url_params``, Azure's ``azure_endpoint``); the
    backend's ``base_url_env`` variable; the preset's URL; the backend's default. (None, "none") when none."""
    candidates: list[tuple[Any, str]] = [(backend.get("base_url"), "config")]
    candidates += [(backend.get(name), f"config:{name}") for name in request.get("base_url_params") or ()]
    if definition.base_url_env:
        candidates.append((environ.get(definition.base_url_env), f"env:{definition.base_url_env}"))
    if preset is not None:
        candidates.append((preset.base_url, f"preset:{preset.name}"))
    candidates.append((definition.base_url, "catalog"))
    for url, source in candidates:
        if isinstance(url, str) and url:
            return url.rstrip("/"), source
    return None, "none"


def local_server(definition: BackendDef, catalog: Catalog) -> dict[str, Any]:
    """The backend's ``local_server`` block with ``probe`` resolved: ``[{"type", "title", "port"}, ...]``, the
    servers whose default ports are tried on loopback, in order, when the agent has no base URL (the engine's
    ``local_servers`` does the trying, at run time). Names that are no backend with a ``default_port`` are left
    out (the run's message lists the ports it tried). Empty when the backend has no such block."""
    block = dict(definition.data.get("local_server") or {})
    if "probe" in block:
        known = [catalog.backends.get(name) for name in block["probe"]]
        block["probe"] = [{"type": b.type, "title": b.title, "port": b.default_port}
                          for b in known if b is not None and b.default_port is not None]
    return block


def implicit_key_owner(definition: BackendDef, preset: ProviderDef | None, base_url: str | None,
                       catalog: Catalog) -> tuple[str | None, tuple[str, ...], bool, str | None]:
    """(owner, variables, required, withheld) of the key an agent uses when its config names none.

    ``withheld`` names the agent's own provider when ``base_url`` is on a host another provider claims:
    its key is not sent there (and that provider's neither: the config must name the key it means)."""
    host = catalog.owner_of_url(base_url) if base_url else None
    host_name = None if host is None else host.name if isinstance(host, ProviderDef) else host.type
    if preset is not None and preset.api_key_env:
        own: tuple[str, tuple[str, ...], bool] | None = (preset.name, tuple(preset.api_key_env), True)
    elif not definition.key_follows_host:
        own = (definition.type, tuple(definition.api_key_env), definition.api_key_required)
    else:
        own = None
    if own is None:  # a generic endpoint: the host's provider, or no key on a host nobody claims
        return (host_name, tuple(host.api_key_env), True, None) if host is not None else (None, (), False, None)
    if host_name is not None and host_name != own[0] and own[1]:
        return host_name, (), False, own[0]
    return (*own, None)  # its own host, or a proxy on a host nobody claims (as the provider's SDK does)


def route_api_key(definition: BackendDef, preset: ProviderDef | None, raw_backend: Mapping[str, Any],
                  base_url: str | None, catalog: Catalog, environ: Mapping[str, str]) -> APIKey:
    """The agent's key: ``raw_backend`` is its backend mapping as written (``${VAR}`` not yet expanded)."""
    owner, variables, required, withheld = implicit_key_owner(definition, preset, base_url, catalog)
    written = raw_backend.get("api_key")
    if isinstance(written, str) and written:
        whole = REFERENCE.fullmatch(written.strip())
        # surrounding whitespace (`api_key: |` adds a newline) is never part of a key, and no header may carry it
        value = REFERENCE.sub(lambda m: environ.get(m.group(1), m.group(0)), written).strip()
        return APIKey("config", Secret(value), whole.group(1) if whole else None, variables, owner, required, withheld)
    variable = next((name for name in variables if environ.get(name)), None)
    if variable is not None:
        return APIKey("env", Secret(environ[variable].strip()), variable, variables, owner, required, withheld)
    return APIKey("none", None, None, variables, owner, required, withheld)
