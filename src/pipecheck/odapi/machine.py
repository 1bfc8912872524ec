"""What the training machine has: RAM, CPU cores, accelerators."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

# French writes octets: 8Gio is 8GiB, 16Go is 16GB.
_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgt]?i?[bo]?)?\s*$", re.IGNORECASE)
_UNITS = {
    "": 1,
    "b": 1,
    "k": 1e3,
    "kb": 1e3,
    "kib": 2**10,
    "m": 1e6,
    "mb": 1e6,
    "mib": 2**20,
    "g": 1e9,
    "gb": 1e9,
    "gib": 2**30,
    "t": 1e12,
    "tb": 1e12,
    "tib": 2**40,
}
_UNITS.update({unit[:-1] + "o": factor for unit, factor in list(_UNITS.items()) if unit.endswith("b")})


@dataclass(frozen=True)
class Machine:
    ram_total: int  # bytes
    ram_available: int  # bytes a training run can use now
    cpus: int
    gpus: int
    ram_given: bool = False  # --ram or the ram setting overrode what was measured

    def describe(self) -> str:
        from pipecheck.i18n import _

        values = {"ram": format_bytes(self.ram_available), "cpus": self.cpus, "gpus": self.gpus}
        if self.ram_given:
            return _("{ram} RAM given, {cpus} CPU cores, {gpus} GPUs", **values)
        return _("{ram} RAM available now, {cpus} CPU cores, {gpus} GPUs", **values)


def parse_size(text: str) -> int:
    """'8GiB', '8 GB', '8192MiB', '8g' -> bytes."""
    match = _SIZE.match(str(text))
    if not match or (match.group(2) or "").lower() not in _UNITS:
        from pipecheck.i18n import _

        raise ValueError(_("not a size: {text!r} (write e.g. 8GiB or 16GB)", text=text))
    return int(float(match.group(1)) * _UNITS[(match.group(2) or "").lower()])


def format_bytes(count: float) -> str:
    from pipecheck.i18n import _

    return _("{size:.1f} GiB", size=count / 2**30)


def current_machine(ram: str | int | None = None) -> Machine:
    total, available = _memory()
    given = ram is not None
    if given:
        available = total = ram if isinstance(ram, int) else parse_size(ram)
    return Machine(total, available, os.cpu_count() or 1, _gpu_count(), ram_given=given)


def _memory() -> tuple[int, int]:
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():  # cheaper than importing psutil on the lint path
        values = {}
        for line in meminfo.read_text().splitlines():
            key, _, rest = line.partition(":")
            values[key] = int(rest.split()[0]) * 1024 if rest.split() else 0
        if "MemTotal" in values and "MemAvailable" in values:
            return values["MemTotal"], values["MemAvailable"]
    import psutil

    memory = psutil.virtual_memory()
    return memory.total, memory.available


def _gpu_count() -> int:
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return len([d for d in visible.split(",") if d.strip() and d.strip() != "-1"])
    return len([p for p in Path("/dev").glob("nvidia[0-9]*")]) if Path("/dev").is_dir() else 0
