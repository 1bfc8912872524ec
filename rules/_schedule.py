"""What the schedule rules share: the review item they pre-fill, the one suggestion."""

from pipecheck import N_, _
from pipecheck.rulekit import describe_others

# The review's sign-off items these rules pre-fill.
SCHEDULE_FITS = N_("The learning-rate schedule fits num_steps")
# The cause the findings that carry the one fitted schedule share: the run shows the first, the others under it.
SCHEDULE_CAUSE = "learning-rate schedule"


def _part_of(suggestion, field: str) -> str:
    """What else the one suggested schedule changes, so each finding shows the whole of it."""
    others = describe_others(suggestion or {}, field)
    return _("; with {others}: one schedule, which pipecheck fix --unsafe writes", others=others) if others else ""
