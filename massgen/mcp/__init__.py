"""MCP servers for agents: configuration, tool filtering and the per-run client manager.

``config`` and ``filtering`` are import-light; ``manager`` imports the ``mcp`` SDK only when a server starts.
"""

from .config import McpConfigError, ServerConfig, expand_vars, parse_servers
from .filtering import ToolFilter, offered_name

__all__ = ["McpConfigError", "ServerConfig", "ToolFilter", "expand_vars", "offered_name", "parse_servers"]
