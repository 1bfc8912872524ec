"""Peak RSS and seconds per step of real OD API trainings, against pipecheck's estimate (PC402).

    python benchmarks/calibrate_memory.py [--only TEXT] [--batches 1,2,4] [--jsonl FILE]
    (needs the [train] extra; one TensorFlow process at a time)

Each row is a zoo config trained from scratch (no checkpoint to download) through pipecheck's
launcher, on the example's cube-face records with its 2-class label map: num_classes 2, the
zoo's resizer, augmentation and optimizer, `batch_size` 1, 2 and 4. Peak RSS is the training
process's own maximum resident set (wait4's ru_maxrss); seconds per step are the median gap
between the steps in its events file, leaving out the first two (tracing). Prints
estimate/measured per row: the goal is ±15 % for RAM, ±25 % for s/step. Also prints the
machine's load average, since s/step on a shared machine depends on it (RSS does not).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ZOO = REPO / "tests/data/zoo"
TRAINING = REPO / "examples/faces_cubes/tod_tf2/faces_cubes/training"
sys.path[:0] = [str(REPO / "examples/faces_cubes")]

from make_example import apply_edits  # noqa: E402
from results_file import Recording, add_results_option  # noqa: E402

from pipecheck.odapi.estimates import TIME_PIXEL_EXPONENT  # noqa: E402

_CENTERNET = "centernet_resnet101_v1_fpn_512x512_coco17_tpu-8"
_EXTRACTOR = "model.center_net.feature_extractor"
# Keras loads ImageNet weights for a MobileNet V2 of depth 1.0 (a download); 0.9999 builds the
# same layers (channel counts are rounded to multiples of 8) from random weights.
_MOBILENET = [
    (f"{_EXTRACTOR}.type", '"mobilenet_v2_fpn_sep_conv"'),
    (f"{_EXTRACTOR}.depth_multiplier", "0.9999"),
    (f"{_EXTRACTOR}.use_separable_conv", "true"),
    (f"{_EXTRACTOR}.upsampling_interpolation", '"nearest"'),
]
# (row, zoo config, edits to the zoo's model (a CenterNet the zoo has as another config), steps to run)
ROWS = [
    ("SSD MobileNet V2 320", "ssd_mobilenet_v2_320x320_coco17_tpu-8", None, 12),
    ("SSD MobileNet V2 FPNLite 320", "ssd_mobilenet_v2_fpnlite_320x320_coco17_tpu-8", None, 12),
    ("SSD MobileNet V2 FPNLite 640", "ssd_mobilenet_v2_fpnlite_640x640_coco17_tpu-8", None, 8),
    ("EfficientDet D0 512", "ssd_efficientdet_d0_512x512_coco17_tpu-8", None, 8),
    ("EfficientDet D1 640", "ssd_efficientdet_d1_640x640_coco17_tpu-8", None, 7),
    ("CenterNet ResNet-50 V1 FPN 512", _CENTERNET, [(f"{_EXTRACTOR}.type", '"resnet_v1_50_fpn"')], 7),
    ("CenterNet MobileNet V2 FPN 512", _CENTERNET, _MOBILENET, 8),
    ("SSD ResNet-50 V1 FPN 640", "ssd_resnet50_v1_fpn_640x640_coco17_tpu-8", None, 6),
    ("Faster R-CNN ResNet-50 640", "faster_rcnn_resnet50_v1_640x640_coco17_tpu-8", None, 6),
    ("Faster R-CNN ResNet-101 640", "faster_rcnn_resnet101_v1_640x640_coco17_tpu-8", None, 6),
]


def config_text(zoo_name: str, model_edits: list | None, batch: int, steps: int) -> str:
    from pipecheck.schema import load_schema
    from pipecheck.textproto import parse_located

    text = (ZOO / f"{zoo_name}.config").read_text(encoding="utf-8")
    pipeline_class = load_schema(REPO).pipeline_class
    arch = parse_located(Path("pipeline.config"), text, pipeline_class).message.model.WhichOneof("model")
    label_map, train, test = (f'"{TRAINING / name}"' for name in ("label_map.pbtxt", "train.record", "test.record"))
    edits = [
        (f"model.{arch}.num_classes", "2"),
        ("train_config.batch_size", str(batch)),
        ("train_config.num_steps", str(steps)),
        ("train_config.fine_tune_checkpoint", None),
        ("train_config.use_bfloat16", None),
        ("train_input_reader.label_map_path", label_map),
        ("train_input_reader.tf_record_input_reader.input_path[0]", train),
        ("eval_input_reader[0].label_map_path", label_map),
        ("eval_input_reader[0].tf_record_input_reader.input_path[0]", test),
    ]
    edits += model_edits or []
    located = parse_located(Path("pipeline.config"), text, pipeline_class)
    edits = [(path, value) for path, value in edits if value is not None or located.written(path)]
    return apply_edits(text, edits)


def training_estimate(config_path: Path):
    """pipecheck's TrainingEstimate for a config (None for an unknown family)."""
    from pipecheck.artifacts.pipeline_config import load_pipeline_config
    from pipecheck.odapi.estimates import estimate_training
    from pipecheck.schema import load_schema

    return estimate_training(load_pipeline_config(config_path, load_schema(REPO).pipeline_class))


