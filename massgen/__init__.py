"""MassGen backends as data: a configuration compiler, linter, docs generator and runtime.

Kept import-light on purpose: ``massgen validate`` must start fast, so nothing heavy is imported here.
"""

__version__ = "0.2.0.dev0"
