"""`pipecheck lsp`: the language server (pygls 2, stdio) that lints pipeline.config and label maps as you type.

A buffer is linted on open, on save and, after a short pause in typing (the debounce), on
change; from its unsaved text, with the project found as `pipecheck check` finds it. A label
map buffer re-lints the configs that read it. Nothing a buffer holds can stop the server: a
failed lint is logged and the previous diagnostics stay until the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from pipecheck.lsp import convert, features
from pipecheck.lsp.linting import Linter, kind_of
from pipecheck.version import __version__

DEBOUNCE_SECONDS = 0.03
logger = logging.getLogger("pipecheck.lsp")


class PipecheckServer(LanguageServer):
    def __init__(self, root: Path | None = None, lang: str | None = None):
        super().__init__("pipecheck", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.linter = Linter(explicit_root=root, lang=lang)
        self.debounce = DEBOUNCE_SECONDS
        self.lints: dict[Path, object] = {}  # config path -> its last Lint
        self.pending: dict[str, asyncio.TimerHandle] = {}
        # file -> {config whose lint found something there: findings}, to publish their union
        self.elsewhere: dict[Path, dict[Path, list]] = {}

    # -- buffers -------------------------------------------------------------------------------
    def buffers(self) -> dict[Path, str]:
        """Every open document's unsaved text, by path."""
        return {
            Path(to_fs_path(uri)).absolute(): document.source
            for uri, document in self.workspace.text_documents.items()
            if uri.startswith("file:")
        }

    def lint_uri(self, uri: str) -> None:
        """Lint one buffer and publish; never raises (a broken buffer must not stop the server)."""
        self.pending.pop(uri, None)
        try:
            document = self.workspace.get_text_document(uri)
            path = Path(to_fs_path(uri)).absolute()
            kind = kind_of(path, document.source)
            if kind == "config":
                self._lint_config(path, document.source)
            elif kind == "label_map":
                for config in self.linter.configs_reading(path, [p for p in self.buffers() if p.suffix == ".config"]):
                    self._lint_config(config, self.buffers().get(config))
                if not self.elsewhere.get(path):  # no config found anything there: say so, the buffer is clean
                    self._publish(path, [])
        except Exception as error:  # noqa: BLE001 - reported to the client, the server goes on
            logger.exception("lint failed")
            self.window_log_message(
                types.LogMessageParams(types.MessageType.Error, f"pipecheck: {type(error).__name__}: {error}")
            )

    def _lint_config(self, path: Path, text: str | None) -> None:
        from pipecheck.engine.builtin_fixtures import read_text
        from pipecheck.errors import InputError

        if text is None:
            try:
                text = read_text(path)
            except Exception:  # noqa: BLE001 - a config that cannot be read is not this buffer's business
                return
        try:
            lint = self.linter.lint_config(path, text, self.buffers())
        except InputError as error:  # no project, bad settings: said on the config's first line
            self._publish(path, [convert.problem_diagnostic(str(error))])
            return
        self.lints[path] = lint
        codec = self.workspace.position_codec
        fixes = {spec.code: spec.fix for spec in lint.run.catalogue.rules}
        for where, findings in lint.by_file.items():
            if where == path:
                lines = _lines(self.buffers().get(path, lint.texts.get(path, "")))
                self._publish(path, [convert.diagnostic(f, lines, codec, fixes) for f in findings])
        self._publish_elsewhere(lint, codec, fixes)

    def _publish_elsewhere(self, lint, codec, fixes) -> None:
        """Findings in other files (a label map) join those other configs' lints found there."""
        for where, by_config in self.elsewhere.items():
            if lint.config in by_config and where not in lint.by_file:
                del by_config[lint.config]
                self._publish_union(where, codec, fixes, lint)
        for where, findings in lint.by_file.items():
            if where != lint.config:
                self.elsewhere.setdefault(where, {})[lint.config] = findings
                self._publish_union(where, codec, fixes, lint)

    def _publish_union(self, where: Path, codec, fixes, lint) -> None:
        seen, diagnostics = set(), []
        text = self.buffers().get(where, lint.texts.get(where))
        if text is None:
            from pipecheck.engine.builtin_fixtures import read_text

            try:
                text = read_text(where)
            except Exception:  # noqa: BLE001
                text = ""
        lines = _lines(text)
        for findings in self.elsewhere.get(where, {}).values():
            for finding in findings:
                identity = (finding.rule, finding.line, finding.column, finding.message)
                if identity not in seen:
                    seen.add(identity)
                    diagnostics.append(convert.diagnostic(finding, lines, codec, fixes))
        self._publish(where, diagnostics)

    def _publish(self, path: Path, diagnostics: list) -> None:
        uri = from_fs_path(str(path))
        document = self.workspace.text_documents.get(uri)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri, diagnostics, version=document.version if document else None)
        )

    def lint_soon(self, uri: str) -> None:
        """Lint after `debounce` seconds without a further change (each keystroke restarts the wait)."""
        waiting = self.pending.pop(uri, None)
        if waiting is not None:
            waiting.cancel()
        self.pending[uri] = asyncio.get_running_loop().call_later(self.debounce, self.lint_uri, uri)


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True) or [""]


def create_server(root: Path | None = None, lang: str | None = None) -> PipecheckServer:
    server = PipecheckServer(root, lang)

    @server.feature(types.INITIALIZE)
    def initialize(ls: PipecheckServer, params: types.InitializeParams):
        options = params.initialization_options or {}
        if isinstance(options, dict):
            if options.get("root") and ls.linter.explicit_root is None:
                ls.linter.explicit_root = Path(options["root"]).absolute()
            if isinstance(options.get("debounce"), int | float):
                ls.debounce = max(0.0, float(options["debounce"]))
            ls.linter.select = options.get("select") or None
            ls.linter.ignore = options.get("ignore") or None
        ls.linter.folders = [Path(to_fs_path(folder.uri)) for folder in params.workspace_folders or []]
        if params.root_uri and not ls.linter.folders:
            ls.linter.folders = [Path(to_fs_path(params.root_uri))]

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: PipecheckServer, params: types.DidOpenTextDocumentParams):
        if params.text_document.uri.endswith(".config"):
            ls.linter.readers.clear()  # it may name a label map
        ls.lint_uri(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: PipecheckServer, params: types.DidChangeTextDocumentParams):
        ls.lint_soon(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: PipecheckServer, params: types.DidSaveTextDocumentParams):
        if params.text_document.uri.endswith(".config"):
            ls.linter.readers.clear()
        ls.lint_uri(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: PipecheckServer, params: types.DidCloseTextDocumentParams):
        waiting = ls.pending.pop(params.text_document.uri, None)
        if waiting is not None:
            waiting.cancel()

    features.register(server)
    return server


def serve(root: Path | None = None, lang: str | None = None) -> None:
    """Run the server on stdin/stdout until the client says exit."""
    from pipecheck.artifacts import cached

    cached.remember_in_memory()
    # pygls closes the streams it is given when the client says exit: give it copies of the
    # descriptors, so the command's own last flush of stdout still finds it open (exit code 0)
    stdin = os.fdopen(os.dup(sys.__stdin__.fileno()), "rb")
    stdout = os.fdopen(os.dup(sys.__stdout__.fileno()), "wb")
    with contextlib.redirect_stdout(sys.stderr):  # a stray print must not break the protocol's stream
        create_server(root, lang).start_io(stdin, stdout)
