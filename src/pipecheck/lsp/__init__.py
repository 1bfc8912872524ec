"""The language server (`pipecheck lsp`): pygls over the engine. Needs the `lsp` extra (pygls)."""
