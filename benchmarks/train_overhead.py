"""Seconds per step of `pipecheck train` against the OD API's own model_main_tf2.py, same project.

    python benchmarks/train_overhead.py [--steps 400] [--repeat 3]   (needs the [train] extra)

The project is the tiny SSD MobileNet V2 320 course (tests/support/ssd_course.py), batch 2.
The stock script runs its steps in blocks of 100 inside one tf.function and writes its
scalars at every 100th step; pipecheck's launcher runs one step per iteration for per-step
progress and writes them at every step. Both figures are read the same way, from the runs'
own events files: (time of the last step - time of step 100) / (steps - 100), which leaves
out the first block (tracing). A single block of 100 steps varies by ±5 % from run to run on
a quiet machine, hence the default span of 300 steps and the median over --repeat pairs. The
stock run gets the same compatibility fixes, without which it cannot start on this stack.
Prints both, the ratio (goal ≤ 1.01), and whether both runs' events files hold the same
scalar tags (what TensorBoard shows). Runs alternate, one TensorFlow process at a time; on a
shared machine, compare the ratios of one run, not absolute s/step.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "examples" / "faces_cubes")]

from results_file import Recording, add_results_option  # noqa: E402
from support.ssd_course import FOLDER, SCHEDULE, build_ssd_course  # noqa: E402

from pipecheck.artifacts.events import EventsFollower  # noqa: E402

STOCK = """
import runpy, sys
from pipecheck.wrappers.launcher import apply_compatibility_fixes
apply_compatibility_fixes()
import object_detection
script = object_detection.__path__[0] + "/model_main_tf2.py"
sys.argv = [script] + sys.argv[1:]
runpy.run_path(script, run_name="__main__")
"""


def scalars(folder: Path) -> dict[str, dict[int, float]]:
    """tag -> step -> wall time, from a run's train/ events."""
    found: dict[str, dict[int, float]] = {}
    for scalar in EventsFollower(folder / "train", skip_existing=False).poll():
        found.setdefault(scalar.tag, {})[scalar.step] = scalar.wall_time
    return found


def seconds_per_step(model_dir: Path, steps: int) -> tuple[float, set[str]]:
    """(s/step from step 100 to the last, the scalar tags) from a finished run's events."""
    times = scalars(model_dir)
    loss = times.get("Loss/total_loss", {})
    if 100 not in loss or steps not in loss:
        raise SystemExit(f"{model_dir}: no total loss logged at step 100 and {steps} (steps {sorted(loss)[:5]}...)")
    return (loss[steps] - loss[100]) / (steps - 100), set(times)


def run_stock(root: Path, steps: int) -> tuple[float, set[str]]:
    model_dir = Path(tempfile.mkdtemp(prefix="stock-", dir=root / FOLDER))
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            STOCK,
            f"--model_dir={model_dir}",
            f"--pipeline_config_path={FOLDER}/pipeline.config",
            f"--num_train_steps={steps}",
            "--checkpoint_every_n=100000",
            "--alsologtostderr",
        ],
        cwd=root,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"the stock run failed ({done.returncode}):\n{(done.stderr or done.stdout)[-3000:]}")
    return seconds_per_step(model_dir, steps)


def run_pipecheck(root: Path, steps: int) -> tuple[float, set[str]]:
    """`pipecheck train`'s job, started here without its command line (the lint's findings do not stop it)."""
    from pipecheck.engine.runner import RunOptions
    from pipecheck.engine.runner import run as lint
    from pipecheck.wrappers.train_job import TrainJob

    os.environ["PIPECHECK_PROGRESS"] = "never"
    job = TrainJob(lint(RunOptions(target=root / FOLDER, root=root)), FOLDER, num_steps=steps, checkpoint_every=100000)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = job.run()  # its messages would interleave with the table
    if code != 0:
        raise SystemExit(f"pipecheck train failed ({code}): {job.destination.folder / 'train.log'}")
    return seconds_per_step(job.destination.folder, steps)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400, help="a multiple of 100, at least 200")
    parser.add_argument("--repeat", type=int, default=3)
    add_results_option(parser)
    args = parser.parse_args()
    recording = Recording("train_overhead")
    from make_example import apply_edits

    with tempfile.TemporaryDirectory(prefix="pipecheck-overhead-") as work:
        root, _fixed = build_ssd_course(Path(work))
        config = root / FOLDER / "pipeline.config"
        config.write_text(
            apply_edits(
                config.read_text(),
                [("train_config.num_steps", str(args.steps)), (f"{SCHEDULE}.total_steps", str(args.steps))],
            )
        )
        print(f"{'run':<4} {'stock s/step':>12} {'pipecheck s/step':>16} {'ratio':>6}  load average")
        ratios = []
        for index in range(args.repeat):
            load = os.getloadavg()[0]
            stock, stock_tags = run_stock(root, args.steps)
            ours, our_tags = run_pipecheck(root, args.steps)
            ratios.append(ours / stock)
            print(f"{index + 1:<4} {stock:>12.3f} {ours:>16.3f} {ours / stock:>6.3f}  {load:.1f}", flush=True)
            same = (
                "the same"
                if stock_tags == our_tags
                else f"different: stock {sorted(stock_tags)}, ours {sorted(our_tags)}"
            )
            print(f"     scalar tags in train/ events: {same} ({', '.join(sorted(our_tags))})")
        print(
            f"ratio pipecheck / stock, steps 101-{args.steps}: median {statistics.median(ratios):.3f} of "
            f"{', '.join(f'{r:.3f}' for r in ratios)} (goal ≤ 1.01); load average {os.getloadavg()[0]:.1f} at the end"
        )
    median = statistics.median(ratios)
    recording.write(
        {"median": round(median, 3), "pairs": ", ".join(f"{r:.3f}" for r in ratios), "goal": 1.01, "steps": args.steps},
        [
            f"`python benchmarks/train_overhead.py`: the tiny SSD course at batch 2, {args.steps} steps through the "
            f"stock `model_main_tf2.py` and through `pipecheck train`, alternating, both timed from their own events "
            f"files over steps 101 to {args.steps}: ratio pipecheck / stock {', '.join(f'{r:.3f}' for r in ratios)}, "
            f"median {median:.3f} (goal 1.01).",
        ],
        args.results,
    )
    return 0


if __name__ == "__main__":
    started = time.monotonic()
    code = main()
    print(f"({time.monotonic() - started:.0f} s)")
    sys.exit(code)
