"""Median wall time of a whole lint of the course example, divided by that of `python -c pass`.

    python benchmarks/lint_latency.py [--runs 21] [--results DIR]

Target: below 10x, so pipecheck can run in a pre-commit hook. Both commands run in fresh
processes, interleaved, after one warm-up each, with Python's bytecode cache on (the normal
setting; PYTHONDONTWRITEBYTECODE would make every import compile from source). The figures go to
benchmarks/results/lint_latency.json.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from results_file import Recording, add_results_option

ROOT = Path(__file__).resolve().parents[1] / "examples" / "faces_cubes" / "tod_tf2"
TARGET = "faces_cubes/training/faster_rcnn_resnet50_v1_640x640_coco17_tpu-8"
GOAL = 10.0


def timed(command: list[str], env: dict) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({result.returncode}): {result.stderr.decode()[-500:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=21)
    add_results_option(parser)
    args = parser.parse_args()
    recording = Recording("lint_latency")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    script = shutil.which("pipecheck", path=str(Path(sys.executable).parent)) or shutil.which("pipecheck")
    lint = [script, TARGET, "--ram", "8GiB"] if script else [sys.executable, "-m", "pipecheck", TARGET, "--ram", "8GiB"]
    baseline = [sys.executable, "-c", "pass"]
    timed(baseline, env), timed(lint, env)
    base_times, lint_times = [], []
    for _ in range(args.runs):
        base_times.append(timed(baseline, env))
        lint_times.append(timed(lint, env))
    base, whole = statistics.median(base_times), statistics.median(lint_times)
    ratio = whole / base
    print(f"python -c pass      median {base * 1000:7.1f} ms  ({args.runs} runs)")
    print(
        f"pipecheck (example) median {whole * 1000:7.1f} ms  ({' '.join(Path(lint[0]).name if i == 0 else a for i, a in enumerate(lint))})"
    )
    verdict = "met" if ratio < GOAL else "NOT met"
    print(f"ratio {ratio:.1f}x  (target below {GOAL:.0f}x: {verdict})")
    recording.write(
        {"ratio": round(ratio, 2), "pipecheck_ms": round(whole * 1000, 1), "python_c_pass_ms": round(base * 1000, 1)}
        | {"runs": args.runs, "target_below": GOAL},
        [
            f"`python benchmarks/lint_latency.py`: a whole lint of the example takes {ratio:.1f}× the time of "
            f"`python -c pass` ({whole * 1000:.0f} ms against {base * 1000:.0f} ms, medians of {args.runs} runs); "
            f"target below {GOAL:.0f}×, for a pre-commit hook: {verdict}.",
        ],
        args.results,
    )


if __name__ == "__main__":
    main()
