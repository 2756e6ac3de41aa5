"""The config compiler: MassGen YAML → diagnostics (file:line:col) and a validated RunSpec.

Importing this package stays light: no HTTP client, MCP or jsonschema on the ``massgen validate`` path.
"""

from .compiler import CompileResult, compile_file, compile_mapping, compile_text, default_catalog
from .spec import AgentSpec, RunSpec

__all__ = [
    "AgentSpec",
    "CompileResult",
    "RunSpec",
    "compile_file",
    "compile_mapping",
    "compile_text",
    "default_catalog",
]
