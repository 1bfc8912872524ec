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


def split_selectors(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]
