"""pipecheck: lint a TensorFlow Object Detection API pipeline.config against its project.

Rule authors need only what this module exports:

    from pipecheck import rule, option, fixture, Finding, cannot_decide, _, n_, N_

`_` and `n_` translate messages (English and French catalogues, see pipecheck.i18n); `N_` marks
a text for translation where it is written and leaves it to be translated where it is shown.
The facts rules compute from (paths, sizes, schedules, estimates) are in `pipecheck.rulekit`.
"""

__version__ = "0.1.0"

from pipecheck.engine.findings import Finding  # noqa: E402
from pipecheck.engine.registry import CannotDecide, cannot_decide, fixture, option, rule  # noqa: E402
from pipecheck.i18n import N_, _, n_  # noqa: E402

__all__ = ["__version__", "rule", "option", "fixture", "Finding", "cannot_decide", "CannotDecide", "_", "n_", "N_"]
