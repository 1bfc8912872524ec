"""How long `.ci/run` takes here, step by step: wall time, CPU time (user + system of every process
the step starts) and the load average around each step, in a clean clone.

    python benchmarks/ci_time.py CLONE                 # each step of CLONE/.ci/run, one after the other
    python benchmarks/ci_time.py CLONE --whole         # and then .ci/run itself, as CI runs it
    python benchmarks/ci_time.py CLONE --before OLD.json   # also print the ratio to an earlier run
    python benchmarks/ci_time.py CLONE --steps 2,4         # only these steps (numbered in .ci/run's order)
    python benchmarks/ci_time.py --combine BEFORE.json AFTER.json   # one results file from two runs

A step is one of the lines tests/test_readme.py compares with the README (a venv built, a tier run),
run by bash after the lines of .ci/run that come before the first step (set -euo pipefail, CI=true,
the PATH to Python 3.12 and 3.13). Steps .ci/run starts in the background (a line ending in `&`) are
timed here in the foreground, one by one: `--whole` measures what the overlap saves. pytest is told
`--durations=30` (PYTEST_ADDOPTS); each step's output goes to CLONE-ci-time/<n>.log. The machine is
shared by up to 8 helpers: the load is recorded at each step's start and end, and the CPU time is
the figure that does not depend on it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results_file import Recording, add_results_option  # noqa: E402

STEP = re.compile(r"(python3(\.\d+)? -m venv |\.venv[\w-]*/bin/|\.ci/)")  # as tests/test_readme.py


def steps(run_script: str) -> tuple[str, list[str]]:
    """The lines before the first step (the set-up every step needs), and the steps."""
    lines = run_script.splitlines()
    first = next(i for i, line in enumerate(lines) if STEP.match(line))
    found = [line.rstrip().removesuffix("&").rstrip() for line in lines[first:] if STEP.match(line)]
    return "\n".join(lines[:first]), found


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], cwd: Path, log: Path, env: dict) -> dict:
    load = os.getloadavg()[0]
    cpu, start = children_cpu(), time.monotonic()
    with log.open("w") as out:
        code = subprocess.run(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env).returncode
    wall, cpu = time.monotonic() - start, children_cpu() - cpu
    figures = {"wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "load_start": round(load, 2)}
    figures |= {"load_end": round(os.getloadavg()[0], 2), "exit": code, "log": str(log)}
    summary = pytest_summary(log.read_text(errors="replace"))
    if summary:
        figures["pytest"] = summary
    return figures


def pytest_summary(text: str) -> str:
    found = re.findall(r"^=+ (\d+ (?:passed|failed).*?) =+$", text, re.M)
    return found[-1] if found else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clone", type=Path, nargs="?", help="a clean clone of the repository (git clone /work/main X)")
    parser.add_argument(
        "--combine",
        nargs=2,
        type=Path,
        metavar=("BEFORE", "AFTER"),
        help="run nothing: write one ci_time.json from two earlier runs' files, step by step",
    )
    parser.add_argument("--whole", action="store_true", help="also time .ci/run as one command")
    parser.add_argument("--only-whole", action="store_true", help="time .ci/run as one command, no steps")
    parser.add_argument("--before", type=Path, help="an earlier ci_time.json: print this run's ratio to it")
    parser.add_argument(
        "--note", action="append", default=[], help="with --combine: a summary line (a figure measured by hand)"
    )
    parser.add_argument("--steps", help="only these steps, numbered from 1 in .ci/run's order (e.g. 2,4,5)")
    parser.add_argument("--label", default="", help="a name for this run in the summary (e.g. the commit)")
    add_results_option(parser)
    args = parser.parse_args()
    recording = Recording("ci_time")
    if args.combine:
        return combine(recording, *args.combine, args.results, args.note)
    if args.clone is None:
        parser.error("give a clone to time, or --combine BEFORE AFTER")
    clone = args.clone.resolve()
    preamble, found = steps((clone / ".ci" / "run").read_text())
    logs = clone.parent / f"{clone.name}-ci-time"
    logs.mkdir(exist_ok=True)
    env = dict(os.environ, PYTEST_ADDOPTS="--durations=30")
    figures: dict = {"commit": git_commit(clone), "steps": []}
    failed = False
    chosen = set(range(1, len(found) + 1)) if args.steps is None else {int(n) for n in args.steps.split(",")}
    for n, step in enumerate([] if args.only_whole else found, 1):
        if n not in chosen:
            continue
        result = timed(["bash", "-c", preamble + "\n" + step, ".ci/run"], clone, logs / f"{n}.log", env)
        result |= {"n": n, "step": step}
        figures["steps"].append(result)
        print(f"{result['wall_s']:8.1f} s wall {result['cpu_s']:8.1f} s CPU  load {result['load_start']}: {step[:90]}")
        failed = failed or result["exit"] != 0
        recording.write(figures, summarise(figures, args.label, recording.load), args.results)  # so far
    if args.whole or args.only_whole:
        figures["whole"] = timed(["bash", ".ci/run"], clone, logs / "whole.log", env)
        print(f"{figures['whole']['wall_s']:8.1f} s wall {figures['whole']['cpu_s']:8.1f} s CPU: .ci/run")
        failed = failed or figures["whole"]["exit"] != 0
    if figures["steps"]:
        figures["steps_wall_s"] = round(sum(s["wall_s"] for s in figures["steps"]), 1)
        figures["steps_cpu_s"] = round(sum(s["cpu_s"] for s in figures["steps"]), 1)
    summary = summarise(figures, args.label, recording.load)
    if args.before:
        summary += compare(json.loads(args.before.read_text())["figures"], figures)
    print("\n".join(summary))
    recording.write(figures, summary, args.results)
    return 1 if failed else 0


def combine(recording: Recording, before_file: Path, after_file: Path, folder: Path, notes: list[str]) -> int:
    """One results file from two runs: the after run's date and load, both runs' steps and summaries, the comparison."""
    before, after = json.loads(before_file.read_text()), json.loads(after_file.read_text())
    recording.date, recording.load = after["date"], after["load"]
    summary = [
        "Before:",
        *before["summary"],
        "After:",
        *after["summary"],
        *compare(before["figures"], after["figures"]),
        *notes,
    ]
    print("\n".join(summary))
    recording.write({"before": before["figures"], "after": after["figures"], "notes": notes}, summary, folder)
    return 0


def compare(before: dict, after: dict) -> list[str]:
    """Each step measured in both runs (by its number in .ci/run): wall and CPU, before -> after, and the ratios."""
    earlier = {step.get("n", i): step for i, step in enumerate(before["steps"], 1)}
    lines = [f"Before ({before.get('commit')}) -> after ({after.get('commit')}), the steps measured in both:"]
    for step in after["steps"]:
        old = earlier.get(step["n"])
        if old is None or old["exit"] != 0 or step["exit"] != 0:
            continue
        lines.append(
            f"- step {step['n']} ({step['step'].split('&&')[-1].strip()}): wall {old['wall_s']:.0f} -> "
            f"{step['wall_s']:.0f} s (load {old['load_start']} -> {step['load_start']}), CPU {old['cpu_s']:.0f} -> "
            f"{step['cpu_s']:.0f} s, ratio {old['cpu_s'] / step['cpu_s']:.2f} in CPU"
        )
    return lines


def summarise(figures: dict, label: str, load: list[float]) -> list[str]:
    lines = [f"`.ci/run` at {label or figures['commit']}, load at the start {load}:"]
    for step in figures["steps"]:
        words = step["step"].split("&&")[-1].strip()
        lines.append(f"- {words}: {step['wall_s']:.0f} s wall, {step['cpu_s']:.0f} s CPU (load {step['load_start']})")
    if figures["steps"]:
        wall, cpu = sum(s["wall_s"] for s in figures["steps"]), sum(s["cpu_s"] for s in figures["steps"])
        lines.append(f"- these steps one by one: {wall:.0f} s wall, {cpu:.0f} s CPU")
    if "whole" in figures:
        whole = figures["whole"]
        lines.append(f"- `.ci/run` as one command: {whole['wall_s']:.0f} s wall, {whole['cpu_s']:.0f} s CPU")
    return lines


def git_commit(clone: Path) -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=clone, capture_output=True, text=True)
    return done.stdout.strip()


if __name__ == "__main__":
    sys.exit(main())
