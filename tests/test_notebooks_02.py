"""Notebook 02 (public value, agency ledger, equity) runs top to bottom with the public API."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import appraisal

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "02-public-value-and-equity.ipynb"


def _python(source: str) -> str:
    """A cell's source without IPython magics (``%config ...``), which are not Python."""
    return "\n".join("" if line.lstrip().startswith("%") else line
                     for line in source.splitlines())


def _cells():
    return [c for c in nbformat.read(NOTEBOOK, as_version=4).cells if c.cell_type == "code"]


def test_notebook_stores_the_eta_curve_chart():
    # stored outputs in general: tests/test_notebooks.py
    charts = [c for c in _cells() if "appraisal.plot(result).eta_curve(" in c.source]
    assert len(charts) == 1
    assert any("image/png" in o.get("data", {}) for o in charts[0].outputs)


def test_every_appraisal_name_the_notebook_uses_is_exported():
    used = set()
    for cell in _cells():
        for node in ast.walk(ast.parse(_python(cell.source))):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id == "appraisal"):
                used.add(node.attr)
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module == "appraisal" or not node.module.startswith("appraisal")
    missing = sorted(n for n in used if n not in appraisal.__all__)
    assert not missing, f"add to appraisal.__all__: {missing}"


def test_notebook_runs(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs)
    assert "warnings in the example: 0" in text
    for code in ("double-count", "transfer-as-benefit", "health-on-standard-schedule",
                 "additionality-range"):
        assert f"[{code}]" in text
    assert not list(tmp_path.iterdir())  # the notebook writes nothing


@pytest.mark.parametrize("name", ["equity_weights", "outcome_chain", "load_unit_values"])
def test_exported_functions_come_from_their_concept_modules(name):
    if name not in appraisal.__all__:
        pytest.fail(f"add {name!r} to appraisal.__all__")
    module = getattr(appraisal, name).__module__
    assert module in ("appraisal.greenbook.equity", "appraisal.greenbook.valuation",
                      "appraisal.params.unit_values")