def estimate(config_path: Path, batch: int) -> tuple[float | None, float | None, bool]:
    """(estimated peak MiB, estimated s/step, measured family) from pipecheck's RAM model."""
    from pipecheck.odapi.estimates import MIB

    found = training_estimate(config_path)
    if found is None:
        return None, None, False
    return found.peak_bytes(batch) / MIB, found.seconds_per_step(batch), found.family.measured


def measure(config_path: Path, model_dir: Path, batch: int, steps: int) -> dict:
    """Train `steps` steps through the launcher (pipecheck probe's measurement)."""
    from pipecheck.wrappers.launch import prepare
    from pipecheck.wrappers.probe import measure_training

    launch = prepare(
        "train",
        {"pipeline": str(config_path), "model_dir": str(model_dir), "num_steps": steps, "checkpoint_every": 100000},
        model_dir,
        None,
    )
    found = measure_training(launch.command, launch.full_environment(), model_dir, model_dir, batch)
    return {
        "exit": found.exit_code,
        "rss_mib": found.peak_mib,
        "steps": found.steps,
        "s_per_step": found.seconds_per_step,
        "seconds": round(found.seconds, 1),
        "tail": found.tail[-3:],
    }


def fit(jsonl: Path) -> None:
    """Each recorded row against the shipped estimate, then per family the least-squares lines for estimates.py.

    A family's rows at several resizer sizes (FPNLite 320 and 640) share one line: the part per
    image is given at the family's reference size and scales with the pixels. Faster R-CNN's
    second stage (per proposal, not per pixel) is taken out of the RAM before fitting.
    """
    from pipecheck.wrappers.probe import fit_line

    rows_by_name = {row[0]: row for row in ROWS}
    families: dict[str, list[tuple[dict, float, float]]] = {}
    print(f"{'row':32} {'b':>2} {'RSS MiB':>8} {'est.':>6} {'ratio':>5}   {'s/step':>7} {'est.':>6} {'ratio':>5}  load")
    for line in jsonl.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["exit"] != 0:
            continue
        _name, zoo_name, model_edits, steps = rows_by_name[row["family"]]
        with tempfile.TemporaryDirectory() as work:
            config_path = Path(work) / "pipeline.config"
            config_path.write_text(config_text(zoo_name, model_edits, row["batch"], steps), encoding="utf-8")
            found = training_estimate(config_path)
        est_mib, est_seconds = found.peak_bytes(row["batch"]) / 2**20, found.seconds_per_step(row["batch"])
        scale = found.height * found.width / found.family.reference_pixels
        families.setdefault(found.family.label, []).append(
            (row, scale, found.per_image_mib - found.family.per_image_mib * scale)
        )
        print(
            f"{row['family']:32} {row['batch']:>2} {row['rss_mib']:>8.0f} {est_mib:>6.0f} "
            f"{ratio(est_mib, row['rss_mib']):>5}   {row['s_per_step'] or 0:>7.3f} {est_seconds or 0:>6.3f} "
            f"{ratio(est_seconds, row['s_per_step']):>5}  {row['load']:.1f}"
        )
    print()
    for label, found in families.items():
        ram = [(r["batch"] * scale, r["rss_mib"] - r["batch"] * stage2) for r, scale, stage2 in found]
        fixed, per_image = fit_line(ram)
        text = f"{label:34} peak MiB {fixed:5.0f} + {per_image:5.0f} per image"
        timed = [(r["batch"], r["s_per_step"], scale) for r, scale, _stage2 in found if r["s_per_step"]]
        if len(timed) > 1:
            (seconds_fixed, seconds_per_image), worst = fit_time(timed, TIME_PIXEL_EXPONENT)
            text += f"   s/step {seconds_fixed:.3f} + {seconds_per_image:.3f} per image (worst row {worst:.0%} off)"
            if len({scale for _b, _y, scale in timed}) > 1:
                best = min((fit_time(timed, e / 100)[1], e / 100) for e in range(50, 121))
                text += f"; best pixel exponent {best[1]:.2f} ({best[0]:.0%})"
        worst_ram = max(abs((fixed + x * per_image) / y - 1) for x, y in ram)
        print(f"{text}   RAM worst row {worst_ram:.0%} off ({len(found)} rows)")


