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
