"""Seconds until a start-up mistake is reported: pipecheck vs the OD API's own model_main_tf2.py.

    python benchmarks/time_to_first_error.py [--timeout 300]   (needs the [train] extra)

Each mistake from the failure catalogue is injected into the same small SSD MobileNet course
project (tests/support/ssd_course.py). pipecheck's time is a whole `pipecheck check` in a fresh
process. The OD API's time is the stock model_main_tf2.py, run with the compatibility fixes
that let it start on this stack at all (else every run dies on tf-slim after ~6 s), until it
exits with an error — or, for the silent mistakes, until it logs "Step 100": it trains on
with the mistake and never says anything. Prints each time and the ratio, measured in one run.
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
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "examples" / "faces_cubes")]

from make_example import apply_edits  # noqa: E402
from results_file import Recording, add_results_option  # noqa: E402
from support.ssd_course import FOLDER, SSD, build_ssd_course  # noqa: E402

from pipecheck.wrappers.launch import error_line  # noqa: E402

_NMS = "model.ssd.post_processing.batch_non_max_suppression"
# (what, edits, the rule that reports it)
MISTAKES = [
    (
        "fine_tune_checkpoint is the checkpoint folder",
        [("train_config.fine_tune_checkpoint", f'"pre-trained/{SSD}/checkpoint"')],
        "PC301",
    ),
    (
        "type classification on a detection checkpoint",
        [("train_config.fine_tune_checkpoint_type", '"classification"')],
        "PC309",
    ),
    (
        "training input_path does not exist",
        [("train_input_reader.tf_record_input_reader.input_path[0]", '"faces_cubes/training/trian.record"')],
        "PC202",
    ),
    ("fine_tune_checkpoint_version V1", [("train_config.fine_tune_checkpoint_version", "V1")], "PC303"),
    ("max_detections_per_class above max_total_detections", [(f"{_NMS}.max_detections_per_class", "150")], "PC601"),
    ("num_classes 5 with a 2-item label map", [("model.ssd.num_classes", "5")], "PC101"),
    ("train label_map_path removed", [("train_input_reader.label_map_path", None)], "PC110"),
    ("use_bfloat16 true on a CPU", [("train_config.use_bfloat16", "true")], "PC401"),
]
STOCK = """
import runpy, sys
from pipecheck.wrappers.launcher import apply_compatibility_fixes
apply_compatibility_fixes()
import object_detection
script = object_detection.__path__[0] + "/model_main_tf2.py"
sys.argv = [script] + sys.argv[1:]
runpy.run_path(script, run_name="__main__")
"""


def catalogue_entries(code: str) -> str:
    """The failure-catalogue ids a rule's docstring cites."""
    from pipecheck.engine.discovery import discover

    spec = next(spec for spec in discover([], plugins=False).rules if spec.code == code)
    line = next((line for line in spec.doc.splitlines() if line.startswith("Catalogue:")), "")
    return line.removeprefix("Catalogue:").split("(")[0].strip()


def time_pipecheck(root: Path, rule: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pipecheck", "check", FOLDER, "--format", "json", "--ram", "16GiB"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    codes = {finding["rule"] for finding in json.loads(done.stdout)["findings"]}
    if rule not in codes:
        raise SystemExit(f"pipecheck did not report {rule}: {sorted(codes)}")
    return elapsed


def time_od_api(root: Path, timeout: float) -> tuple[float, str]:
    """(seconds, what happened): an error line, or that training ran on."""
    model_dir = Path(tempfile.mkdtemp(prefix="model_dir-", dir=root))
    command = [
        sys.executable,
        "-c",
        STOCK,
        f"--model_dir={model_dir}",
        f"--pipeline_config_path={FOLDER}/pipeline.config",
        "--alsologtostderr",
    ]
    started = time.perf_counter()
    child = subprocess.Popen(
        command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    )
    outcome = {"what": None}
    lines: list[str] = []

    def read():
        for line in child.stdout:
            lines.append(line.rstrip())
            if "Step 100 per-step time" in line and outcome["what"] is None:
                outcome["what"] = "no error: training runs on with the mistake"
                outcome["seconds"] = time.perf_counter() - started
                child.kill()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        child.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        outcome.setdefault("seconds", timeout)
        outcome["what"] = outcome["what"] or f"nothing within {timeout:.0f} s"
    reader.join(timeout=10)
    shutil.rmtree(model_dir, ignore_errors=True)
    if outcome["what"] is None:
        error = error_line(lines) or (lines[-1] if lines else "")
        return time.perf_counter() - started, error[:110]
    return outcome["seconds"], outcome["what"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=300.0)
    add_results_option(parser)
    args = parser.parse_args()
    recording = Recording("time_to_first_error")
    with tempfile.TemporaryDirectory(prefix="pipecheck-bench-") as work:
        root, _fixed = build_ssd_course(Path(work))
        config = root / FOLDER / "pipeline.config"
        clean = config.read_text()
        rows, ratios = [], []
        for what, edits, rule in MISTAKES:
            config.write_text(apply_edits(clean, edits))
            ours = time_pipecheck(root, rule)
            theirs, happened = time_od_api(root, args.timeout)
            silent = happened.startswith(("no error", "nothing"))
            if not silent:
                ratios.append(theirs / ours)
            rows.append((what, catalogue_entries(rule), rule, ours, theirs, silent, happened))
            print(
                f"{what:<52} pipecheck {ours:5.2f} s ({rule})   OD API "
                f"{'never' if silent else f'{theirs:5.1f} s'}  [{happened}]",
                flush=True,
            )
    print()
    print(f"{'mistake':<52} {'catalogue':<24} {'pipecheck':>10} {'OD API':>22}")
    for what, entry, _rule, ours, theirs, silent, _happened in rows:
        od_api = f"never (ran {theirs:.0f} s)" if silent else f"{theirs:.1f} s"
        print(f"{what:<52} {entry:<24} {ours:>8.2f} s {od_api:>22}")
    if ratios:
        print(
            f"\nratio OD API / pipecheck on the {len(ratios)} mistakes the OD API reports: "
            f"median {statistics.median(ratios):.0f}x (from {min(ratios):.0f}x to {max(ratios):.0f}x); "
            f"{len(rows) - len(ratios)} mistakes it never reports, pipecheck reports all {len(rows)}"
        )
    summary = [
        f"`python benchmarks/time_to_first_error.py` injects {len(rows)} start-up mistakes into a small SSD project:",
        "",
        "| mistake | pipecheck | the OD API |",
        "|---|--:|--:|",
    ]
    summary += [
        f"| {what} ({rule}) | {ours:.2f} s | {f'never (ran {theirs:.0f} s)' if silent else f'{theirs:.1f} s'} |"
        for what, _entry, rule, ours, theirs, silent, _happened in rows
    ]
    figures = {"mistakes": len(rows), "od_api_silent_on": len(rows) - len(ratios)}
    if ratios:
        figures |= {"median_ratio": round(statistics.median(ratios)), "min_ratio": round(min(ratios))}
        figures["max_ratio"] = round(max(ratios))
    recording.write(figures, summary, args.results)


if __name__ == "__main__":
    os.environ.setdefault("PIPECHECK_PROGRESS", "never")
    main()
