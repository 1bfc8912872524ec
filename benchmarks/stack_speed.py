"""Seconds per training step and start-up of the two training stacks, side by side in one run.

    python benchmarks/stack_speed.py [--steps 60] [--rounds 2] PYTHON_A PYTHON_B
    e.g. .venv-slow/bin/python benchmarks/stack_speed.py .venv-slow/bin/python .venv-py312/bin/python

Each PYTHON is a virtual environment with one stack and pipecheck installed (the slow
tier commands make both). The script, run by an interpreter with TensorFlow, builds the tiny SSD
MobileNet V2 320 course project once (tests/support/ssd_course.py: batch 2, a real OD API
checkpoint with random weights), then runs `PYTHON -m pipecheck train --num-steps N` with each
stack in turn, alternating A, B, A, B... so that both see the same load on the machine.
From the run's event file: start-up is the time from launching pipecheck to the first step's
summary, s/step the median interval between consecutive steps after the first five. Prints each
run, the medians per stack and the ratio B/A.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "examples" / "faces_cubes"), str(REPO / "src")]

from results_file import Recording, add_results_option  # noqa: E402
from support.ssd_course import FOLDER, build_ssd_course  # noqa: E402

from pipecheck.artifacts.events import EventsFollower  # noqa: E402

SKIP = 5  # the first steps still trace and warm up


def stack_name(python: str) -> str:
    code = (
        "import importlib.metadata as m, platform\n"
        "for n in ('tensorflow', 'tensorflow-cpu'):\n"
        "    try: print(f'{n} {m.version(n)}, Python {platform.python_version()}'); break\n"
        "    except m.PackageNotFoundError: pass\n"
    )
    return subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def train_once(python: str, root: Path, steps: int, run: int) -> dict:
    started = time.time()
    done = subprocess.run(
        [python, "-m", "pipecheck", "train", FOLDER, "--num-steps", str(steps), "--checkpoint-every", "100000"],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, "PIPECHECK_PROGRESS": "never"},
    )
    if done.returncode != 0:
        raise SystemExit(f"{python}: pipecheck train failed:\n{done.stderr[-3000:]}")
    events = EventsFollower(root / FOLDER / f"checkpoint{run}" / "train", skip_existing=False).poll()
    times = sorted({s.step: s.wall_time for s in events if s.tag == "Loss/total_loss"}.items())
    if len(times) < SKIP + 3:
        raise SystemExit(f"{python}: only {len(times)} steps logged")
    intervals = [b[1] - a[1] for a, b in zip(times[SKIP:], times[SKIP + 1 :])]
    return {"startup": times[0][1] - started, "step": statistics.median(intervals), "total": time.time() - started}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pythons", nargs=2, metavar="PYTHON")
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=2)
    add_results_option(parser)
    args = parser.parse_args()
    recording = Recording("stack_speed")
    args.pythons = [os.path.abspath(python) for python in args.pythons]  # run from the project folder
    names = [stack_name(python) for python in args.pythons]
    results: dict[str, list[dict]] = {python: [] for python in args.pythons}
    with tempfile.TemporaryDirectory() as work:
        root, _ = build_ssd_course(Path(work))
        run = 0
        for round_number in range(args.rounds):
            for python, name in zip(args.pythons, names):
                run += 1
                measured = train_once(python, root, args.steps, run)
                results[python].append(measured)
                print(
                    f"round {round_number + 1}  {name:<40} first step {measured['startup']:5.1f} s after launch, "
                    f"{measured['step']:.3f} s/step, {args.steps} steps in {measured['total']:.1f} s",
                    flush=True,
                )
    medians = {
        python: {key: statistics.median(r[key] for r in runs) for key in ("startup", "step")}
        for python, runs in results.items()
    }
    print(
        f"\nSSD MobileNet V2 320, batch 2, {args.steps} steps, median of {args.rounds} runs each "
        f"(2-core CPU shared with other work):"
    )
    for python, name in zip(args.pythons, names):
        print(f"  {name:<40} {medians[python]['step']:.3f} s/step, first step {medians[python]['startup']:.1f} s")
    a, b = (medians[python] for python in args.pythons)
    print(
        f"ratio {names[1]} / {names[0]}: s/step {b['step'] / a['step']:.2f}x, start-up "
        f"{b['startup'] / a['startup']:.2f}x"
    )
    figures = {"steps": args.steps, "runs_each": args.rounds}
    for label, name, median in (("a", names[0], a), ("b", names[1], b)):
        figures |= {f"{label}_stack": name, f"{label}_s_per_step": round(median["step"], 3)}
        figures[f"{label}_first_step_s"] = round(median["startup"], 1)
    figures |= {
        "ratio_per_step": round(b["step"] / a["step"], 2),
        "ratio_startup": round(b["startup"] / a["startup"], 2),
    }
    recording.write(
        figures,
        [
            f"`python benchmarks/stack_speed.py PYTHON_A PYTHON_B` (SSD MobileNet V2 320, batch 2, `pipecheck train "
            f"--num-steps {args.steps}`, alternating the stacks, median of {args.rounds} runs each): {names[0]} "
            f"{a['step']:.3f} s/step, first step {a['startup']:.0f} s after launch; {names[1]} {b['step']:.3f} s/step, "
            f"first step {b['startup']:.0f} s. Ratio: {b['step'] / a['step']:.2f}× per step, "
            f"{b['startup'] / a['startup']:.2f}× start-up.",
        ],
        args.results,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
