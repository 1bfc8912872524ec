"""`pipecheck lsp` without its extra: a message saying what to install, exit 2, no traceback."""

import subprocess
import sys


def test_without_pygls_the_command_says_which_extra_to_install():
    code = "import sys; sys.modules['pygls'] = None; from pipecheck.cli.main import main; sys.exit(main(['lsp']))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "pip install 'pipecheck-tfod[lsp]'" in done.stderr
