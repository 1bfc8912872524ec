"""A benchmark's figures, written to benchmarks/results/<benchmark>.json for the site's measured page.

    recording = Recording("lint_latency")           # at the start: the date and the load average
    ...                                             # measure
    recording.write({"ratio": 7.2}, ["a Markdown line", ...], folder)   # folder None: benchmarks/results

The file holds "benchmark", "date" (ISO, UTC, when the run started), "machine" (cores, RAM,
Python), "load" (os.getloadavg() at the start: 1, 5 and 15 minutes), "figures" and "summary"
(Markdown lines). scripts/regenerate.py turns every file into docs/measured.md.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def add_results_option(parser) -> None:
    parser.add_argument(
        "--results",
        type=Path,
        default=RESULTS,
        metavar="DIR",
        help="where to write <benchmark>.json (default benchmarks/results; commit it, then run scripts/regenerate.py)",
    )


class Recording:
    def __init__(self, benchmark: str):
        self.benchmark = benchmark
        self.date = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        self.load = [round(value, 2) for value in os.getloadavg()]

    def write(self, figures: dict, summary: list[str], folder: Path | None = None) -> Path:
        folder = Path(folder or RESULTS)
        folder.mkdir(parents=True, exist_ok=True)
        document = {
            "benchmark": self.benchmark,
            "date": self.date,
            "machine": machine(),
            "load": self.load,
            "figures": figures,
            "summary": summary,
        }
        path = folder / f"{self.benchmark}.json"
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {path}")
        return path


def machine() -> dict:
    # from the standard library: ci_time.py runs for half an hour under whatever python3 is first on the PATH,
    # and a missing psutil at the end lost its figures once
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "cores": os.cpu_count(),
        "ram": f"{ram / 2**30:.1f} GiB",
        "python": platform.python_version(),
    }
