"""Seconds to fill a fresh venv with pipecheck-tfod[test,train] and the OD API: pip against uv, in one run.

    python benchmarks/install_speed.py [--python python3] [--uv PATH] [--results DIR]

What .ci/run's slow-tier line installs (`-e '.[test,train]'`, then `--no-deps -r requirements/od-api.txt`),
three times, each into a new `PYTHON -m venv` venv: with that venv's pip; with `uv pip install` from an
empty uv cache; and with uv again, its cache now filled (what the later venvs of one .ci/run get).
Prints the seconds, the ratio pip / uv (empty cache), and whether the three venvs hold the same
distributions at the same versions (pip and setuptools aside). Downloads most of it each time, so the
network's speed and the machine's load weigh: read the ratio of one run. Writes
benchmarks/results/install_speed.json.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from results_file import Recording, add_results_option  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
FREEZE = (
    "import importlib.metadata as m; print('\\n'.join(sorted(d.metadata['Name'].lower().replace('_', '-') + '=='"
    " + d.version for d in m.distributions() if d.metadata['Name'].lower() not in ('pip', 'setuptools'))))"
)


def timed(commands: list[list[str]], env: dict) -> float:
    started = time.perf_counter()
    for command in commands:
        done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def install(venv: Path, python: str, installer: list[str] | None, env: dict) -> float:
    """Seconds for `python -m venv` and the two installs, with the venv's pip (installer None) or uv."""
    target = ["-p", str(venv)] if installer else []
    pip = installer + ["pip", "install", "-q", *target] if installer else [str(venv / "bin" / "pip"), "install", "-q"]
    return timed(
        [
            [python, "-m", "venv", str(venv)],
            pip + ["-e", ".[test,train]"],
            pip + ["--no-deps", "-r", "requirements/od-api.txt"],
        ],
        env,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default="python3", help="the interpreter of the venvs (default python3)")
    parser.add_argument("--uv", default=shutil.which("uv"), help="the uv executable (default: uv on the PATH)")
    add_results_option(parser)
    args = parser.parse_args()
    if not args.uv:
        raise SystemExit("uv not found: python3 -m pip install uv, then --uv PATH/TO/uv")
    recording = Recording("install_speed")
    with tempfile.TemporaryDirectory(prefix="pipecheck-install-") as work:
        work = Path(work)
        env = {**os.environ, "UV_CACHE_DIR": str(work / "uv-cache")}
        seconds = {
            "pip": install(work / "pip", args.python, None, env),
            "uv_empty_cache": install(work / "uv-empty", args.python, [args.uv], env),
            "uv_filled_cache": install(work / "uv-filled", args.python, [args.uv], env),
        }
        frozen = {
            name: subprocess.run(
                [str(work / folder / "bin" / "python"), "-c", FREEZE], capture_output=True, text=True, check=True
            ).stdout
            for name, folder in (("pip", "pip"), ("uv_empty_cache", "uv-empty"), ("uv_filled_cache", "uv-filled"))
        }
    same = len(set(frozen.values())) == 1
    count = len(frozen["pip"].splitlines())
    ratio = seconds["pip"] / seconds["uv_empty_cache"]
    load = " ".join(f"{value:.1f}" for value in recording.load)
    for name, value in seconds.items():
        print(f"{name:<16} {value:7.1f} s")
    print(
        f"ratio pip / uv (empty cache) {ratio:.1f}x; the venvs' {count} distributions: {'the same' if same else 'DIFFER'}"
    )
    recording.write(
        {
            **{f"{name}_seconds": round(value, 1) for name, value in seconds.items()},
            "ratio": round(ratio, 1),
            "same": same,
        },
        [
            f"`python benchmarks/install_speed.py` (a fresh venv of `.[test,train]` and the OD API, as .ci/run's "
            f"slow tier fills it, {args.python}): pip {seconds['pip']:.0f} s, uv {seconds['uv_empty_cache']:.0f} s "
            f"from an empty cache ({ratio:.1f}× faster) and {seconds['uv_filled_cache']:.0f} s with it filled; "
            f"the {count} distributions installed are {'the same' if same else 'NOT the same'} (load {load})."
        ],
        args.results,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
