"""pipecheck inside other hosts: the pytest plugin, the notebook magics and IPython's extension hook.
They sit above the command line: the magics take check's options as `pipecheck check` parses them."""
