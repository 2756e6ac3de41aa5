"""The language server: pygls over stdio, every answer computed by the compiler and the catalog.

Diagnostics are ``compile_text``'s, the same list ``massgen validate --format json`` prints for the same text
(codes, severities, messages, ranges; each hint as related information). Compiling runs on one worker
thread; while it runs, newer edits only mark the document dirty, and a result is published only if the
document still has the version it was compiled from, so an older result never replaces a newer one.
Code actions are the compiler's fixes (``Diagnostic.fixes``) placed by ``massgen.config.fixes``, the same
edits ``massgen validate --fix`` applies. A failing handler answers nothing and logs the exception's type
and place, never the document's text.
"""

from __future__ import annotations

import asyncio
import functools
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from .. import __version__
from ..catalog import Catalog
from ..config.compiler import compile_text
from ..config.fixes import text_edit
from ..diagnostics import Diagnostic, Severity
from ..document import Document, load_document
from .features import agents_outline, complete, hover
from .knowledge import Knowledge
from .positions import Positions

SOURCE = "massgen"
_SEVERITY = {Severity.ERROR: types.DiagnosticSeverity.Error, Severity.WARNING: types.DiagnosticSeverity.Warning,
             Severity.INFO: types.DiagnosticSeverity.Information}
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(slots=True)
class Compiled:
    """One version of a document, compiled: what code actions are computed from."""

    version: int | None
    text: str
    diagnostics: list[Diagnostic]
    document: Document | None


class MassGenServer(LanguageServer):
    def __init__(self, catalog: Catalog) -> None:
        super().__init__("massgen", __version__)
        self.catalog = catalog
        self.knowledge = Knowledge(catalog)
        self.compiler = ThreadPoolExecutor(max_workers=1, thread_name_prefix="massgen-compile")
        self.dirty: set[str] = set()
        self.running: dict[str, asyncio.Task[None]] = {}
        self.compiled: dict[str, Compiled] = {}

    # -- diagnostics ---------------------------------------------------------------------------------

    def lint(self, uri: str) -> None:
        """Ask for fresh diagnostics of ``uri``; at most one compile per document runs at a time."""
        self.dirty.add(uri)
        task = self.running.get(uri)
        if task is None or task.done():
            self.running[uri] = asyncio.get_running_loop().create_task(self._lint_until_clean(uri))

    async def _lint_until_clean(self, uri: str) -> None:
        loop = asyncio.get_running_loop()
        while uri in self.dirty:
            self.dirty.discard(uri)
            document = self.workspace.text_documents.get(uri)
            if document is None:
                return
            text, version = document.source, document.version
            filename = to_fs_path(uri) or uri
            compiled = await loop.run_in_executor(self.compiler, self._compile, text, version, filename)
            current = self.workspace.text_documents.get(uri)
            if current is None or current.version != version:
                continue  # an edit arrived meanwhile: it marked the document dirty, so compile again
            self.compiled[uri] = compiled
            self.publish(uri, compiled)

    def _compile(self, text: str, version: int | None, filename: str) -> Compiled:
        diagnostics = compile_text(text, filename, self.catalog).diagnostics
        document = load_document(text, filename)[0] if any(d.fixes for d in diagnostics) else None
        return Compiled(version, text, diagnostics, document)

    def publish(self, uri: str, compiled: Compiled) -> None:
        positions = Positions(compiled.text, self.encoding)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=compiled.version,
            diagnostics=[to_lsp(d, uri, positions) for d in compiled.diagnostics]))

    def forget(self, uri: str) -> None:
        self.dirty.discard(uri)
        self.compiled.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @property
    def encoding(self) -> str:
        return str(self.workspace.position_encoding or types.PositionEncodingKind.Utf16)

    def positions(self, uri: str) -> Positions | None:
        document = self.workspace.text_documents.get(uri)
        return Positions(document.source, self.encoding) if document is not None else None

    # -- code actions --------------------------------------------------------------------------------

    def code_actions(self, uri: str, wanted: types.Range) -> list[types.CodeAction]:
        document = self.workspace.text_documents.get(uri)
        compiled = self.compiled.get(uri)
        if document is None or compiled is None or compiled.version != document.version or not compiled.document:
            return []
        positions = Positions(compiled.text, self.encoding)
        actions = []
        for diagnostic in compiled.diagnostics:
            lsp_diagnostic = to_lsp(diagnostic, uri, positions)
            if not _overlaps(lsp_diagnostic.range, wanted):
                continue
            for fix in diagnostic.fixes:
                edit = text_edit(compiled.text, compiled.document, diagnostic, fix)
                if edit is None:
                    continue
                change = types.TextEdit(range=types.Range(
                    start=positions.to_client(positions.offset(*edit.start)),
                    end=positions.to_client(positions.offset(*edit.end))), new_text=edit.new_text)
                actions.append(types.CodeAction(
                    title=fix.title, kind=types.CodeActionKind.QuickFix, diagnostics=[lsp_diagnostic],
                    is_preferred=fix.safe, edit=types.WorkspaceEdit(changes={uri: [change]})))
        return actions


