"""Unit-value packs: loading, located errors, use from a case (issue 3, part 2)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from appraisal import case_from_records
from appraisal._resources import data_dir
from appraisal.case.schema import build_case
from appraisal.errors import AppraisalValidationError, ParameterError
from appraisal.lenses.pipeline import evaluate
from appraisal.params.unit_values import (
    REQUIRED_COLUMNS,
    load_unit_values,
    shipped_unit_values,
)

HEADER = list(REQUIRED_COLUMNS)
ROW = {"code": "X1", "description": "A call-out", "unit": "call-out", "value": "600",
       "price_year": "2024", "agency": "Police", "value_type": "fiscal", "cashable": "false",
       "source": "Local audit 2024", "licence": "OGL"}


def _write(path: Path, rows: list[dict], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _case_data(**extra):
    return {"schema_version": 1, "title": "T", "base_year": 2024, "horizon_years": 2,
            "options": [{"name": "BAU", "counterfactual": True}, {"name": "A"}],
            "lines": [], **extra}


def test_shipped_pack_is_illustrative_only_and_marked_so():
    pack = shipped_unit_values()
    assert pack.codes
    for row in pack.rows.values():
        assert row.confidence == "U"
        assert "illustrative" in row.licence.lower()
        assert "illustrative" in row.source.lower()


def test_no_hact_or_national_toms_values_are_shipped():
    """Their licences forbid redistribution: users load their own copy."""
    for path in (data_dir() / "unit_values").glob("*.csv"):
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                text = " ".join((row["source"], row["licence"])).lower()
                assert "hact" not in text, path.name
                assert "toms" not in text, path.name


def test_load_csv(tmp_path):
    pack = load_unit_values(_write(tmp_path / "mine.csv", [ROW, {**ROW, "code": "X2",
                                                                  "price_year": "2010/11",
                                                                  "cashable": ""}]))
    assert pack.name == "mine"
    assert pack.codes == ("X1", "X2")
    x1, x2 = pack.get("X1"), pack.get("X2")
    assert (x1.value, x1.price_year, x1.financial_year, x1.cashable) == (600.0, 2024, False,
                                                                         False)
    assert (x2.price_year, x2.price_year_label, x2.financial_year, x2.cashable) == (
        2010, "2010/11", True, None)
    assert len(pack.sha256) == 64


def test_missing_columns_are_listed_with_the_fix(tmp_path):
    path = _write(tmp_path / "p.csv", [ROW], header=[h for h in HEADER
                                                     if h not in ("price_year", "licence")])
    with pytest.raises(AppraisalValidationError) as err:
        load_unit_values(path)
    issue = err.value.issues[0]
    assert issue.location == "p.csv:1"
    assert "lacks the column(s) price_year, licence" in issue.message
    assert "columns:" in issue.fix


@pytest.mark.parametrize(("change", "where", "text"), [
    ({"price_year": ""}, "price_year", "without it the value cannot be rebased"),
    ({"price_year": "2010/12"}, "price_year", "is not a financial year"),
    ({"value": "£1,200"}, "value", "'value' must be a number"),
    ({"value": "-5"}, "value", "at least 0"),
    ({"value_type": "financial"}, "value_type", "must be one of fiscal, economic, social"),
    ({"source": ""}, "source", "'source' is empty"),
    ({"cashable": "true", "value_type": "social"}, "cashable", "only to fiscal values"),
])
def test_bad_rows_are_located_at_their_row(tmp_path, change, where, text):
    path = _write(tmp_path / "p.csv", [ROW, {**ROW, "code": "X2", **change}])
    with pytest.raises(AppraisalValidationError) as err:
        load_unit_values(path)
    issue = next(i for i in err.value.issues if i.field == where)
    assert issue.location == f"p.csv:3:{HEADER.index(where) + 1}"  # line:column
    assert text in issue.message + issue.fix


def test_duplicate_codes_are_rejected(tmp_path):
    with pytest.raises(AppraisalValidationError, match="appears twice"):
        load_unit_values(_write(tmp_path / "p.csv", [ROW, ROW]))


def test_every_problem_is_reported_at_once(tmp_path):
    path = _write(tmp_path / "p.csv", [{**ROW, "value": "x"}, {**ROW, "code": "X2",
                                                                "price_year": ""}])
    with pytest.raises(AppraisalValidationError) as err:
        load_unit_values(path)
    assert {i.location for i in err.value.issues} == {"p.csv:2:4", "p.csv:3:5"}


def test_workbook_with_a_title_block_and_own_headings(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Costs"
    ws.append(["Unit Cost Database (example)"])
    ws.append([])
    headings = ["Cost code", *HEADER[1:]]
    ws.append(headings)
    ws.append(["CR1.0", "Police call-out", "call-out", 600, "2010/11", "Police", "fiscal",
               False, "Local", "CC BY 4.0"])
    ws.append(["CR2.0", "Arrest", "arrest", None, "2010/11", "Police", "fiscal", False,
               "Local", "CC BY 4.0"])
    path = tmp_path / "db.xlsx"
    wb.save(path)
    with pytest.raises(AppraisalValidationError) as err:
        load_unit_values(path, sheet="Costs", header_row=3, columns={"code": "Cost code"})
    issue = err.value.issues[0]
    assert issue.location == "Costs!D5"
    assert issue.field == "value"
    ws.cell(row=5, column=4, value=350)
    wb.save(path)
    pack = load_unit_values(path, sheet="Costs", header_row=3, columns={"code": "Cost code"})
    assert pack.get("CR2.0").value == 350.0
    assert pack.get("CR1.0").financial_year


def test_unknown_sheet_is_named(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    path = tmp_path / "db.xlsx"
    wb.save(path)
    with pytest.raises(AppraisalValidationError, match="has no sheet 'Costs'"):
        load_unit_values(path, sheet="Costs")


def test_unknown_code_in_a_case_is_located_and_suggests_close_codes():
    data = _case_data(unit_value_packs=[{"shipped": "illustrative"}],
                      lines=[{"option": "A", "name": "b", "kind": "benefit",
                              "values": {2024: 1},
                              "unit_value": {"code": "ILL-POL-1"}}])
    with pytest.raises(AppraisalValidationError) as err:
        build_case(data)
    issue = err.value.issues[0]
    assert issue.code == "unknown-code"
    assert issue.field == "lines[0].unit_value.code"
    assert "ILL-POL-01" in issue.fix


def test_a_code_with_no_pack_loaded_says_how_to_add_one():
    data = _case_data(lines=[{"option": "A", "name": "b", "kind": "benefit",
                              "values": {2024: 1}, "unit_value": {"code": "X1"}}])
    with pytest.raises(AppraisalValidationError, match="unit_value_packs"):
        build_case(data)


def test_a_broken_pack_in_a_case_is_reported_at_the_pack_row(tmp_path):
    _write(tmp_path / "p.csv", [{**ROW, "price_year": ""}])
    with pytest.raises(AppraisalValidationError) as err:
        build_case(_case_data(unit_value_packs=[{"path": "p.csv"}]), base_dir=tmp_path)
    issue = err.value.issues[0]
    assert issue.location == "p.csv:2:5"  # line 2, column 5 (price_year)
    assert issue.field.startswith("unit_value_packs[0]")


def test_pack_values_are_rebased_and_inherit_agency_and_value_type(tmp_path):
    _write(tmp_path / "p.csv", [ROW])
    case = build_case(_case_data(
        unit_value_packs=[{"path": "p.csv", "name": "local"}],
        prices={"deflator": {2024: 100.0, 2025: 104.0}, "source": "test"},
        parameters={"allow_unconfirmed": ["gdp_deflator"]}, price_year=2025,
        lines=[{"option": "A", "name": "b", "kind": "benefit", "values": {2024: 2},
                "unit_value": {"pack": "local", "code": "X1"}}]), base_dir=tmp_path)
    line = case.lines[0]
    assert (line.agency, line.value_type, line.cashable) == ("Police", "fiscal", False)
    result = evaluate(case)
    assert result.pv_lines[0] == pytest.approx(2 * 600 * 1.04)
    used = [r for r in result.parameters_used if r.table_name == "unit_values:local"]
    assert used
    assert used[0].source == "Local audit 2024"
    assert result.manifest["unit_value_packs"][0]["name"] == "local"


def test_unconfirmed_pack_values_are_opt_in_and_flagged():
    lines = [{"option": "A", "name": "b", "kind": "benefit", "values": {2024: 1},
              "unit_value": {"code": "ILL-POL-01"}}]
    case = case_from_records(**{k: v for k, v in _case_data(
        unit_value_packs=[{"shipped": "illustrative"}], lines=lines).items()
        if k != "schema_version"})
    with pytest.raises(AppraisalValidationError) as err:
        evaluate(case)
    assert "unit_values:illustrative" in str(err.value)
    allowed = case_from_records(**{k: v for k, v in _case_data(
        unit_value_packs=[{"shipped": "illustrative"}], lines=lines,
        parameters={"allow_unconfirmed": ["unit_values:illustrative"]}).items()
        if k != "schema_version"})
    result = evaluate(allowed)
    assert "unit_values:illustrative" in result.manifest["unconfirmed_parameters_used"]


def test_unknown_shipped_pack_is_refused():
    with pytest.raises(ParameterError, match="shipped packs: illustrative"):
        shipped_unit_values("hact")
