"""One batch_size recommendation per run, shared by PC402, PC403 and PC716 so they never disagree
(unless a team sets PC402's ram_margin option: PC402 then recommends with its own margin).

The RAM figure is stable from run to run: the RAM given (--ram, the ram setting) or else the
machine's total RAM, not the free RAM, which moves with every other program. Records and the
single-machine bound then lower it.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipecheck import _
from pipecheck.rulekit import estimate_training, format_bytes

ONE_MACHINE_LARGEST = 8  # zoo batches of 64-512 are for 8-32 TPU cores; on one CPU or GPU, 1 to 8
BATCHES_PER_EPOCH = 4  # fewer would repeat images inside a batch on a small dataset


@dataclass(frozen=True)
class BatchAdvice:
    value: int  # 0: not even batch 1 fits
    ram_bytes: int  # the RAM figure used
    ram_largest: int | None  # the largest batch that fits that RAM (None: no RAM model for this network)
    records: int | None  # training records, when read

    def ram_figure(self, machine) -> str:
        if machine.ram_given:
            return _("{size} given", size=format_bytes(self.ram_bytes))
        return _("{size} total RAM", size=format_bytes(self.ram_bytes))

    def reasons(self, machine) -> str:
        """'23.5 GiB total RAM: up to 18; 16 training records: up to 4; one machine: up to 8'."""
        parts = []
        if self.ram_largest is not None:
            parts.append(_("{ram}: up to {largest}", ram=self.ram_figure(machine), largest=self.ram_largest))
        if self.records is not None:
            parts.append(
                _(
                    "{records} training records: up to {largest}",
                    records=self.records,
                    largest=max(1, self.records // BATCHES_PER_EPOCH),
                )
            )
        parts.append(_("one machine: up to {largest}", largest=ONE_MACHINE_LARGEST))
        return _("; ").join(parts)  # French puts a space before the semicolon

    def describe(self, machine) -> str:
        return _("recommended batch_size {value} ({reasons})", value=self.value, reasons=self.reasons(machine))


def ram_for_training(machine) -> int:
    return machine.ram_available if machine.ram_given else machine.ram_total


def advise_batch(config, machine, records=None, margin: float | None = None) -> BatchAdvice:
    """`margin`: PC402's ram_margin option (the estimate's own 15 % when None)."""
    estimate = estimate_training(config)
    ram = ram_for_training(machine)
    ram_largest = (
        (estimate.largest_batch(ram) if margin is None else estimate.largest_batch(ram, margin)) if estimate else None
    )
    count = records.train.records if records is not None and records.train is not None else None
    bounds = [ONE_MACHINE_LARGEST]
    if count:
        bounds.append(max(1, count // BATCHES_PER_EPOCH))
    if ram_largest is not None:
        bounds.append(ram_largest)
    return BatchAdvice(min(bounds), ram, ram_largest, count)
