"""MB/s of pipecheck's full record verification against a raw read and against tf.data, on ~200 MB.

    python benchmarks/records_throughput.py [--megabytes 200] [--keep FILE] [--results DIR]

pipecheck's pass checks both CRCs of every record, decodes every tf.train.Example against the
OD API decoder's contract, checks every box, reads every image's headers and hashes its bytes.
tf.data's is TFRecordDataset + parse_single_example (run only when TensorFlow is installed).
The file holds real JPEG photos-like images of 800x600. pipecheck's pass uses every core (the file
cut at record boundaries, artifacts/records_split.py). Target: 3x tf.data (issue 23; 1.8x on one core).
Run it when the machine is quiet: the load average is recorded with the figures.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from results_file import Recording, add_results_option

GOAL = 3.0  # times tf.data's MB/s


def make_file(path: Path, megabytes: int) -> int:
    from PIL import Image, ImageFilter

    from pipecheck.testing.writers import detection_example, frame_record

    rng = random.Random(3)
    pool = []
    for index in range(24):
        image = Image.effect_noise((800, 600), 60 + index).convert("RGB").filter(ImageFilter.GaussianBlur(1))
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=92)
        pool.append(buffer.getvalue())
    written = 0
    with open(path, "wb") as out:
        index = 0
        while written < megabytes * 2**20:
            boxes = [
                (rng.uniform(0, 0.4), rng.uniform(0, 0.4), rng.uniform(0.5, 1), rng.uniform(0.5, 1))
                for _ in range(rng.randint(1, 6))
            ]
            example = detection_example(
                pool[index % len(pool)],
                800,
                600,
                boxes,
                [rng.choice(("one", "two")) for _ in boxes],
                filename=f"{index}.jpg",
            )
            record = frame_record(example.SerializeToString(deterministic=True))
            out.write(record)
            written += len(record)
            index += 1
    return written


def raw_read(path: Path) -> None:
    with open(path, "rb") as stream:
        while stream.read(8 * 2**20):
            pass


def pipecheck_pass(path: Path) -> None:
    from pipecheck.artifacts.records import scan_file

    facts = scan_file(path)
    assert facts.records and not facts.problems, facts.problems[:3]


def tensorflow_pass(path: Path) -> None:
    import tensorflow as tf

    spec = {
        "image/encoded": tf.io.FixedLenFeature((), tf.string),
        "image/format": tf.io.FixedLenFeature((), tf.string),
        "image/height": tf.io.FixedLenFeature((), tf.int64),
        "image/width": tf.io.FixedLenFeature((), tf.int64),
        **{f"image/object/bbox/{k}": tf.io.VarLenFeature(tf.float32) for k in ("ymin", "xmin", "ymax", "xmax")},
        "image/object/class/text": tf.io.VarLenFeature(tf.string),
    }
    dataset = tf.data.TFRecordDataset(str(path)).map(lambda r: tf.io.parse_single_example(r, spec))
    for _ in dataset:
        pass


def best_of(function, path: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function(path)
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="write the generated file here and keep it")
    add_results_option(parser)
    args = parser.parse_args()
    recording = Recording("records_throughput")
    folder = tempfile.mkdtemp(prefix="pipecheck-bench-")
    path = args.keep or Path(folder) / "bench.record"
    size = make_file(path, args.megabytes) if not path.exists() else path.stat().st_size
    megabytes = size / 2**20
    raw_read(path)  # into the page cache, so every contender reads from memory
    results = {"raw read": best_of(raw_read, path, args.runs), "pipecheck": best_of(pipecheck_pass, path, args.runs)}
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        print("tensorflow is not installed: tf.data is not measured", file=sys.stderr)
    else:
        tensorflow_pass(path)  # builds the graph once, outside the timing
        results["tf.data + parse_single_example"] = best_of(tensorflow_pass, path, args.runs)
    print(f"file: {megabytes:.0f} MB of TFRecords (best of {args.runs} runs each)")
    for name, seconds in results.items():
        print(f"  {name:32s} {megabytes / seconds:8.1f} MB/s  ({seconds:.2f} s)")
    ours = results["pipecheck"]
    print(f"pipecheck / raw read: {results['raw read'] / ours:.2f}")
    if "tf.data + parse_single_example" in results:
        ratio = results["tf.data + parse_single_example"] / ours
        print(
            f"pipecheck / tf.data: {ratio:.2f}  (target at least {GOAL:.1f}: {'met' if ratio >= GOAL else 'NOT met'})"
        )
    print(f"load average at the start: {' '.join(str(v) for v in recording.load)} on {os.cpu_count()} cores")
    speeds = {name: megabytes / seconds for name, seconds in results.items()}
    summary = [
        f"`python benchmarks/records_throughput.py` generates {megabytes:.0f} MB of records and measures the MB/s "
        f"of pipecheck's full verification (best of {args.runs} runs): pipecheck {speeds['pipecheck']:.0f} MB/s, "
        f"a raw read {speeds['raw read']:.0f} MB/s"
        + (
            f", tf.data with `parse_single_example` {speeds['tf.data + parse_single_example']:.0f} MB/s "
            f"({results['tf.data + parse_single_example'] / ours:.1f}×; target at least {GOAL:.1f}×); "
            f"{results['raw read'] / ours:.2f}× a raw read of the same file; {os.cpu_count()} cores, load "
            f"average {recording.load[0]} at the start."
            if "tf.data + parse_single_example" in results
            else " (TensorFlow not installed: tf.data not measured)."
        )
    ]
    figures = {f"{name.split(' ')[0].replace('.', '_')}_mb_per_s": round(value, 1) for name, value in speeds.items()}
    figures["megabytes"] = round(megabytes, 1)
    figures["ratio_to_raw_read"] = round(results["raw read"] / ours, 3)
    if "tf.data + parse_single_example" in results:
        figures["ratio_to_tf_data"] = round(results["tf.data + parse_single_example"] / ours, 2)
    recording.write(figures, summary, args.results)
    if args.keep is None:
        os.remove(path)
        os.rmdir(folder)


if __name__ == "__main__":
    main()
