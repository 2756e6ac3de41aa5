"""MCP servers for agents: tool filtering, the stdio transport and the per-run client manager.

Server entries are normalised by ``massgen.config.mcp_servers`` (one normaliser for the linter and both
runtimes; re-exported here). ``filtering`` is import-light; ``manager`` imports the ``mcp`` SDK only when a
server starts.
"""

from ..config.mcp_servers import McpConfigError, McpServer, parse_servers
from .filtering import ToolFilter, offered_name

__all__ = ["McpConfigError", "McpServer", "ToolFilter", "offered_name", "parse_servers"]
