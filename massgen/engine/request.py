"""Turn a conversation into one HTTP request: codec → context → protocol template → serialized once."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..catalog.model import merge_facts
from ..config.plan import AgentPlan
from ..conversation import Message, ToolSpec
from ..errors import ConfigError
from .codecs import CODECS
from .profile import Profile
from .template import OMIT, load_template, render_value
from .tools import fit_tools


@dataclass
class HTTPRequest:
    method: str
    url: str
    query: dict[str, str]
    headers: dict[str, str] = field(repr=False)  # carries the API key
    body: dict[str, Any]
    content: bytes = field(repr=False)


def build_request(profile: Profile, spec: AgentPlan, messages: list[Message], tools: list[ToolSpec]) -> HTTPRequest:
    facts = profile.facts
    model = spec.model or ""
    context = CODECS[profile.protocol].render(messages, fit_tools(tools, facts, f"agent {spec.id!r}"))
    settings = {**spec.parameter_defaults, **spec.settings_env, **spec.params}
    params, header_values = _params(profile, spec, model)
    context.update(model=model, base_url=profile.base_url, params=params, settings=settings, omit=OMIT)
    builtin_tools, builtin_headers, builtin_body = _builtin_tools(profile, spec, context)
    context["tools"] = context["tools"] + builtin_tools

    form = _url_form(facts.get("urls") or [], profile.base_url)
    context["url"] = render_value(form["url"], context)
    context["query"] = render_value(form.get("query", {}), context)
    context["headers"] = _join_headers(facts.get("headers") or {}, builtin_headers, header_values)

    _, template = load_template(profile.protocol)
    rendered = template(context)
    body = merge_facts(merge_facts(rendered["body"], builtin_body), facts.get("body") or {}, drop_nulls=True)
    body.update(spec.params.get("extra_body") or {})  # extra_body is passed through as the SDKs do
    headers = {k.lower(): str(v) for k, v in rendered["headers"].items()}
    auth = facts.get("auth") or {}
    if profile.api_key and auth.get("header"):
        headers[auth["header"]] = f"{auth.get('prefix', '')}{profile.api_key.reveal()}"
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    query = {k: str(v) for k, v in rendered["query"].items()}
    return HTTPRequest(rendered["method"], rendered["url"], query, headers, body, content)


def _params(profile: Profile, spec: AgentPlan, model: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The provider parameters to send: defaults, model rules, renames (dotted paths nest), header params."""
    facts = profile.facts
    header_params = facts.get("header_params") or {}
    consumed = profile.client_keys | set(header_params) | set(facts.get("builtin_tools") or {})
    params = {k: v for k, v in spec.params.items() if k not in consumed}
    for key, value in (facts.get("defaults") or {}).items():
        if value is not None:
            params.setdefault(key, value)
    renames = dict(facts.get("rename") or {})
    for rule in facts.get("model_rules") or []:
        if re.search(rule["match"], model.lower()):
            renames.update(rule.get("rename", {}))
            for key in rule.get("drop", []):
                params.pop(key, None)
    body: dict[str, Any] = {}
    for key, value in params.items():
        if facts.get("camel_case_values") and isinstance(value, dict):
            value = {_camel(k): v for k, v in value.items()}
        rule = renames.get(key, key)
        if isinstance(rule, str):
            rule = {"to": rule}
        if value is True and "when_true" in rule:
            value = rule["when_true"]
        if rule.get("upper") and isinstance(value, str):
            value = value.upper()
        _set_path(body, rule["to"], value)
        for path, extra in (rule.get("set") or {}).items():
            _set_path(body, path, extra)
    headers = {header: ",".join(spec.params[p]) if isinstance(spec.params[p], list) else str(spec.params[p])
               for p, header in header_params.items() if spec.params.get(p)}
    return body, headers


def _builtin_tools(
    profile: Profile, spec: AgentPlan, context: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, str]], dict[str, Any]]:
    """Tools, headers and body fields of the enabled built-in tools (templates: options come from ``settings``).

    ``builtin_tools`` is keyed by a tool flag (``enable_web_search``) or a backend parameter that switches a
    provider tool on (grok's ``enable_x_search``); such a parameter is consumed here, never sent as is.
    """
    tools: list[dict[str, Any]] = []
    headers: list[dict[str, str]] = []
    body: dict[str, Any] = {}
    available = profile.facts.get("builtin_tools") or {}
    for flag, enabled in spec.tool_flags.items():
        if enabled and available.get(flag) is None:
            name = spec.provider or spec.backend_type
            raise ConfigError(f"agent {spec.id!r}: {name!r} has no built-in tool for {flag}; remove it from the config")
    for flag, entry in available.items():  # in the catalog's order, so requests are stable
        if not (spec.tool_flags.get(flag) or spec.params.get(flag)) or entry is None:
            continue
        entry = render_value(entry, context)
        tools += entry.get("tools") or []
        headers.append(entry.get("headers") or {})
        body = merge_facts(body, entry.get("body") or {})
    return tools, headers, body


def _join_headers(*sources: Any) -> dict[str, str]:
    """Static headers, built-in tool headers and header params; repeated names (anthropic-beta) join with commas."""
    joined: dict[str, str] = {}
    for source in sources:
        for headers in source if isinstance(source, list) else [source]:
            for name, value in headers.items():
                if value is None:  # a preset removing a header its backend sets
                    joined.pop(name.lower(), None)
                    continue
                name = name.lower()
                joined[name] = f"{joined[name]},{value}" if name in joined and str(value) not in joined[name] else str(value)
    return joined


def _url_form(forms: list[dict[str, Any]], base_url: str) -> dict[str, Any]:
    for form in forms:
        if "match" not in form or re.search(form["match"], base_url):
            return form
    raise ConfigError(f"no request URL form matches base_url {base_url!r}")


def _set_path(target: dict[str, Any], path: str, value: Any) -> None:
    """Set a dotted path; mappings already there merge (thinking_config then include_thoughts)."""
    *parents, leaf = path.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    current = target.get(leaf)
    target[leaf] = merge_facts(current, value) if isinstance(current, dict) and isinstance(value, dict) else value


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
