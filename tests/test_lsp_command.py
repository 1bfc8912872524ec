"""`pipecheck lsp` without its extra: a message saying what to install, exit 2, no traceback."""

import subprocess
import sys


def test_without_pygls_the_command_says_which_extra_to_install():
    code = "import sys; sys.modules['pygls'] = None; from pipecheck.cli.main import main; sys.exit(main(['lsp']))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "pip install 'pipecheck-tfod[lsp]'" in done.stderr


def test_the_rule_link_names_the_page_the_site_builds_for_the_rule():
    """One page per rule, docs/rules/PC101.md, built as rules/PC101.html (use_directory_urls: false)."""
    from support.projects import REPO

    from pipecheck.report.rule_docs import DOCS_SITE, rule_page_url

    assert rule_page_url("PC101") == DOCS_SITE + "/rules/PC101.html"
    assert (REPO / "docs" / "rules" / "PC101.md").is_file()
    assert "use_directory_urls: false" in (REPO / "mkdocs.yml").read_text()


def test_the_server_exits_0_and_quietly_when_the_client_says_shutdown_then_exit():
    import json

    import pytest

    pytest.importorskip("pygls")
    server = subprocess.Popen(
        [sys.executable, "-m", "pipecheck", "lsp"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    messages = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {"processId": None, "rootUri": None, "capabilities": {}},
        },
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None},
        {"jsonrpc": "2.0", "method": "exit", "params": None},
    ]
    framed = b"".join(
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body) for body in map(str.encode, map(json.dumps, messages))
    )
    out, err = server.communicate(framed, timeout=120)
    assert server.returncode == 0 and err.decode() == ""
    assert b'"id": 2' in out or b'"id":2' in out  # the shutdown was answered
