"""Time from an edit to fresh diagnostics in `pipecheck lsp`, driven as an editor drives it.

    python benchmarks/lsp_latency.py [--edits 25] [--results DIR]

A JSON-RPC client of its own (Content-Length framing over the server's stdin/stdout, no LSP
library) opens the course config and measures didOpen -> first publishDiagnostics, then
didChange -> the publishDiagnostics of that version for each edit (num_steps, num_classes,
a learning rate, a broken line and its repair, in turn). The server's debounce is part of
the time, as in an editor. Goals: first <= 1 s, median <= 100 ms, worst <= 300 ms. Also
measured: the import of pygls + lsprotocol (why the server is an extra), and how many
artifact files a re-lint checksums (the server keeps their keys in memory).

Writes benchmarks/results/lsp_latency.json (figures, machine, load at the start).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results_file import Recording, add_results_option

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "faces_cubes" / "tod_tf2"
CONFIG = "faces_cubes/training/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8/pipeline.config"
GOALS = {"first_ms": 1000.0, "median_ms": 100.0, "worst_ms": 300.0}
EDITS = [
    ("num_steps: 1000", "num_steps: {n}"),
    ("num_classes: 2", "num_classes: 3"),
    ("learning_rate_base: .04", "learning_rate_base: 0.00{n}"),
    ("num_steps: 1000", "num_steps: 1000 }}"),  # broken buffer
    ("num_classes: 2", "num_classes: 2"),  # back to the file's text
]


class Client:
    def __init__(self, command: list[str], env: dict):
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        self.next_id = 0

    def send(self, method: str, params: dict, request: bool = False) -> int | None:
        message = {"jsonrpc": "2.0", "method": method, "params": params}
        if request:
            self.next_id += 1
            message["id"] = self.next_id
        body = json.dumps(message).encode("utf-8")
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()
        return message.get("id")

    def receive(self) -> dict:
        length = None
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise SystemExit("the server closed its output")
            if line in (b"\r\n", b"\n"):
                break
            name, _sep, value = line.decode("ascii").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return json.loads(self.process.stdout.read(length))

    def wait(self, accept) -> dict:
        while True:
            message = self.receive()
            if accept(message):
                return message

    def request(self, method: str, params: dict) -> dict:
        ident = self.send(method, params, request=True)
        return self.wait(lambda m: m.get("id") == ident and "method" not in m)


def diagnostics_of(uri: str, version: int):
    return lambda m: (
        m.get("method") == "textDocument/publishDiagnostics"
        and m["params"]["uri"] == uri
        and m["params"].get("version") == version
    )


def import_seconds(code: str, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run(root: Path, edits: int, env: dict) -> dict:
    path = root / CONFIG
    uri, text = path.as_uri(), path.read_text()
    client = Client([sys.executable, "-m", "pipecheck", "lsp"], env)
    client.request(
        "initialize",
        {"processId": os.getpid(), "rootUri": root.parent.as_uri(), "capabilities": {}, "workspaceFolders": None},
    )
    client.send("initialized", {})
    started = time.perf_counter()
    client.send(
        "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "pbtxt", "version": 1, "text": text}}
    )
    first = client.wait(diagnostics_of(uri, 1))
    first_ms = (time.perf_counter() - started) * 1000
    times, counts = [], []
    for number in range(edits):
        before, after = EDITS[number % len(EDITS)]
        edited = text.replace(before, after.format(n=number + 2), 1)
        version = number + 2
        started = time.perf_counter()
        client.send(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": edited}]},
        )
        published = client.wait(diagnostics_of(uri, version))
        times.append((time.perf_counter() - started) * 1000)
        counts.append(sorted({d.get("code") for d in published["params"]["diagnostics"]}))
    client.request("shutdown", None)
    client.send("exit", None)
    client.process.wait(timeout=10)
    return {
        "first_ms": round(first_ms, 1),
        "first_diagnostics": len(first["params"]["diagnostics"]),
        "median_ms": round(statistics.median(times), 1),
        "worst_ms": round(max(times), 1),
        "edits": edits,
        "times_ms": [round(t, 1) for t in times],
        "codes_per_edit": counts,
    }


def relint_checksums(root: Path) -> dict:
    """In this process, as the server does: how many files a re-lint after an edit checksums."""
    from pipecheck.artifacts import cached
    from pipecheck.lsp.linting import Linter

    cached.remember_in_memory()
    linter, path = Linter(), (root / CONFIG).absolute()
    text = path.read_text()
    started = time.perf_counter()
    linter.lint_config(path, text, {})
    first, checksummed = time.perf_counter() - started, cached.reads["checksummed"]
    started = time.perf_counter()
    linter.lint_config(path, text.replace("num_steps: 1000", "num_steps: 1200"), {})
    again = time.perf_counter() - started
    return {
        "first_lint_ms": round(first * 1000, 1),
        "relint_ms": round(again * 1000, 1),
        "files_checksummed_first": checksummed,
        "files_checksummed_by_relint": cached.reads["checksummed"] - checksummed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=25)
    add_results_option(parser)
    args = parser.parse_args()
    recording = Recording("lsp_latency")
    load = recording.load
    with tempfile.TemporaryDirectory(prefix="pipecheck-lsp-bench-") as scratch:
        root = Path(scratch) / "faces_cubes" / "tod_tf2"
        shutil.copytree(EXAMPLE, root)
        env = {**os.environ, "PIPECHECK_CACHE_DIR": str(Path(scratch) / "cache")}
        os.environ["PIPECHECK_CACHE_DIR"] = env["PIPECHECK_CACHE_DIR"]
        figures = run(root, args.edits, env)
        figures.update(relint_checksums(root))
    figures["pygls_import_s"] = round(import_seconds("import pygls.lsp.server, lsprotocol.types"), 3)
    figures["python_pass_s"] = round(import_seconds("pass"), 3)
    figures["pipecheck_import_s"] = round(import_seconds("import pipecheck"), 3)
    verdicts = {name: figures[name] <= goal for name, goal in GOALS.items()}
    summary = [
        f"- `python benchmarks/lsp_latency.py`, didOpen -> first diagnostics (server started): {figures['first_ms']:.0f} ms (goal <= 1000 ms: {'met' if verdicts['first_ms'] else 'NOT met'})",
        f"- didChange -> fresh diagnostics over {figures['edits']} edits: median {figures['median_ms']:.0f} ms "
        f"(goal <= 100: {'met' if verdicts['median_ms'] else 'NOT met'}), worst {figures['worst_ms']:.0f} ms "
        f"(goal <= 300: {'met' if verdicts['worst_ms'] else 'NOT met'}), 30 ms debounce included",
        f"- a re-lint after an edit: {figures['relint_ms']:.0f} ms in-process, "
        f"{figures['files_checksummed_by_relint']} artifact files checksummed (first lint: {figures['files_checksummed_first']})",
        f"- import pygls + lsprotocol: {figures['pygls_import_s']:.2f} s (python -c pass {figures['python_pass_s']:.2f} s, "
        f"import pipecheck {figures['pipecheck_import_s']:.2f} s): the server is the `lsp` extra",
    ]
    print("\n".join(summary))
    print(f"load average at the start: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} on {os.cpu_count()} cores")
    print(f"ratio median/goal {figures['median_ms'] / GOALS['median_ms']:.2f}")
    recording.write(figures, summary, args.results)


if __name__ == "__main__":
    main()
