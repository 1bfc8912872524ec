"""The peer-review report: a self-contained page a colleague reads, rendered for real in Chromium."""

import json
import os
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from support.cli import run_cli
from support.projects import CONFIG, NET, REPO

from pipecheck.testing.artifact_edits import apply_artifact_step

ARTIFACTS = REPO / "test-artifacts"


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.images, self.links, self.scripts, self.text = [], [], [], 0, []

    def handle_starttag(self, tag, attributes):
        attributes = dict(attributes)
        if "id" in attributes:
            self.ids.append(attributes["id"])
        if tag == "img":
            self.images.append(attributes.get("src", ""))
        if tag in ("a", "link") and attributes.get("href"):
            self.links.append(attributes["href"])
        if tag == "script":
            self.scripts += 1

    def handle_data(self, data):
        self.text.append(data)


def review(*args) -> str:
    code, out = run_cli("review", f"faces_cubes/training/{NET}", "--ram", "8GiB", *args)
    assert code == 0
    return out


def test_the_page_has_every_part_and_needs_no_network(course_project):
    page = Page()
    page.feed(review())
    assert page.ids == ["glance", "findings", "changes", "numbers", "data", "gallery", "signoff"]
    assert len(page.images) == 8 and all(src.startswith("data:image/jpeg;base64,") for src in page.images)
    assert page.scripts == 0 and not page.links
    text = " ".join(page.text)
    for expected in ("faster_rcnn", "1: one, 2: two", "62.5", "200 %", "2.9 GiB", "0.6 h", "Sign-off"):
        assert expected in text


def test_every_user_text_is_escaped(course_project):
    hostile = "<script>alert(1)</script>"
    label_map = course_project / "faces_cubes/training/label_map.pbtxt"
    label_map.write_text(label_map.read_text().replace("'two'", f"'{hostile}'"))
    apply_artifact_step(
        course_project,
        "record faces_cubes/training/train.record 0 image/object/class/text=*<img/src=x/onerror=alert(2)>",
    )
    page = review()
    assert hostile not in page and "<img/src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_markdown_report_parses(course_project, tmp_path):
    from markdown_it import MarkdownIt

    code, _ = run_cli("review", f"faces_cubes/training/{NET}", "--ram", "8GiB", "-o", str(tmp_path / "review.md"))
    tokens = MarkdownIt().enable("table").parse((tmp_path / "review.md").read_text())
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings[1:] == [
        "At a glance",
        "Findings",
        "Changes against the original",
        "Derived numbers",
        "The data",
        "Sign-off",
    ]
    assert sum(t.type == "table_open" for t in tokens) == 5


@pytest.mark.integration
def test_chromium_renders_the_page_without_errors(course_project, tmp_path, chromium, playwright):
    browser, node_modules = chromium, playwright
    page = tmp_path / "review.html"
    code, _ = run_cli("review", f"faces_cubes/training/{NET}", "--ram", "8GiB", "-o", str(page))
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "review.png"
    result = subprocess.run(
        ["node", str(REPO / "tests" / "tools" / "render_page.js"), browser, str(page), str(screenshot)],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "NODE_PATH": str(node_modules)},
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["problems"] == [] and seen["requests"] == []
    assert seen["sections"] == ["glance", "findings", "changes", "numbers", "data", "gallery", "signoff"]
    assert seen["diffRows"] == 13 and seen["findingRows"] >= 2 and seen["checklist"] == 9
    assert len(seen["images"]) == 8 and all(i["width"] == 320 and i["height"] == 240 for i in seen["images"])
    assert seen["boxes"] >= 8 and seen["charts"] == 5 and seen["scripts"] == 0
    assert screenshot.stat().st_size > 50_000
    shutil.copyfile(page, ARTIFACTS / "review.html")


@pytest.mark.integration
@pytest.mark.parametrize("width", [1280, 800])
def test_no_word_breaks_inside_and_no_chart_text_overlaps(course_project, tmp_path, width, chromium, playwright):
    """Issue 10, item 10: "Sever/ity", "PC4/02" in narrow columns; the rate chart's axis title over its ticks."""
    browser, node_modules = chromium, playwright
    run_cli("fix", CONFIG, "--unsafe", "--ram", "8GiB")  # rates of 2e-4 to 6e-4: the longest tick labels
    page = tmp_path / "review.html"
    run_cli("review", f"faces_cubes/training/{NET}", "--ram", "8GiB", "-o", str(page))
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / f"review-{width}.png"
    result = subprocess.run(
        ["node", str(REPO / "tests" / "tools" / "render_page.js"), browser, str(page), str(screenshot), str(width)],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "NODE_PATH": str(node_modules)},
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["charts"] == 5
    assert seen["brokenWords"] == [] and seen["chartOverlaps"] == []
    assert not seen["overflowX"]
