"""The documentation site builds with --strict, needs nothing from the network, and lays out in Chromium."""

import json
import os
import re
import subprocess
import sys

import pytest
from support.projects import REPO

ARTIFACTS = REPO / "test-artifacts"
# Pages a reader lands on: the front page, a rule, the course.
PAGES = ("index.html", "rules/PC501.html", "getting-started.html")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    pytest.importorskip("mkdocs", reason="mkdocs is in the [test] and [docs] extras")
    folder = tmp_path_factory.mktemp("site") / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(folder)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return folder


def test_the_site_builds_strict_with_a_page_per_rule(site):
    from pipecheck.engine.discovery import discover

    for spec in discover([], plugins=False).rules:
        assert (site / "rules" / f"{spec.code}.html").is_file(), spec.code
    assert (site / "search" / "search_index.js").is_file()  # the offline plugin's index, for file://


def test_the_site_loads_nothing_from_the_network(site):
    """No script, stylesheet, font or image from another host: the site works offline."""
    remote = re.compile(r"<(?:script|img|link|iframe)\b[^>]*\b(?:src|href)=\"(?:https?:)?//", re.I)
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        links = [m.group(0) for m in remote.finditer(text) if 'rel="canonical"' not in m.group(0)]
        assert not links, (page.relative_to(site), links)
    assert not list(site.rglob("*.woff*")), "a web font was bundled: theme.font should stay false"


@pytest.mark.integration
@pytest.mark.parametrize("width", [1280, 400])
@pytest.mark.parametrize("page", PAGES)
def test_chromium_lays_the_page_out_without_horizontal_scrolling(site, page, width, chromium, playwright):
    """Issue 21: the index, a rule page and getting started at 1280 and 400 px, and search from file://."""
    browser, node_modules = chromium, playwright
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / f"site-{page.replace('/', '-').removesuffix('.html')}-{width}.png"
    result = subprocess.run(
        [
            "node",
            str(REPO / "tests" / "tools" / "render_page.js"),
            browser,
            str(site / page),
            str(screenshot),
            str(width),
            "warmup",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NODE_PATH": str(node_modules)},
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["problems"] == [] and seen["requests"] == [], seen
    assert seen["scrollWidth"] <= seen["clientWidth"] == width, seen
    assert seen["searchResults"] and seen["searchResults"] > 0, "search found nothing from file://"
