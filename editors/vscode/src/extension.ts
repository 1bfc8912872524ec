// Starts `pipecheck lsp` (stdio) for pipeline.config files, other *.config files (the server lints
// those with a `model {` block and leaves the rest alone) and label maps (*.pbtxt).
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from "vscode-languageclient/node";

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const settings = vscode.workspace.getConfiguration("pipecheck");
  const command = settings.get<string>("path") || "pipecheck";
  const root = settings.get<string>("root") || "";
  const serverOptions: ServerOptions = {
    command,
    args: ["lsp", ...(root ? ["--root", root] : [])],
    transport: TransportKind.stdio,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "pipeline-config" },
      { scheme: "file", pattern: "**/*.config" },
      { scheme: "file", language: "pbtxt" },
      { scheme: "file", pattern: "**/*.pbtxt" },
    ],
  };
  client = new LanguageClient("pipecheck", "pipecheck", serverOptions, clientOptions);
  context.subscriptions.push({ dispose: () => void client?.stop() });
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
