"""How a lint's cost grows with the input: 1x, 10x and 100x of paths, suppressions, records, checkpoint size.

    python benchmarks/scale.py [--only paths,suppressions,records,checkpoint] [--results DIR]

Each size is linted three times, cold (a fresh cache folder each time), in a subprocess of a fresh copy of the
course project; its wall time, CPU time (user + system: what the load of other processes does not
inflate) and peak memory (ru_maxrss of that process alone, from wait4) are printed, with the growth
exponent log(t100 / t10) / log(10) of the CPU time, of the whole lint and of its part above a
plain lint of the same project. Goals (issue 23): exponent at most 1.1, 100k paths under 2 s,
memory under 300 MB. The figures go to benchmarks/results/scale.json with the machine and its load.

  paths         1,000 / 10,000 / 100,000 input_path entries naming absent records in 100 absent folders
  suppressions  500 / 5,000 / 50,000 unused `# pipecheck: ignore[PC101]` comments
  records       train.record repeated 10 / 100 / 1,000 times (16 images each)
  checkpoint    the data shard made 640 MiB / 6.4 GiB / 64 GiB (sparse: the size, not the disk)
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results_file import Recording, add_results_option

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from support.projects import CONFIG, NET, copy_example, make_clean  # noqa: E402

SCALES = (1, 10, 100)
GOAL_EXPONENT, GOAL_PATHS_SECONDS, GOAL_MEGABYTES = 1.1, 2.0, 300


def with_paths(root: Path, scale: int) -> None:
    config = root / CONFIG
    text = config.read_text()
    lines = "".join(f'    input_path: "absent/d{i % 100}/f{i}.record"\n' for i in range(1000 * scale))
    at = text.index("input_path:")
    config.write_text(text[:at] + lines.lstrip() + "    " + text[at:])


def with_suppressions(root: Path, scale: int) -> None:
    config = root / CONFIG
    text = config.read_text()
    comments = "  # pipecheck: ignore[PC101]\n" * (500 * scale)
    at = text.index("  batch_size:")
    config.write_text(text[:at] + comments + text[at:])


def with_records(root: Path, scale: int) -> None:
    record = root / "faces_cubes/training/train.record"
    data = record.read_bytes()
    with open(record, "wb") as stream:
        for _ in range(10 * scale):
            stream.write(data)


def with_checkpoint(root: Path, scale: int) -> None:
    shard = next((root / "pre-trained" / NET / "checkpoint").glob("ckpt-0.data-*"))
    grown = shard.with_name(shard.name + ".grown")
    shutil.copyfile(os.path.realpath(shard), grown)  # the copy may link the example's shard: never grow that one
    with open(grown, "r+b") as stream:
        stream.truncate(640 * scale << 20)
    shard.unlink()
    os.replace(grown, shard)


GROW = {"paths": with_paths, "suppressions": with_suppressions, "records": with_records, "checkpoint": with_checkpoint}


def coldest(root: Path, cache: Path, runs: int = 3) -> tuple[float, float, float]:
    """The least wall and CPU time and the most memory of `runs` cold lints: one run's noise is as big as 10k paths."""
    figures = [lint(root, cache.with_name(f"{cache.name}-{run}")) for run in range(runs)]
    return min(f[0] for f in figures), min(f[1] for f in figures), max(f[2] for f in figures)


def lint(root: Path, cache: Path) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak MiB) of one cold lint of the project at `root`."""
    env = {**os.environ, "PIPECHECK_CACHE_DIR": str(cache), "PIPECHECK_PROGRESS": "never"}
    command = [sys.executable, "-m", "pipecheck", CONFIG, "--ram", "16GiB", "--format", "json"]
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"lint failed ({code}) in {root}: {child.stderr.read().decode()[-600:]}")
    child.stderr.close()
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def exponent(small: float, large: float) -> float:
    return math.log(max(large, 1e-6) / max(small, 1e-6)) / math.log(10)


def measure(kind: str, template: Path, work: Path) -> dict:
    rows = {}
    for scale in SCALES:
        root = work / f"{kind}-{scale}" / "tod_tf2"
        shutil.copytree(template, root, symlinks=True)
        GROW[kind](root, scale)
        rows[scale] = coldest(root, work / f"cache-{kind}-{scale}")
        shutil.rmtree(root.parent)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(GROW), help="comma-separated: " + ", ".join(GROW))
    add_results_option(parser)
    args = parser.parse_args()
    recording = Recording("scale")
    load = recording.load
    with tempfile.TemporaryDirectory(prefix="pipecheck-scale-") as folder:
        work = Path(folder)
        template = make_clean(copy_example(work / "template" / "tod_tf2"))
        base = coldest(template, work / "cache-base")
        print(f"plain lint of the project: {base[0]:.2f} s wall, {base[1]:.2f} s CPU, {base[2]:.0f} MiB")
        figures = {"plain": {"wall_s": round(base[0], 3), "cpu_s": round(base[1], 3), "peak_mib": round(base[2], 1)}}
        summary = [
            "| Input | 1x | 10x | 100x | exponent (CPU) | exponent above a plain lint | peak memory |",
            "|---|---|---|---|---|---|---|",
        ]
        for kind in args.only.split(","):
            rows = measure(kind, template, work)
            whole = exponent(rows[10][1], rows[100][1])
            above = exponent(max(rows[10][1] - base[1], 0.01), max(rows[100][1] - base[1], 0.01))
            peak = max(row[2] for row in rows.values())
            cells = [f"{rows[s][1]:.2f} s CPU ({rows[s][0]:.2f} s wall)" for s in SCALES]
            print(
                f"{kind:13} "
                + "  ".join(cells)
                + f"  exponent {whole:.2f} (above plain {above:.2f})  peak {peak:.0f} MiB"
            )
            figures[kind] = {
                "cpu_s": {str(s): round(rows[s][1], 3) for s in SCALES},
                "wall_s": {str(s): round(rows[s][0], 3) for s in SCALES},
                "peak_mib": {str(s): round(rows[s][2], 1) for s in SCALES},
                "exponent_cpu": round(whole, 3),
                "exponent_above_plain": round(above, 3),
            }
            summary.append(f"| {kind} | " + " | ".join(cells) + f" | {whole:.2f} | {above:.2f} | {peak:.0f} MiB |")
    verdicts = []
    worst = max(figures[k]["exponent_above_plain"] for k in figures if k != "plain")
    verdicts.append(
        f"exponent above a plain lint at most {worst:.2f} (goal {GOAL_EXPONENT}: {'met' if worst <= GOAL_EXPONENT else 'NOT met'})"
    )
    if "paths" in figures:
        hundred_k = figures["paths"]["cpu_s"]["100"]
        verdicts.append(
            f"100k paths {hundred_k:.2f} s CPU (goal under {GOAL_PATHS_SECONDS} s: "
            f"{'met' if hundred_k < GOAL_PATHS_SECONDS else 'NOT met'})"
        )
    peak = max(max(v["peak_mib"].values()) for k, v in figures.items() if k != "plain")
    verdicts.append(
        f"peak memory {peak:.0f} MiB (goal under {GOAL_MEGABYTES} MB: {'met' if peak < GOAL_MEGABYTES else 'NOT met'})"
    )
    for line in verdicts:
        print(line)
    print(f"load average at the start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    summary += [
        "",
        *[f"- {line}" for line in verdicts],
        f"- load average at the start: {load[0]:.2f} on {os.cpu_count()} cores",
    ]
    recording.write(figures, summary, args.results)


if __name__ == "__main__":
    main()
