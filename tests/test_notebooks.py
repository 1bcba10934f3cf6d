"""Every notebook in notebooks/ runs top to bottom, imports only the public API, and is stored
with the outputs of a clean run (charts included), so it reads on GitHub without running it;
the run test re-executes each one (pyam's tests/test_tutorials.py pattern)."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def _python(source: str) -> str:
    """A cell's source without IPython magics (``%config ...``), which are not Python."""
    return "\n".join("" if line.lstrip().startswith("%") else line
                     for line in source.splitlines())


def test_there_are_notebooks():
    assert any(p.name.startswith("01-") for p in NOTEBOOKS)


def _code_cells(path):
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_with_the_outputs_of_one_clean_run(path):
    cells = _code_cells(path)
    # one run top to bottom in a fresh kernel: execution counts 1, 2, 3, ...
    assert [c.execution_count for c in cells] == list(range(1, len(cells) + 1)), (
        f"{path.name}: re-run it top to bottom and save it with its outputs")
    for k, cell in enumerate(cells, start=1):
        assert cell.outputs, f"{path.name}: code cell {k} has no stored output"
        kinds = {o.output_type for o in cell.outputs}
        assert "error" not in kinds, f"{path.name}: code cell {k} stored an error"
        assert not any(o.get("name") == "stderr" for o in cell.outputs), (
            f"{path.name}: code cell {k} stored a warning or other stderr output")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_charts_are_stored_as_small_png(path):
    assert path.stat().st_size < 1_500_000, f"{path.name} is over 1.5 MB"
    for k, cell in enumerate(_code_cells(path), start=1):
        if "appraisal.plot(" in cell.source:
            images = [o for o in cell.outputs if "image/png" in o.get("data", {})]
            assert len(images) == 1, f"{path.name}: code cell {k} should store one PNG chart"
            assert not any("image/svg+xml" in o.get("data", {}) for o in cell.outputs)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_imports_only_public_api(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(_python(cell.source))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(
                    "appraisal"):
                assert node.module in ("appraisal", "appraisal.mca", "appraisal.uncertainty",
                                       "appraisal.finance", "appraisal.cea"), (
                    f"{path.name} imports private module {node.module}")
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("appraisal."):
                        assert alias.name in ("appraisal.mca", "appraisal.uncertainty",
                                              "appraisal.finance", "appraisal.cea"), (
                            f"{path.name} imports {alias.name}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
