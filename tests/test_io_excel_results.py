"""results.xlsx: live formulas with cached values, recalculated by LibreOffice to the engine's
numbers; a Summary per option; value tables; edits to formula cells refused on a re-run."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import openpyxl
import pytest

import appraisal.cli.excel  # noqa: F401  (registers the results.xlsx writer)
from appraisal import evaluate, example_path, load_case
from appraisal.cli.commands import main
from appraisal.inputs.excel_grid import open_grid
from appraisal.outputs.excel_results import write_results_workbook
from appraisal.outputs.excel_stream import column_letter
from appraisal.outputs.recalc import read_values, recalculate, soffice_or_skip

EXAMPLES = ("minimal", "prevention", "capital", "falls")


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, tuple[Path, object]]:
    folder = tmp_path_factory.mktemp("results")
    out = {}
    for name in EXAMPLES:
        result = evaluate(load_case(example_path(name)))
        out[name] = (write_results_workbook(result, folder / f"{name}.xlsx"), result)
    return out


def _formula_cells(path: Path) -> dict[tuple[str, str], object]:
    grid = open_grid(path)
    cells = {}
    for title in grid.sheet_names:
        for (r, c), cell in grid.sheet(title).cells.items():
            if cell.formula is not None:
                cells[(title, f"{column_letter(c)}{r}")] = cell.value
    grid.close()
    return cells


def test_run_writes_results_xlsx_for_a_yaml_case(tmp_path, capsys):
    assert main(["run", str(example_path("minimal")), "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "results.xlsx").is_file()


@pytest.mark.parametrize("name", EXAMPLES)
def test_summary_has_one_row_per_option_with_cached_engine_values(written, name):
    path, result = written[name]
    sheet = openpyxl.load_workbook(path, data_only=True)["Summary"]
    assert [c.value for c in sheet[4]][:5] == ["Option", "PV costs", "PV benefits", "NPSV",
                                               "BCR"]
    for k, m in enumerate(result.options):
        row = [c.value for c in sheet[5 + k]]
        assert row[0] == m.name
        assert row[1] == pytest.approx(m.pv_costs, rel=1e-12)
        assert row[2] == pytest.approx(m.pv_benefits, rel=1e-12)
        assert row[3] == pytest.approx(m.npsv, rel=1e-12, abs=1e-9)
        assert row[4] == ("n/a" if m.bcr is None else pytest.approx(m.bcr, rel=1e-12))


def test_calculations_are_formulas_and_never_npv(written):
    path, result = written["prevention"]
    book = openpyxl.load_workbook(path)
    calc = book["Calculation"]
    texts = [c.value for row in calc.iter_rows() for c in row if isinstance(c.value, str)]
    formulas = [t for t in texts if t.startswith("=")]
    assert len(formulas) > result.compiled.n_lines * result.compiled.n_years
    assert not any("NPV(" in f.upper() for f in formulas)
    assert any("SUMPRODUCT(" in f for f in formulas)
    # discount factors: year 0 is the number 1, then DF_t = DF_{t-1} / (1 + r_t)
    row = next(r for r in calc.iter_rows() if r[0].value == "Discount factor: standard")
    cells = [c for c in row if c.value is not None]
    assert cells[1].value == 1
    assert cells[2].value.startswith("=")
    assert "/(1+" in cells[2].value


def test_value_tables_and_manifest(written):
    path, result = written["capital"]
    book = openpyxl.load_workbook(path)
    assert {"Summary", "Calculation", "Ledger", "Switching values", "Parameters used",
            "Profiles", "_meta"} <= set(book.sheetnames)
    assert book.sheetnames[0] == "Summary"
    meta = {r[0].value: r[1].value for r in book["_meta"].iter_rows(min_row=2)}
    assert meta["workbook_kind"] == "results"
    assert meta["manifest.input_sha256"] == result.case.source_sha256
    cached = openpyxl.load_workbook(path, data_only=True)  # the Ledger's formulas' values
    ledger = [[c.value for c in r] for r in cached["Ledger"].iter_rows(min_row=5)]
    council = sum(r[4] for r in ledger if r[0] == "Council" and r[1] == "New build")
    lines = [i for i, ln in enumerate(result.case.lines)
             if ln.agency == "Council" and ln.option == "New build"]
    expected = sum(result.pv_lines[i] * (-1 if result.case.lines[i].kind == "cost" else 1)
                   for i in lines)
    assert council == pytest.approx(expected, rel=1e-12)


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", EXAMPLES)
def test_libreoffice_recalculates_every_formula_to_the_engine_value(written, name, tmp_path):
    """Every formula result recalculated by LibreOffice equals the engine's value (the cached
    value written beside it, which the other tests tie to the engine) within 1e-9."""
    soffice_or_skip()
    path, result = written[name]
    recalculated = read_values(recalculate(path, tmp_path))
    expected = _formula_cells(path)
    scale = max(abs(m.npsv) for m in result.options) or 1.0
    checked = 0
    for (title, ref), value in expected.items():
        got = recalculated[title].get(ref)
        if isinstance(value, int | float) and not isinstance(value, bool):
            assert isinstance(got, int | float), (title, ref, got)
            tolerance = 1e-9 * (abs(value) if value else scale)
            if title == "Summary" and ref.startswith("J"):  # difference from the engine
                tolerance = 1e-9 * scale
            assert math.isclose(got, value, rel_tol=0, abs_tol=tolerance), (title, ref, got,
                                                                          value)
        else:
            assert got == value or (value == "" and got is None), (title, ref, got, value)
        checked += 1
    assert checked == len(expected) > 100
    summary = recalculated["Summary"]
    for k, m in enumerate(result.options):
        assert math.isclose(summary[f"D{5 + k}"], m.npsv, rel_tol=1e-9, abs_tol=1e-9 * scale)
    if name != "prevention":  # saved again by LibreOffice: shared strings, its own formula text
        again = load_case(tmp_path / path.name)
        assert dataclasses.replace(again, source_path="", source_sha256="") == \
            dataclasses.replace(result.case, source_path="", source_sha256="")


def test_results_workbook_can_be_edited_and_run_again(written, tmp_path, capsys):
    path, _ = written["minimal"]
    book = openpyxl.load_workbook(path)
    sheet = book["Profiles"]
    col = next(c.column for c in sheet[1] if c.value == "Total") + 1
    sheet.cell(3, col).value = 150
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    assert main(["run", str(edited), "--out", str(tmp_path / "run2")]) == 0
    again = openpyxl.load_workbook(tmp_path / "run2" / "results.xlsx", data_only=True)
    before = openpyxl.load_workbook(path, data_only=True)
    assert again["Summary"]["B6"].value == pytest.approx(before["Summary"]["B6"].value + 50)


def test_edited_formula_cells_are_refused_with_the_cells_named(written, tmp_path, capsys):
    path, _ = written["minimal"]
    book = openpyxl.load_workbook(path)
    book["Calculation"]["O30"].value = None
    target = next(c for row in book["Calculation"].iter_rows() for c in row
                  if isinstance(c.value, str) and c.value.startswith("=SUMPRODUCT"))
    target.value = 1234
    book["Summary"]["B5"].value = "=Calculation!B1"
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    assert main(["validate", str(edited)]) == 1
    err = capsys.readouterr().err
    assert f"Calculation!{target.coordinate}" in err
    assert "Summary!B5" in err


def test_results_of_a_case_with_sections_refuse_a_rerun_when_incomplete(written, tmp_path,
                                                                        capsys):
    path, result = written["prevention"]
    book = openpyxl.load_workbook(path, read_only=True)
    meta = {r[0].value: r[1].value for r in book["_meta"].iter_rows(min_row=2)}
    if meta["inputs_complete"] == "yes":
        case = load_case(path)
        assert dataclasses.replace(case, source_path="", source_sha256="") == \
            dataclasses.replace(result.case, source_path="", source_sha256="")
    else:
        assert main(["validate", str(path)]) == 1
        assert "inputs-incomplete" in capsys.readouterr().err


def test_nan_results_are_refused_before_writing(written, tmp_path):
    import numpy as np

    from appraisal.errors import AppraisalValidationError, OutputError

    _, result = written["minimal"]
    flows = np.array(result.real_flows)
    flows[0, 0] = np.nan
    broken = dataclasses.replace(result, real_flows=flows)
    with pytest.raises((AppraisalValidationError, OutputError)):
        write_results_workbook(broken, tmp_path / "r.xlsx")
    assert not (tmp_path / "r.xlsx").exists()
    assert list(tmp_path.iterdir()) == []
