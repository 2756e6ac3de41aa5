"""Backends that are not plain HTTP APIs: Claude Code (through the Claude Agent SDK) and AG2.

Each lives behind the same ``massgen.backend.Backend`` interface as the HTTP engine and is an optional
extra: its SDK is imported only when such a backend is created, so the base install stays light.
"""
