"""The language server: LSP features over ``legacy_variable.lint.check``/``fix_source``.

Where things run: pygls's asyncio loop reads messages and answers hovers and code actions
from the last published results; ``scheduler`` decides when to lint (debounced, one run at
a time, stale results dropped) and hands each run to one daemon thread, which waits on the
lint process (``worker``) and turns its findings into LSP JSON. So a big file never holds
up the conversation, and a stale run on one is cancelled.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from dataclasses import dataclass, replace
from urllib.parse import unquote

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from .. import __version__
from ..diagnostics import SAFE
from . import convert
from .notebooks import CellSnapshot, is_python_cell, notebook_json
from .positions import Lines
from .protocol import StrictProtocol
from .scheduler import DaemonExecutor, Scheduler
from .rule_pages import RulePages
from .worker import LintProcess, signature

logger = logging.getLogger(__name__)

#: Quiet time after a keystroke before linting: typing bursts coalesce into one run,
#: and a 3,000-line file still gets its diagnostics within 0.3 s of the last change.
DEBOUNCE_S = 0.05

#: How often the files a run's settings came from (pyproject.toml, evidence files) are
#: looked at (a stat each): a change re-lints the open documents, also with clients that
#: do not watch files for the server.
POLL_S = 1.0

#: A run still going this long when its document changes again is cancelled (its process
#: killed): a big file's stale run would otherwise delay the current one by its whole
#: length. Shorter runs are let finish: a new lint process costs about as much.
CANCEL_AFTER_S = 0.5

_PYTHON_SUFFIXES = (".py", ".pyi")


@dataclass
class Published:
    """What was last published for one text document or notebook cell."""

    version: int | None
    lines: Lines
    #: (rule code, message, the LSP Diagnostic as JSON), in report order.
    items: list[tuple[str, str, dict]]


@dataclass
class Outcome:
    found: dict[str, Published]
    notes: list
    error: str | None
    #: The files the run's settings came from -> their signature (worker.signature).
    inputs: dict


@dataclass(frozen=True)
class TextSnapshot:
    uri: str
    version: int | None
    text: str
    path: str


@dataclass(frozen=True)
class NotebookSnapshot:
    uri: str
    version: int
    cells: tuple[CellSnapshot, ...]
    path: str


class LegacyVariableServer(LanguageServer):
    def __init__(self):
        super().__init__(
            "legacy-variable",
            __version__,
            text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental,
            notebook_document_sync=lsp.NotebookDocumentSyncOptions(
                notebook_selector=[
                    lsp.NotebookDocumentFilterWithCells(
                        notebook="jupyter-notebook",
                        cells=[lsp.NotebookCellLanguage(language="python")],
                    )
                ],
                save=True,
            ),
            protocol_cls=StrictProtocol,
        )
        self.executor = DaemonExecutor("legacy-variable-lint")
        self.linter = LintProcess()
        self.scheduler: Scheduler | None = None
        self.published: dict[str, Published] = {}
        #: Cells last published per notebook, so that a removed cell is cleared.
        self.notebook_cells: dict[str, set[str]] = {}
        self.config_errors_shown: set[str] = set()
        #: Files whose change re-lints everything -> their signature when last read.
        self.inputs: dict[str, tuple | None] = {}
        self.poll_handle: asyncio.TimerHandle | None = None
        self._pages: RulePages | None = None

    @property
    def pages(self) -> RulePages:
        if self._pages is None:
            self._pages = RulePages()
        return self._pages

    # ------------------------------------------------------------------ plumbing

    def report_server_error(self, error, source):
        if isinstance(error, (json.JSONDecodeError, UnicodeDecodeError)):
            self.protocol.reply_parse_error(error)  # type: ignore[attr-defined]
            return
        logger.error("%s", error)
        self.window_log_message(lsp.LogMessageParams(type=lsp.MessageType.Error, message=f"legacy-variable: {error}"))

    @property
    def encoding(self) -> str:
        return str(self.workspace.position_encoding or "utf-16")

    def ensure_scheduler(self) -> Scheduler:
        if self.scheduler is None:
            self.scheduler = Scheduler(
                asyncio.get_running_loop(), self.executor, self.snapshot, self.lint, self.publish,
                cancel=lambda uri: self.linter.cancel(uri, CANCEL_AFTER_S),
            )
        return self.scheduler

    def path_of(self, uri: str, suffix: str) -> str:
        path = to_fs_path(uri) if uri.startswith("file:") else None
        if path:
            return path
        root = self.workspace.root_path or os.getcwd()
        return os.path.join(root, "untitled" + suffix)

    # ------------------------------------------------------------------ snapshots

    def document(self, uri: str):
        """The open text document (or notebook cell) ``uri``, None if not open. (The
        workspace keys documents by their unquoted uri.)"""
        return self.workspace.text_documents.get(unquote(uri))

    def snapshot(self, uri: str):
        """The document's text now, on the loop thread; None once it is closed."""
        notebook = self.workspace.get_notebook_document(notebook_uri=uri)
        if notebook is not None:
            cells = []
            language_of = {}
            for cell in notebook.cells:
                document = self.document(cell.document)
                text = document.source if document is not None else ""
                language = document.language_id if document is not None else None
                language_of[cell.document] = language
                cells.append(CellSnapshot(cell.document, is_python_cell(cell, language), text, language))
            return NotebookSnapshot(uri, notebook.version, tuple(cells), self.path_of(uri, ".ipynb"))
        document = self.document(uri)
        if document is None:
            return None
        return TextSnapshot(uri, document.version, document.source, self.path_of(uri, ".py"))

    # ------------------------------------------------------------------ linting

    def _say_once(self, notes: list, message: str) -> None:
        if message not in self.config_errors_shown:
            self.config_errors_shown.add(message)
            notes.append(lsp.ShowMessageParams(type=lsp.MessageType.Error, message=message))

    def _check(self, tag: str, text: str, path: str, notes: list[lsp.ShowMessageParams]):
        """(diagnostics, checker failure, run info) of ``text`` linted as the file
        ``path``, in the lint process; a broken configuration is said once, and the
        defaults used; an unreadable evidence file is said once, and the rest of the
        configuration used."""
        diagnostics, info = self.linter.run(tag, "check", text, path)
        if info["config_error"] is not None:
            self._say_once(notes, f"legacy-variable: {info['config_error']}; using the default settings")
        if info["evidence_error"] is not None:
            self._say_once(notes, f"legacy-variable: {info['evidence_error']}; linting without evidence")
        return diagnostics, info

    def lint(self, snapshot) -> "Outcome":
        """Runs on the worker thread: the findings per text document (or cell) uri, and
        what to tell the user (sent from the loop's thread: one writer on stdout)."""
        encoding = self.encoding
        notes: list[lsp.ShowMessageParams] = []
        if isinstance(snapshot, TextSnapshot):
            diagnostics, info = self._check(snapshot.uri, snapshot.text, snapshot.path, notes)
            href = self._href(info)
            lines = Lines(snapshot.text)
            items = [(d.code, d.message, convert.to_lsp(d, lines, encoding, href)) for d in diagnostics]
            return Outcome({snapshot.uri: Published(snapshot.version, lines, items)}, notes, info["error"],
                           info["inputs"])
        cells = snapshot.cells
        diagnostics, info = self._check(snapshot.uri, notebook_json(list(cells)), snapshot.path, notes)
        href = self._href(info)
        found: dict[str, Published] = {}
        for cell in cells:
            found[cell.uri] = Published(None, Lines(cell.text), [])
        for diagnostic in diagnostics:
            number = diagnostic.cell or 1
            if not 1 <= number <= len(cells):
                continue
            target = found[cells[number - 1].uri]
            if diagnostic.fix is not None and not _within(diagnostic.fix, len(target.lines)):
                # A fix's edits come back as rows of *some* cell without saying which; the
                # checkers' fixes edit around their own node, so they are taken to be in the
                # diagnostic's cell. One reaching past that cell's end cannot be: offered
                # through fix-all only, which rewrites whole cells.
                diagnostic = replace(diagnostic, fix=None)
            target.items.append((diagnostic.code, diagnostic.message,
                                 convert.to_lsp(diagnostic, target.lines, encoding, href)))
        return Outcome(found, notes, info["error"], info["inputs"])

    def _href(self, info: dict):
        docs_url = info.get("docs_url")
        pages = self.pages
        return lambda code: pages.href(code, docs_url)

    def watch(self, inputs: dict) -> None:
        """On the loop thread: remember what a run's settings were read from, and look at
        those files every POLL_S seconds."""
        for path, seen in inputs.items():
            self.inputs.setdefault(path, seen)
        if self.poll_handle is None and self.inputs:
            self.poll_handle = asyncio.get_running_loop().call_later(POLL_S, self.poll)

    def poll(self) -> None:
        self.poll_handle = None
        changed = False
        for path, seen in list(self.inputs.items()):
            now = signature(path)
            if now != seen:
                self.inputs[path] = now
                changed = True
        if changed:
            logger.info("settings or evidence changed on disk: linting the open documents again")
            self.relint_all()
        if self.scheduler is not None and not self.scheduler.closed:
            self.poll_handle = asyncio.get_running_loop().call_later(POLL_S, self.poll)

    def publish(self, uri: str, outcome: "Outcome") -> None:
        """On the loop thread, with results for the document's current version only."""
        for note in outcome.notes:
            self.window_show_message(note)
        self.watch(outcome.inputs)
        if outcome.error:  # a checker crash: the user should know the list is incomplete
            self.window_log_message(lsp.LogMessageParams(type=lsp.MessageType.Error, message=outcome.error))
        found = outcome.found
        notebook = self.workspace.get_notebook_document(notebook_uri=uri)
        if notebook is not None:
            gone = self.notebook_cells.get(uri, set()) - set(found)
            for cell_uri in gone:
                self.clear(cell_uri)
            self.notebook_cells[uri] = set(found)
        for target, published in found.items():
            self.published[target] = published
            params = {"uri": target, "diagnostics": [item[2] for item in published.items]}
            if published.version is not None:
                params["version"] = published.version
            # Already JSON: sent as is, not through the generic (de)structuring.
            self.protocol._send_data(
                {"jsonrpc": "2.0", "method": lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, "params": params}
            )

    def clear(self, uri: str) -> None:
        self.published.pop(uri, None)
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def relint_all(self) -> None:
        scheduler = self.ensure_scheduler()
        for notebook in list(self.workspace.notebook_documents.values()):
            scheduler.schedule(notebook.uri, 0)
        cells = set()
        for cell_uris in self.notebook_cells.values():
            cells |= cell_uris
        for document in list(self.workspace.text_documents.values()):
            if document.uri not in cells and self.lintable(document.uri, document.language_id):
                scheduler.schedule(document.uri, 0)

    def lintable(self, uri: str, language_id: str | None) -> bool:
        if self.workspace.get_notebook_document(cell_uri=uri) is not None:
            return False
        return language_id == "python" or uri.endswith(_PYTHON_SUFFIXES)

    # ------------------------------------------------------------------ code actions

    def text_of(self, uri: str) -> str:
        document = self.document(uri)
        return document.source if document is not None else ""

    def fix_all_edits(self, snapshot, encoding: str) -> dict[str, list[lsp.TextEdit]] | None:
        """Runs on the worker thread: every safe fix, as edits per text document."""
        if isinstance(snapshot, TextSnapshot):
            fixed, _ = self.linter.run(snapshot.uri, "fix", snapshot.text, snapshot.path)
            if fixed == snapshot.text:
                return None
            lines = Lines(snapshot.text)
            return {snapshot.uri: [lsp.TextEdit(convert.whole_document(lines, encoding), fixed)]}
        if isinstance(snapshot, NotebookSnapshot):
            fixed, _ = self.linter.run(snapshot.uri, "fix", notebook_json(list(snapshot.cells)), snapshot.path)
            new_cells = json.loads(fixed)["cells"]
            changes: dict[str, list[lsp.TextEdit]] = {}
            for cell, new in zip(snapshot.cells, new_cells):
                source = new.get("source", "")
                source = "".join(source) if isinstance(source, list) else source
                if source != cell.text:
                    lines = Lines(cell.text)
                    changes[cell.uri] = [lsp.TextEdit(convert.whole_document(lines, encoding), source)]
            return changes or None
        return None


