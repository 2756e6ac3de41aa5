"""Configuration examples on the page go through the config linter, so the docs never show a config that
``massgen validate`` rejects, nor a preset's base_url with another provider's key or models."""

from __future__ import annotations

import re
import textwrap

from ..catalog import Catalog
from .errors import DocsError

# Examples are ``backend:`` snippets; the linter sees each as the one agent of a config.
EXAMPLE_AGENT = "agent:\n  id: docs-example\n"
_EXAMPLE_OFFSET = EXAMPLE_AGENT.count("\n")
_ENV_REFERENCE = re.compile(r"\$\{(\w+)\}")


def check_example(catalog: Catalog, where: str, text: str) -> None:
    """Raise DocsError (prefixed with ``where``) if the example would not validate or run as shown."""
    from ..config.compiler import compile_text

    result = compile_text(EXAMPLE_AGENT + textwrap.indent(text, "  "), where, catalog)
    errors = [d for d in result.diagnostics if d.is_error]
    if errors or result.spec is None:
        problems = "; ".join(f"line {d.line - _EXAMPLE_OFFSET}: {d.message}" for d in errors)
        raise DocsError(f"{where}: the example does not pass `massgen validate`: {problems}")
    agent = result.spec.agents[0]
    preset = catalog.provider(agent.provider) if agent.provider else None
    if preset is None:
        return
    key = _ENV_REFERENCE.fullmatch(str(agent.backend.get("api_key", "")))
    if key and key.group(1) not in preset.api_key_env:
        raise DocsError(f"{where}: the example's api_key ${{{key.group(1)}}} is not an API key variable of "
                        f"{preset.title} ({', '.join(preset.api_key_env)}), whose base_url it uses")
    if preset.models and agent.model not in preset.models:
        raise DocsError(f"{where}: the example's model {agent.model!r} is not one of {preset.title}'s models")
