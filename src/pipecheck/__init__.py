"""pipecheck: lint a TensorFlow Object Detection API pipeline.config against its project.

Rule authors need only what this module exports:

    from pipecheck import rule, option, fixture, Finding, cannot_decide, _, n_, N_

`_` and `n_` translate messages (English and French catalogues, see pipecheck.i18n); `N_` marks
a text for translation where it is written and leaves it to be translated where it is shown.
The facts rules compute from (paths, sizes, schedules, estimates) are in `pipecheck.rulekit`.

From Python or a notebook, `pipecheck.lint(path_or_text, root=...)` lints and returns a result
(`pipecheck.api`); `%load_ext pipecheck` adds the `%pipecheck` and `%%pipecheck` magics.
"""

__version__ = "0.1.0"

from pipecheck.engine.findings import Finding  # noqa: E402
from pipecheck.engine.registry import CannotDecide, cannot_decide, fixture, option, rule  # noqa: E402
from pipecheck.i18n import N_, _, n_  # noqa: E402


def lint(path_or_text, root=None, **options):
    """Lint a config (path, text, message or config_util's dict): see pipecheck.api.lint."""
    from pipecheck.api import lint as lint_config

    return lint_config(path_or_text, root, **options)


def load_ipython_extension(ipython) -> None:
    """`%load_ext pipecheck`: IPython is imported only here, never by `import pipecheck`."""
    from pipecheck.integrations.notebook import register_magics

    register_magics(ipython)


__all__ = [
    "__version__",
    "rule",
    "option",
    "fixture",
    "Finding",
    "cannot_decide",
    "CannotDecide",
    "_",
    "n_",
    "N_",
    "lint",
]
