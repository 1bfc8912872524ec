"""pipecheck: lint a TensorFlow Object Detection API pipeline.config against its project.

Rule authors need only what this module exports:

    from pipecheck import rule, option, fixture, Finding, cannot_decide, _, n_, N_

`_` and `n_` translate messages (English and French catalogues, see pipecheck.i18n); `N_` marks
a text for translation where it is written and leaves it to be translated where it is shown.
The facts rules compute from (paths, sizes, schedules, estimates) are in `pipecheck.rulekit`.

From Python or a notebook, `pipecheck.lint(path_or_text, root=...)` lints and returns a result
(`pipecheck.api`); `%load_ext pipecheck` adds the `%pipecheck` and `%%pipecheck` magics.
This module only hands names on (the package's face): nothing below it imports upward through it.
"""

from pipecheck.api import lint  # noqa: E402  (only the standard library until it is called)
from pipecheck.engine.findings import Finding  # noqa: E402
from pipecheck.engine.registry import CannotDecide, cannot_decide, fixture, option, rule  # noqa: E402
from pipecheck.i18n import N_, _, n_  # noqa: E402
from pipecheck.integrations.ipython import load_ipython_extension  # noqa: E402
from pipecheck.version import __version__  # noqa: E402

__all__ = ["__version__", "rule", "option", "fixture", "Finding", "cannot_decide", "CannotDecide", "_", "n_", "N_"]
__all__ += ["lint", "load_ipython_extension"]
