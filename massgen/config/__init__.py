"""The config compiler: MassGen YAML → diagnostics (file:line:col) and a validated RunPlan.

Importing this package stays light: no HTTP client, MCP or jsonschema on the ``massgen validate`` path.
"""

from .compiler import CompileResult, compile_file, compile_mapping, compile_text, default_catalog
from .plan import AgentPlan, RunPlan

__all__ = [
    "AgentPlan",
    "CompileResult",
    "RunPlan",
    "compile_file",
    "compile_mapping",
    "compile_text",
    "default_catalog",
]
