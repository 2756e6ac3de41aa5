"""A real LSP client (pytest-lsp) driving `massgen lsp` over stdio, as an editor does."""

from __future__ import annotations

import pytest_lsp
from lsprotocol import types

from tests.conftest import REPO
from tests.lsp.lsp_client import SERVER, RecordingClient


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: RecordingClient):
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=types.ClientCapabilities(
            text_document=types.TextDocumentClientCapabilities(
                publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
                    related_information=True, version_support=True),
                hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
                completion=types.CompletionClientCapabilities(completion_item=types.ClientCompletionItemOptions(
                    documentation_format=[types.MarkupKind.Markdown])),
                code_action=types.CodeActionClientCapabilities(code_action_literal_support=types.ClientCodeActionLiteralOptions(
                    code_action_kind=types.ClientCodeActionKindOptions(value_set=[types.CodeActionKind.QuickFix]))),
                document_symbol=types.DocumentSymbolClientCapabilities(hierarchical_document_symbol_support=True),
            )),
        root_uri=REPO.as_uri()))
    yield
    await lsp_client.shutdown_session()
    # No handler failed on the way (the server logs a failure instead of crashing).
    assert not [m for m in lsp_client.log_messages if m.type == types.MessageType.Error]

