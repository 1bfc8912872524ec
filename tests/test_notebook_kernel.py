"""The example notebook, run in a real Jupyter kernel (nbclient + ipykernel): the magics show HTML."""

from __future__ import annotations

import shutil

import pytest
from support.projects import EXAMPLE, REPO

NOTEBOOK = REPO / "examples" / "lint_the_course.ipynb"


@pytest.mark.integration
def test_the_example_notebook_lints_the_course_and_shows_the_findings_as_html(jupyter_kernel, tmp_path):
    import nbformat
    from nbclient import NotebookClient

    work = tmp_path / "examples"
    shutil.copytree(EXAMPLE / "tod_tf2", work / "faces_cubes" / "tod_tf2")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()
    outputs = [cell.get("outputs", []) for cell in notebook.cells if cell.cell_type == "code"]
    shown = [output for output in outputs[1] if "data" in output]
    html = shown[0]["data"]["text/html"]
    assert "<table>" in html and "PC312" in html and "PC501" in html and "Changes against pre-trained/" in html
    assert "PC312" in shown[0]["data"]["text/plain"]  # the text fallback
    printed = "".join(output.get("text", "") for output in outputs[2])
    assert "False [('PC101', 10)" in printed and "PC101" in outputs[2][-1]["data"]["text/html"]
    cell = [output for output in outputs[3] if "data" in output][0]["data"]["text/html"]
    assert "PC101" in cell and "PC202" in cell  # num_classes 1 for 2 classes and the misspelt record
    assert not (work / "faces_cubes/tod_tf2/faces_cubes/training").joinpath("draft.config").exists()
