"""The ``uncertainty`` section as workbook sheets (issue 15, item 2): ``Uncertainty`` (one row
per uncertain input), ``Correlation`` (a square grid), ``Scenarios`` (a row per scenario) and
``uncertainty.*`` rows of the Case sheet; round-tripped, with problems in workbook words."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import openpyxl
import pytest

from appraisal import (
    AppraisalValidationError,
    case_from_records,
    case_to_records,
    example_path,
    load_case,
)
from appraisal.case import lens_sheets_uncertainty as U
from appraisal.case.lens_tables import LENS_TABLES
from appraisal.case.sheets import CASE_ROWS
from appraisal.inputs.excel_messages import looks_like_yaml
from appraisal.lenses.uncertainty import distributions, section
from appraisal.lenses.uncertainty.correlation import CORRELATION_METHODS
from appraisal.outputs.convert import convert_case
from appraisal.outputs.excel_template import write_template


@pytest.fixture(scope="module", params=["prevention", "falls"])
def book(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("unc") / f"{request.param}.xlsx"
    return request.param, convert_case(example_path(request.param), path)


def _rows(ws, first=3):
    return [row for row in ws.iter_rows(min_row=first, values_only=True) if any(
        v is not None for v in row)]


def _case_settings(ws):
    """The Case sheet's rows by field path (the Field column shows each row's words)."""
    names = {row.label: row.name for row in CASE_ROWS}
    return {names.get(r[0], r[0]): r[1] for r in _rows(ws)}


def test_the_vocabulary_is_the_lens_own():
    """The case layer cannot import the lens, so its drop-down lists are kept equal here."""
    assert U.FIELDS == section.FIELDS
    assert U.TARGET_KEYS == section.TARGET_KEYS
    assert U.DISTRIBUTION_KINDS == distributions.DISTRIBUTION_KINDS
    params = {k for forms in distributions._FORMS.values() for f in forms for k in f[0]}
    assert params == {k for k, _, _ in U.DISTRIBUTION_PARAMETERS}
    method = next(r for r in CASE_ROWS if r.name == "uncertainty.correlation.method")
    assert method.choices == CORRELATION_METHODS
    assert [t.title for t in LENS_TABLES if t.section == "uncertainty"] == [
        "Uncertainty", "Correlation", "Scenarios"]


def test_inputs_correlation_and_scenarios_have_sheets_of_their_own(book):
    name, path = book
    wb = openpyxl.load_workbook(path)
    spec = load_case(example_path(name)).sections["uncertainty"]
    unc = wb["Uncertainty"]
    headers = [c.value for c in unc[1]]
    rows = _rows(unc)
    assert [r[0] for r in rows] == list(spec.input_names)
    for row, item in zip(rows, spec.inputs, strict=True):
        cells = dict(zip(headers, row, strict=True))
        assert cells["Field"] == item.field
        dist = item.distribution.to_dict()
        assert cells["Distribution"] == dist["dist"]
        assert cells.get("High") == dist.get("high")
        if isinstance(item.target, dict) and "line" in item.target:
            assert cells["Line"] == item.target["line"]
    inputs = list(spec.input_names)
    corr = wb["Correlation"]
    assert [c.value for c in corr[1]] == ["Input", *inputs]
    grid = _rows(corr)
    assert [r[0] for r in grid] == inputs
    assert all(grid[i][i + 1] == 1 for i in range(len(inputs)))  # the diagonal
    matrix = spec.correlation.matrix
    names = list(spec.correlation.names)
    for i, a in enumerate(inputs):
        for j, b in enumerate(inputs):
            if j > i and grid[i][j + 1] is not None:
                assert grid[i][j + 1] == pytest.approx(matrix[names.index(a), names.index(b)])
    scen = wb["Scenarios"]
    assert [c.value for c in scen[1]] == ["Scenario", *inputs]
    assert {r[0]: {k: v for k, v in zip(inputs, r[1:], strict=True) if v is not None}
            for r in _rows(scen)} == {k: dict(v) for k, v in spec.scenarios.items()}
    assert not [r for r in _rows(wb["Sections"]) if r[0] == "uncertainty"]
    settings = {k: v for k, v in _case_settings(wb["Case"]).items()
                if str(k).startswith("uncertainty.")}
    assert (settings["uncertainty.draws"], settings["uncertainty.seed"]) == (spec.draws,
                                                                             spec.seed)


def test_the_workbook_reads_back_to_the_section_as_written(book):
    name, path = book
    original, back = load_case(example_path(name)), load_case(path)
    assert back.sections["uncertainty"] == original.sections["uncertainty"]
    assert back.section_data["uncertainty"] == original.section_data["uncertainty"]


def test_every_setting_and_form_round_trips_through_the_tables():
    data = {
        "draws": 200, "seed": 7, "two_way": ["a", "b"], "sobol": {"base_samples": 512},
        "inputs": [
            {"name": "a", "target": "all", "field": "rate_shift",
             "distribution": {"dist": "uniform", "low": -0.01, "high": 0.01}},
            {"name": "b", "target": {"lines": ["x", "y"], "option": "Do it"}, "field": "scale",
             "distribution": {"dist": "lognormal", "median": 1.0, "gsd": 1.2},
             "source": "supplier quotes", "description": "cost overrun"},
            {"name": "c", "field": "eta", "distribution": {"dist": "discrete",
             "values": [1, 1.3, 1.5], "probabilities": [0.25, 0.5, 0.25], "default": 1.3}},
        ],
        "correlation": {"method": "gaussian-copula", "pairs": [
            {"inputs": ["a", "b"], "rho": -0.3}, {"inputs": ["b", "c"], "rho": 0.2}]},
        "scenarios": {"high": {"a": 0.01, "b": 1.5}},
    }
    rows, rest = U.UNCERTAINTY.split(data)
    assert rows[0].types["distribution.low"] == "fraction"  # a rate shows as %
    assert rows[1].values["target.lines"] == "x; y"
    names = ("a", "b", "c")
    corr_rows, rest2 = U.CORRELATION.split(rest, names)
    assert corr_rows[0].per_option == {"a": 1.0, "b": -0.3}
    scen_rows, rest3 = U.SCENARIOS.split(rest2, names)
    assert rest3 == {"draws": 200, "seed": 7, "two_way": ["a", "b"],
                     "sobol": {"base_samples": 512}, "correlation": {"method": "gaussian-copula"}}
    back, _ = U.UNCERTAINTY.join(rows, rest3)
    back, _ = U.CORRELATION.join(corr_rows, back, names)
    back, _ = U.SCENARIOS.join(scen_rows, back, names)
    assert back == data


def test_forms_the_grid_cannot_hold_stay_whole_for_the_sections_sheet():
    names = ("a", "b", "c")
    grouped = {"correlation": {"groups": [{"inputs": ["a", "b", "c"], "rho": 0.8}]}}
    assert U.CORRELATION.split(grouped, names) == ([], grouped)
    backwards = {"correlation": {"pairs": [{"inputs": ["b", "c"], "rho": 0.1},
                                           {"inputs": ["a", "b"], "rho": 0.2}]}}
    assert U.CORRELATION.split(backwards, names) == ([], backwards)  # order would change
    undeclared = {"scenarios": {"s": {"zz": 1.0}}}
    assert U.SCENARIOS.split(undeclared, names) == ([], undeclared)
    nested = {"inputs": [{"name": "a", "field": "scale", "distribution": {"dist": "pert",
                                                                           "low": [1]}}]}
    assert U.UNCERTAINTY.split(nested) == ([], nested)


def test_a_workbook_with_uncertainty_left_on_sections_still_round_trips(tmp_path):
    """A correlation given as groups cannot be a grid: it stays on Sections, losslessly."""
    case = load_case(example_path("falls"))
    records = case_to_records(case)
    records["uncertainty"]["correlation"] = {"groups": [{"inputs": [
        "falls avoided (classes)", "falls avoided (classes and assessment)", "QALY value"],
        "rho": 0.5, "name": "effect evidence"}]}
    grouped = case_from_records(**records)
    path = write_template(tmp_path / "g.xlsx", case=grouped)
    wb = openpyxl.load_workbook(path)
    kept = [r[1] for r in _rows(wb["Sections"]) if r[0] == "uncertainty"]
    assert kept
    assert all(p.startswith("correlation.groups") for p in kept)
    back = load_case(path)
    assert back.section_data["uncertainty"] == grouped.section_data["uncertainty"]


def _broken(path, tmp_path, edits):
    target = tmp_path / "edited.xlsx"
    shutil.copy(path, target)
    wb = openpyxl.load_workbook(target)
    for (title, ref), value in edits.items():
        wb[title][ref] = value
    wb.save(target)
    with pytest.raises(AppraisalValidationError) as info:
        load_case(target)
    return {i.location: i for i in info.value.issues}


@pytest.fixture(scope="module")
def prevention(tmp_path_factory):
    return convert_case(example_path("prevention"),
                        tmp_path_factory.mktemp("unc-p") / "prevention.xlsx")


def _worded(issue):
    assert not looks_like_yaml(issue.message), issue.message
    assert not looks_like_yaml(issue.fix), issue.fix


def test_a_bad_parameter_is_located_and_worded_for_the_workbook(prevention, tmp_path):
    found = _broken(prevention, tmp_path, {("Uncertainty", "M4"): 0.5})  # high below low
    (issue,) = found.values()
    assert issue.location == "Uncertainty!K4"
    assert issue.field == "Uncertainty row 4 (hub building cost), Low"
    assert issue.message == "Low (0.9) must not exceed High (0.5)"
    _worded(issue)


def test_a_bad_choice_is_located_and_worded(prevention, tmp_path):
    found = _broken(prevention, tmp_path, {("Uncertainty", "J5"): "triangle",
                                           ("Uncertainty", "B6"): "scal"})
    dist, fld = found["Uncertainty!J5"], found["Uncertainty!B6"]
    assert dist.field.startswith("Uncertainty row 5 (benefit scale), Distribution")
    assert "triangle" in dist.message
    assert "triangular" in dist.fix
    assert fld.field.startswith("Uncertainty row 6 (additionality), Field")
    assert "scale" in fld.fix
    for issue in (dist, fld):
        _worded(issue)


def test_a_wrong_type_is_located_and_worded(prevention, tmp_path):
    found = _broken(prevention, tmp_path, {("Uncertainty", "K3"): "low-ish",
                                           ("Scenarios", "B3"): "a lot"})
    low = found["Uncertainty!K3"]
    assert low.field.startswith("Uncertainty row 3 (key-worker contract cost), Low")
    assert "number" in low.message
    scen = found["Scenarios!B3"]
    assert scen.field.startswith("Scenarios row 3 (pessimistic)")
    assert "number" in scen.message
    for issue in (low, scen):
        _worded(issue)


def test_a_missing_parameter_is_located_and_worded(prevention, tmp_path):
    found = _broken(prevention, tmp_path, {("Uncertainty", "L5"): None})  # triangular mode
    (issue,) = found.values()
    assert issue.location == "Uncertainty!J5"  # the row's Distribution cell
    assert issue.field == "Uncertainty row 5 (benefit scale), Distribution"
    assert (issue.message, issue.fix) == ("Mode is required", "fill in Mode")
    _worded(issue)


def test_an_unknown_target_is_located_and_worded(prevention, tmp_path):
    found = _broken(prevention, tmp_path, {("Uncertainty", "D4"): "Family hub buildings",
                                           ("Correlation", "E5"): 1.5})
    target = found["Uncertainty!D4"]
    assert target.code == "unknown-target"
    assert target.field.startswith("Uncertainty row 4 (hub building cost), Line")
    assert "Family hub building" in target.fix
    rho = found["Correlation!E5"]
    assert rho.field.startswith("Correlation row 5 (benefit scale)")
    for issue in (target, rho):
        _worded(issue)


def test_the_template_lists_the_settings_and_drop_downs():
    with tempfile.TemporaryDirectory() as folder:
        path = write_template(Path(folder) / "t.xlsx")
        wb = openpyxl.load_workbook(path)
        fields = list(_case_settings(wb["Case"]))
        assert {"uncertainty.draws", "uncertainty.seed", "uncertainty.two_way",
                "uncertainty.correlation.method", "uncertainty.sobol.base_samples"} <= set(fields)
        unc = wb["Uncertainty"]
        lists = {str(v.sqref).split(":")[0][0]: v.formula1
                 for v in unc.data_validations.dataValidation}
        assert "scale" in lists["B"]
        assert "pert" in lists["J"]
        assert "benefit" in lists["G"]
        assert lists["F"] == "option_names"
