"""The request facts of one agent: its protocol template's defaults under the plan's catalog facts.

The ``request`` facts are layered: the protocol's template defaults, then the backend's ``request:`` block,
then the preset's (the last two already layered in the plan). Mappings merge key by key, anything else
replaces. A ``null`` is kept while layering (``body: {stream_options: null}`` must survive to remove that key
from the rendered body) and read as "nothing" everywhere else.

Everything else — base URL, API key, which parameters go to the provider — is the plan's, decided once by
the compiler (``massgen.config.planner``); this module only refuses to start without what the plan lacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..catalog.model import merge_facts
from ..config.plan import AgentPlan
from ..errors import ConfigError, MissingAPIKeyError
from ..secret import Secret
from .template import load_template


@dataclass(frozen=True)
class Profile:
    protocol: str
    base_url: str
    facts: dict[str, Any]
    client_keys: frozenset[str]  # the catalog's client_params: configure MassGen, never sent
    api_key: Secret | None


def resolve(plan: AgentPlan, *, require_key: bool = True, find_server: bool = True) -> Profile:
    """The agent's request facts; raises ConfigError without a base URL or with one (or a model) that would
    change the request's path, MissingAPIKeyError without a required key (unless ``require_key`` is False:
    ``massgen explain`` shows the request a key would go with).

    A plan without a base URL whose backend runs on the user's machine (``plan.local_server.probe``: vLLM,
    SGLang) gets the first server that answers on loopback; with ``find_server`` False (``explain``, which sends
    nothing) the first one that would be tried."""
    from ..config.request_parts import base_url_problem, model_problem

    defaults, _ = load_template(plan.protocol)
    facts = merge_facts(defaults, plan.request)
    base_url = plan.base_url
    if not base_url and plan.local_server.get("probe"):
        from .local_servers import candidate_urls, discover_base_url

        base_url = discover_base_url(plan.id, plan.local_server) if find_server else candidate_urls(plan.local_server)[0]
    if not base_url:
        where = f" or set {plan.base_url_env}" if plan.base_url_env else ""
        raise ConfigError(f"agent {plan.id!r}: backend {plan.backend_type!r} needs a base_url: add base_url to the config{where}")
    # the linter checks what the config writes; this also catches a value from the environment
    problem = base_url_problem(base_url) or model_problem(plan.model or "")
    if problem:
        raise ConfigError(f"agent {plan.id!r}: {problem}")
    key = plan.api_key
    if key.secret is None and key.required and require_key:
        raise MissingAPIKeyError(key.owner or plan.provider or plan.backend_type, list(key.variables))
    return Profile(
        protocol=plan.protocol,
        base_url=base_url,
        facts=facts,
        client_keys=frozenset(facts.get("client_params") or ()),
        api_key=key.secret,
    )
