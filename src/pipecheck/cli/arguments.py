"""The words of the command line every command shares: its usage error and its value types."""

from __future__ import annotations

import argparse

from pipecheck.errors import InputError
from pipecheck.i18n import _


class UsageError(InputError):
    pass


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(_("must be 1 or more"))
    return value


# Bounds on counts, so that a typo costs an error message rather than the machine's memory:
# a device list per GPU, a process and its pipes per local worker.
MAX_GPUS = 256  # GPUs of one machine (a DGX has 8 or 16)
MAX_WORKERS = 10_000  # machines of one cluster
MAX_LOCAL_WORKERS = 64  # workers rehearsed on this machine, each a process with its pipes


def bounded(high: int):
    """An argparse type: a whole number from 1 to `high`."""

    def count(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(_("write a whole number, not {text!r}", text=text)) from None
        if not 1 <= value <= high:
            raise argparse.ArgumentTypeError(_("must be from 1 to {high}, not {value}", high=high, value=value))
        return value

    count.__name__ = "count"
    return count


def gpu_count(text: str) -> str:
    """--gpus: a count from 1 to MAX_GPUS, or all."""
    if text == "all":
        return text
    if not text.isdigit() or not 1 <= int(text) <= MAX_GPUS:
        raise argparse.ArgumentTypeError(
            _("write a count from 1 to {high} or all, not {text!r}", high=MAX_GPUS, text=text)
        )
    return text
