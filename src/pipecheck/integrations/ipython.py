"""`%load_ext pipecheck`: IPython looks for load_ipython_extension on the package; IPython itself
is imported only when it calls it, never by `import pipecheck`."""


def load_ipython_extension(ipython) -> None:
    from pipecheck.integrations.notebook import register_magics

    register_magics(ipython)
