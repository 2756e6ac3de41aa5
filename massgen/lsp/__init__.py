"""``massgen lsp``: a Language Server Protocol server for MassGen configs, over stdio (pygls + lsprotocol).

Diagnostics, completion, hover, code actions and document symbols all come from the compiler and the
capability catalog (see ``server``); ``massgen validate`` never imports this package.
"""

from .server import MassGenServer, create_server

__all__ = ["MassGenServer", "create_server"]