def _within(fix, rows: int) -> bool:
    # (An edit may end at the start of the row after the last: a deleted last line, whose
    # line break the logical module added.)
    return all(
        1 <= edit.row <= rows and (edit.end_row <= rows or (edit.end_row == rows + 1 and edit.end_column == 1))
        for edit in fix.edits
    )


def _wanted(only: list[str] | None, kind: str) -> bool:
    if not only:
        return True
    return any(kind == k or kind.startswith(k + ".") for k in only)


def create_server() -> LegacyVariableServer:
    server = LegacyVariableServer()

    @server.feature(lsp.INITIALIZED)
    def initialized(ls: LegacyVariableServer, params: lsp.InitializedParams):
        ls.ensure_scheduler()
        ls.linter.warm_up()  # the first file opened need not wait for the process to start
        ls.pages  # noqa: B018 (written now, while the lint process starts, not on the first run)
        watch = getattr(getattr(ls.client_capabilities.workspace, "did_change_watched_files", None), "dynamic_registration", None)
        if watch:
            ls.client_register_capability(
                lsp.RegistrationParams(
                    registrations=[
                        lsp.Registration(
                            id="legacy-variable-pyproject",
                            method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            register_options=lsp.DidChangeWatchedFilesRegistrationOptions(
                                watchers=[lsp.FileSystemWatcher(glob_pattern="**/pyproject.toml")]
                            ),
                        )
                    ]
                )
            )

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LegacyVariableServer, params: lsp.DidOpenTextDocumentParams):
        document = params.text_document
        if ls.lintable(document.uri, document.language_id):
            ls.ensure_scheduler().schedule(document.uri, 0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: LegacyVariableServer, params: lsp.DidChangeTextDocumentParams):
        uri = params.text_document.uri
        document = ls.document(uri)
        if document is not None and ls.lintable(uri, document.language_id):
            ls.ensure_scheduler().schedule(uri, DEBOUNCE_S)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: LegacyVariableServer, params: lsp.DidSaveTextDocumentParams):
        uri = params.text_document.uri
        document = ls.document(uri)
        if document is not None and ls.lintable(uri, document.language_id):
            ls.ensure_scheduler().schedule(uri, 0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LegacyVariableServer, params: lsp.DidCloseTextDocumentParams):
        ls.ensure_scheduler().forget(params.text_document.uri)
        ls.clear(params.text_document.uri)

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_OPEN)
    def notebook_open(ls: LegacyVariableServer, params: lsp.DidOpenNotebookDocumentParams):
        ls.ensure_scheduler().schedule(params.notebook_document.uri, 0)

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def notebook_change(ls: LegacyVariableServer, params: lsp.DidChangeNotebookDocumentParams):
        ls.ensure_scheduler().schedule(params.notebook_document.uri, DEBOUNCE_S)

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_SAVE)
    def notebook_save(ls: LegacyVariableServer, params: lsp.DidSaveNotebookDocumentParams):
        ls.ensure_scheduler().schedule(params.notebook_document.uri, 0)

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def notebook_close(ls: LegacyVariableServer, params: lsp.DidCloseNotebookDocumentParams):
        uri = params.notebook_document.uri
        ls.ensure_scheduler().forget(uri)
        for cell_uri in ls.notebook_cells.pop(uri, set()) | {c.uri for c in params.cell_text_documents}:
            ls.clear(cell_uri)

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files(ls: LegacyVariableServer, params: lsp.DidChangeWatchedFilesParams):
        # Settings are resolved afresh on every run; what changed is which runs are due.
        if any(change.uri.endswith("pyproject.toml") for change in params.changes):
            ls.relint_all()

    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix, convert.FIX_ALL], resolve_provider=True),
    )
    async def code_action(ls: LegacyVariableServer, params: lsp.CodeActionParams):
        uri = params.text_document.uri
        only = params.context.only
        actions: list[lsp.CodeAction] = []
        if _wanted(only, lsp.CodeActionKind.QuickFix):
            text = ls.text_of(uri)
            for diagnostic in params.context.diagnostics:
                if not convert.ours(diagnostic):
                    continue
                fix = convert.quick_fix(uri, diagnostic)
                if fix is not None:
                    actions.append(fix)
                noqa = convert.noqa_action(uri, diagnostic, text, ls.encoding)
                if noqa is not None:
                    actions.append(noqa)
        if _wanted(only, convert.FIX_ALL):
            owner = ls.workspace.get_notebook_document(cell_uri=uri)
            target = owner.uri if owner is not None else uri
            title = f"{convert.SOURCE}: fix all safe fixes"
            if only:
                # Asked for by name (on save, or a command): computed now.
                changes = await _fix_all(ls, target)
                if changes:
                    actions.append(lsp.CodeAction(title=title, kind=convert.FIX_ALL, edit=lsp.WorkspaceEdit(changes=changes)))
            elif _resolve_supported(ls) and _has_safe_fix(ls, uri):
                # The light bulb asks on every cursor move: fixing the whole file each time
                # would queue full runs ahead of the diagnostics. Listed now, computed when
                # picked (codeAction/resolve).
                actions.append(lsp.CodeAction(title=title, kind=convert.FIX_ALL, data={"uri": target}))
        return actions

    @server.feature(lsp.CODE_ACTION_RESOLVE)
    async def resolve_code_action(ls: LegacyVariableServer, action: lsp.CodeAction):
        target = action.data.get("uri") if isinstance(action.data, dict) else None
        if action.kind == convert.FIX_ALL and isinstance(target, str) and action.edit is None:
            changes = await _fix_all(ls, target)
            action.edit = lsp.WorkspaceEdit(changes=changes or {})
        return action

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(ls: LegacyVariableServer, params: lsp.HoverParams):
        published = ls.published.get(params.text_document.uri)
        if published is None:
            return None
        at = (params.position.line, params.position.character)
        hits = [
            (code, message, d)
            for code, message, d in published.items
            if convert.contains(d, *at)
        ]
        if not hits:
            return None
        text = "\n\n---\n\n".join(
            convert.hover_text(code, message, d.get("codeDescription", {}).get("href")) for code, message, d in hits
        )
        return lsp.Hover(
            contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text),
            range=lsp.Range(
                lsp.Position(**hits[0][2]["range"]["start"]), lsp.Position(**hits[0][2]["range"]["end"])
            ),
        )

    @server.feature(lsp.SHUTDOWN)
    def shutdown(ls: LegacyVariableServer, *args):
        if ls.scheduler is not None:
            ls.scheduler.close()
        if ls.poll_handle is not None:
            ls.poll_handle.cancel()
            ls.poll_handle = None
        ls.linter.close()

    return server


