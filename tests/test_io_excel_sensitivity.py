"""The Sensitivity sheet of results.xlsx (issue 15, item 4): one-way and scenario tables as
formulas over the Calculation sheet. LibreOffice recalculates them to the engine's NPSVs of
the same changes on the prevention example: each category of cost or benefit ± 20% (the
engine run on the case with those lines' scale × 0.8 and × 1.2) and the case's pessimistic
and optimistic scenarios (the uncertainty lens's scenario table)."""

from __future__ import annotations

import dataclasses
import math

import openpyxl
import pytest

import appraisal
from appraisal import evaluate, example_path, load_case
from appraisal.lenses.uncertainty.case_model import CaseModel
from appraisal.lenses.uncertainty.deterministic import scenario_table
from appraisal.outputs.excel_results import write_results_workbook
from appraisal.outputs.recalc import read_values, recalculate, soffice_or_skip


@pytest.fixture(scope="module")
def prevention():
    return evaluate(load_case(example_path("prevention")))


def _scaled(case, kind: str, category: str, factor: float):
    records = appraisal.case_to_records(case)
    for line in records["lines"]:
        if line["kind"] == kind and (line.get("category") or "(no category)") == category:
            line["scale"] = line.get("scale", 1.0) * factor
    return appraisal.case_from_records(**records)


def test_the_tables_are_formulas_over_the_calculation_sheet(prevention, tmp_path):
    path = write_results_workbook(prevention, tmp_path / "results.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:4] == ["Summary", "Sensitivity", "Charts", "Calculation"]
    ws = book["Sensitivity"]
    cells = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(v.startswith("=SUMIFS(") for v in cells)
    assert sum(v.startswith("=SUMPRODUCT(") for v in cells) == 2 * len(prevention.options)
    assert any(v.startswith("=Calculation!O") for v in cells)


def test_a_case_without_scenarios_has_the_one_way_table_only(tmp_path):
    result = evaluate(load_case(example_path("minimal")))
    book = openpyxl.load_workbook(write_results_workbook(result, tmp_path / "r.xlsx"))
    texts = [c.value for row in book["Sensitivity"].iter_rows() for c in row
             if isinstance(c.value, str)]
    assert any(t.startswith("One-way") for t in texts)
    assert not any(t.startswith("Scenarios") for t in texts)


@pytest.mark.libreoffice
def test_libreoffice_gives_the_engines_npsv_for_each_change(prevention, tmp_path):
    soffice_or_skip()
    path = write_results_workbook(prevention, tmp_path / "results.xlsx")
    out = tmp_path / "recalc"
    out.mkdir()
    got = read_values(recalculate(path, out))["Sensitivity"]
    book = openpyxl.load_workbook(path)
    ws = book["Sensitivity"]
    names = [m.name for m in prevention.options]
    scale = max(abs(m.npsv) for m in prevention.options)
    close = lambda a, b: math.isclose(a, b, rel_tol=0, abs_tol=1e-9 * scale)  # noqa: E731
    # one-way: every category block, lower and higher, against the engine
    rows = [r for r in range(6, ws.max_row + 1) if ws.cell(r, 4).value == 0.2]
    assert len(rows) >= 4
    checked = 0
    for first in rows:
        kind, category = ws.cell(first, 1).value, ws.cell(first, 2).value
        for col, factor in (("G", 0.8), ("H", 1.2)):
            engine = evaluate(_scaled(prevention.case, kind, category, factor))
            for o, name in enumerate(names):
                assert ws.cell(first + o, 3).value == name
                assert close(got[f"{col}{first + o}"], engine.options[o].npsv), (
                    kind, category, name, factor)
                checked += 1
            assert got[f"{'I' if col == 'G' else 'J'}{first}"] == engine.preferred_option
    assert checked == len(rows) * 2 * len(names)
    # scenarios: the uncertainty lens's own table
    table = {row["scenario"]: row for row in scenario_table(CaseModel(prevention.case))}
    head = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Option"
                and ws.cell(r, 2).value == "Central (the case) (£)")
    scenarios = [ws.cell(head, 3 + s).value.removesuffix(" (£)") for s in range(2)]
    assert scenarios == ["pessimistic", "optimistic"]
    for s, scen in enumerate(scenarios):
        col = "CD"[s]
        for o, name in enumerate(names):
            assert close(got[f"{col}{head + 1 + o}"], table[scen]["npsv"][name]), (scen, name)
        assert got[f"{col}{head + 1 + len(names)}"] == table[scen]["preferred_option"]
    # the pessimistic scenario changes the decision (issue 15's example)
    assert table["pessimistic"]["preferred_option"] != prevention.preferred_option


@pytest.mark.libreoffice
def test_a_what_if_in_a_scenario_value_moves_the_scenario_table(prevention, tmp_path):
    """Set the pessimistic 'benefit scale' to 1 in the workbook: LibreOffice's pessimistic
    NPSVs equal the engine's scenario with that value."""
    soffice_or_skip()
    path = write_results_workbook(prevention, tmp_path / "results.xlsx")
    book = openpyxl.load_workbook(path)
    ws = book["Sensitivity"]
    r = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "benefit scale")
    ws.cell(r, 3).value = 1.0
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    out = tmp_path / "recalc"
    out.mkdir()
    got = read_values(recalculate(edited, out))["Sensitivity"]
    model = CaseModel(prevention.case)
    spec = model.spec
    changed = dict(spec.scenarios["pessimistic"], **{"benefit scale": 1.0})
    model.spec = dataclasses.replace(spec, scenarios={"pessimistic": changed})
    engine = {row["scenario"]: row for row in scenario_table(model)}["pessimistic"]
    head = next(k for k in range(1, ws.max_row + 1) if ws.cell(k, 1).value == "Option"
                and ws.cell(k, 2).value == "Central (the case) (£)")
    scale = max(abs(m.npsv) for m in prevention.options)
    for o, m in enumerate(prevention.options):
        assert math.isclose(got[f"C{head + 1 + o}"], engine["npsv"][m.name], rel_tol=0,
                            abs_tol=1e-9 * scale), m.name