def to_lsp(d: Diagnostic, uri: str, positions: Positions) -> types.Diagnostic:
    end_line = d.end_line if d.end_line is not None else d.line
    end_column = d.end_column if d.end_column is not None else d.column
    where = positions.client_range(d.line, d.column, end_line, end_column)
    related = [types.DiagnosticRelatedInformation(location=types.Location(uri=uri, range=where),
                                                  message=f"hint: {d.hint}")] if d.hint else None
    return types.Diagnostic(range=where, message=d.message, severity=_SEVERITY[d.severity], code=d.code,
                            source=SOURCE, related_information=related, data={"path": d.path})


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return (p.line, p.character)
    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def guarded(server: MassGenServer, name: str) -> Callable[[F], F]:
    """Answer None instead of failing: log the exception's type and where it was raised, no values."""
    def wrap(handler: F) -> F:
        @functools.wraps(handler)
        def run(*args: Any) -> Any:
            try:
                return handler(*args)
            except Exception as exc:  # never let one request take the server down
                frame = traceback.extract_tb(exc.__traceback__)[-1]
                server.window_log_message(types.LogMessageParams(
                    type=types.MessageType.Error,
                    message=f"massgen lsp: {name} failed: {type(exc).__name__} at {frame.filename}:{frame.lineno}"))
                return None
        return run  # type: ignore[return-value]
    return wrap


def create_server(catalog: Catalog) -> MassGenServer:
    server = MassGenServer(catalog)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    @guarded(server, "didOpen")
    def did_open(ls: MassGenServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.lint(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    @guarded(server, "didChange")
    def did_change(ls: MassGenServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.lint(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    @guarded(server, "didSave")
    def did_save(ls: MassGenServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.lint(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    @guarded(server, "didClose")
    def did_close(ls: MassGenServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_COMPLETION,
                    types.CompletionOptions(trigger_characters=[":", " ", "{", "-"]))
    @guarded(server, "completion")
    def completion(ls: MassGenServer, params: types.CompletionParams) -> types.CompletionList | None:
        positions = ls.positions(params.text_document.uri)
        if positions is None:
            return None
        line, column = positions.from_client(params.position)
        return types.CompletionList(is_incomplete=False,
                                    items=complete(ls.knowledge, positions.lines, line, column))

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @guarded(server, "hover")
    def on_hover(ls: MassGenServer, params: types.HoverParams) -> types.Hover | None:
        positions = ls.positions(params.text_document.uri)
        if positions is None:
            return None
        line, column = positions.from_client(params.position)
        found = hover(ls.knowledge, positions.lines, line, column)
        if found is None:
            return None
        text, start, end = found
        start_offset = positions.lsp_starts[line]
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
            range=types.Range(start=positions.to_client(start_offset + start),
                              end=positions.to_client(start_offset + end)))

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    @guarded(server, "codeAction")
    def code_action(ls: MassGenServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        return ls.code_actions(params.text_document.uri, params.range)

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    @guarded(server, "documentSymbol")
    def document_symbol(ls: MassGenServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
        uri = params.text_document.uri
        document = ls.workspace.text_documents.get(uri)
        if document is None:
            return []
        text = document.source
        parsed = load_document(text, to_fs_path(uri) or uri)[0]
        if parsed is None:
            return []
        positions = Positions(text, ls.encoding)
        return [types.DocumentSymbol(name=name, detail=detail or None, kind=types.SymbolKind.Class,
                                     range=positions.client_range(*span),
                                     selection_range=positions.client_range(*selection))
                for name, detail, span, selection in agents_outline(parsed)]

    return server