async def _fix_all(ls: LegacyVariableServer, target: str) -> dict[str, list[lsp.TextEdit]] | None:
    snapshot = ls.snapshot(target)
    if snapshot is None:
        return None
    try:
        return await asyncio.get_running_loop().run_in_executor(ls.executor, ls.fix_all_edits, snapshot, ls.encoding)
    except Exception as exc:  # a fix the linter cannot write back: say why, offer none
        logger.warning("fix all failed: %s", exc)
        ls.window_log_message(lsp.LogMessageParams(type=lsp.MessageType.Warning, message=f"legacy-variable: {exc}"))
        return None


def _resolve_supported(ls: LegacyVariableServer) -> bool:
    code_action = getattr(ls.client_capabilities.text_document, "code_action", None)
    support = getattr(code_action, "resolve_support", None)
    return support is not None and "edit" in (support.properties or [])


def _has_safe_fix(ls: LegacyVariableServer, uri: str) -> bool:
    owner = ls.workspace.get_notebook_document(cell_uri=uri)
    uris = ls.notebook_cells.get(owner.uri, set()) if owner is not None else {uri}
    for target in uris:
        published = ls.published.get(target)
        for _, _, diagnostic in published.items if published else ():
            fix = diagnostic["data"].get("fix")
            if fix and fix.get("applicability") == SAFE:
                return True
    return False


def serve() -> int:
    """Serve LSP on stdin/stdout until ``exit``: 0 after a ``shutdown``, 1 otherwise (as
    the specification says)."""
    server = create_server()
    server.start_io()
    server.executor.shutdown(wait=False, cancel_futures=True)
    server.linter.close()
    return 0 if server.protocol._shutdown else 1