def fit_time(timed: list[tuple[int, float, float]], exponent: float) -> tuple[tuple[float, float], float]:
    """The line through (batch, s/step ÷ scale^exponent) and the worst row's relative error."""
    from pipecheck.wrappers.probe import fit_line

    fixed, per_image = fit_line([(batch, seconds / scale**exponent) for batch, seconds, scale in timed])
    worst = max(abs((fixed + batch * per_image) * scale**exponent / seconds - 1) for batch, seconds, scale in timed)
    return (fixed, per_image), worst


def ratio(estimated, measured) -> str:
    return f"{estimated / measured:.2f}" if estimated and measured else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="rows whose name contains this text")
    parser.add_argument("--batches", default="1,2,4")
    parser.add_argument("--jsonl", type=Path, help="append each measured row to this file as it completes")
    parser.add_argument("--keep", action="store_true", help="keep the run folders (printed)")
    parser.add_argument(
        "--fit", type=Path, metavar="JSONL", help="print the lines through a --jsonl file, measure nothing"
    )
    add_results_option(parser)
    args = parser.parse_args()
    recording = Recording("calibrate_memory")
    if args.fit:
        fit(args.fit)
        return 0
    batches = [int(b) for b in args.batches.split(",")]
    rows = [row for row in ROWS if not args.only or args.only.lower() in row[0].lower()]
    header = (
        f"{'family':32} {'b':>2} {'RSS MiB':>8} {'est.':>6} {'ratio':>5}   {'s/step':>7} {'est.':>6} "
        f"{'ratio':>5}  {'load':>4}  kind"
    )
    print(header)
    print("-" * len(header), flush=True)
    measured = []
    for name, zoo_name, model_edits, steps in rows:
        for batch in batches:
            work = Path(tempfile.mkdtemp(prefix="calibrate-"))
            config_path = work / "pipeline.config"
            config_path.write_text(config_text(zoo_name, model_edits, batch, steps), encoding="utf-8")
            load = os.getloadavg()[0]
            found = measure(config_path, work, batch, steps)
            est_mib, est_seconds, measured_family = estimate(config_path, batch)
            kind = "measured" if measured_family else "prior"
            seconds = found["s_per_step"]
            print(
                f"{name:32} {batch:>2} {found['rss_mib']:>8.0f} {est_mib or 0:>6.0f} "
                f"{ratio(est_mib, found['rss_mib']):>5}   {seconds or 0:>7.3f} {est_seconds or 0:>6.3f} "
                f"{ratio(est_seconds, seconds):>5}  {load:>4.1f}  {kind}"
                + (f"  FAILED exit {found['exit']}: {' | '.join(found['tail'])}" if found["exit"] else ""),
                flush=True,
            )
            measured.append((name, batch, found, est_mib, est_seconds))
            if args.jsonl:
                with open(args.jsonl, "a", encoding="utf-8") as out:
                    out.write(
                        json.dumps(
                            {
                                "family": name,
                                "batch": batch,
                                "load": round(load, 2),
                                **found,
                                "estimate_mib": est_mib,
                                "estimate_s": est_seconds,
                            }
                        )
                        + "\n"
                    )
            if args.keep:
                print(f"  kept {work}")
            else:
                import shutil

                shutil.rmtree(work, ignore_errors=True)
    record(recording, measured, args.results)
    return 0


def record(recording, measured: list, folder: Path) -> None:
    """Each family and batch measured, peak RSS and s/step against the estimate, in benchmarks/results."""
    summary = [
        "`python benchmarks/calibrate_memory.py` trains each family from scratch through the launcher and "
        "measures peak RSS (the process's own `ru_maxrss`) and s/step (the median gap between steps, the "
        "first two left out) against the shipped estimate:",
        "",
        "| family | batch | peak RSS MiB | estimate/measured | s/step | estimate/measured |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    worst_ram = worst_time = 0.0
    for name, batch, found, est_mib, est_seconds in measured:
        summary.append(
            f"| {name} | {batch} | {found['rss_mib']:.0f} | {ratio(est_mib, found['rss_mib'])} | "
            f"{found['s_per_step'] or 0:.3f} | {ratio(est_seconds, found['s_per_step'])} |"
        )
        if est_mib and found["rss_mib"]:
            worst_ram = max(worst_ram, abs(est_mib / found["rss_mib"] - 1))
        if est_seconds and found["s_per_step"]:
            worst_time = max(worst_time, abs(est_seconds / found["s_per_step"] - 1))
    figures = {
        "rows": len(measured),
        "worst_ram_off": round(worst_ram, 3),
        "worst_s_per_step_off": round(worst_time, 3),
    }
    recording.write(figures | {"goal_ram": 0.15, "goal_s_per_step": 0.25}, summary, folder)


if __name__ == "__main__":
    sys.exit(main())
