"""Helpers for the language-server tests: a pytest-lsp client that records every publishDiagnostics."""

from __future__ import annotations

import sys
from pathlib import Path

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

TIMEOUT = 30.0


class RecordingClient(LanguageClient):
    """Keeps every publishDiagnostics in order (pytest-lsp's client keeps only the last per document)."""

    published: list[types.PublishDiagnosticsParams]


def make_client() -> RecordingClient:
    client = RecordingClient(converter_factory=default_converter)
    client.published = []

    def publish(client: RecordingClient, params: types.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        client.published.append(params)

    register_lsp_features(client, {**DEFAULT_CLIENT_FEATURES, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish})
    return client


SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "massgen.cli", "lsp", "--stdio"],
                            client_factory=make_client)


async def open_document(client: RecordingClient, path: Path, text: str, version: int = 1) -> list[types.Diagnostic]:
    """didOpen, then the diagnostics published for that version."""
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="yaml", version=version, text=text)))
    return await diagnostics_of(client, uri, version)


async def diagnostics_of(client: RecordingClient, uri: str, version: int) -> list[types.Diagnostic]:
    import asyncio

    async def wait() -> list[types.Diagnostic]:
        while True:
            for params in reversed(client.published):
                if params.uri == uri and params.version == version:
                    return list(params.diagnostics)
            await asyncio.sleep(0.01)

    return await asyncio.wait_for(wait(), TIMEOUT)


def change(client: RecordingClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


def at(text: str, marker: str, after: int = 0) -> types.Position:
    """The position of ``marker`` in ``text`` (plus ``after`` characters), for ASCII text."""
    index = text.index(marker) + after
    line = text.count("\n", 0, index)
    return types.Position(line=line, character=index - (text.rfind("\n", 0, index) + 1))
