"""The `Valuation` sheet (issue 15, item 2): lines valued as quantity × unit value carry their
unit value and outcome chain as columns (factors as percentages), one row per line, matched
to `Lines` by option and line; what the columns cannot hold stays on `Line details`, so a
round trip loses nothing; problems are reported at `Valuation!Cell` in the workbook's words.
"""

from __future__ import annotations

import copy
from pathlib import Path

import openpyxl
import pytest

from appraisal import case_from_records, example_path, load_case
from appraisal.case import sheets as S
from appraisal.case.case_data import case_to_data
from appraisal.errors import AppraisalValidationError
from appraisal.inputs.excel_messages import looks_like_yaml
from appraisal.inputs.excel_read import read_case_workbook
from appraisal.outputs.excel_template import write_template


@pytest.fixture(scope="module")
def prevention(tmp_path_factory) -> tuple[Path, object]:
    case = load_case(example_path("prevention"))
    return write_template(tmp_path_factory.mktemp("valuation") / "case.xlsx", case), case


def _headers(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[1] if c.value is not None}


def _data_rows(ws) -> list[tuple]:
    return [r for r in ws.iter_rows(min_row=S.FIRST_ROW, values_only=True) if r[0] or r[1]]


def test_one_row_per_valued_line_and_none_left_on_line_details(prevention):
    path, case = prevention
    book = openpyxl.load_workbook(path)
    valued = [(ln.option, ln.name) for ln in case.lines if ln.unit_value is not None]
    rows = _data_rows(book["Valuation"])
    assert [(r[0], r[1]) for r in rows] == valued
    # nothing of the valued lines is left in long form (optimism bias and incidence have
    # sheets of their own too)
    assert _data_rows(book["Line details"]) == []


def test_columns_hold_the_chain_as_percentages_with_dropdowns(prevention):
    path, case = prevention
    ws = openpyxl.load_workbook(path)["Valuation"]
    cols = _headers(ws)
    line = next(ln for ln in case.lines if ln.outcome is not None
                and ln.outcome.quantity_per_outcome != 1)
    row = next(r for r in range(S.FIRST_ROW, ws.max_row + 1)
               if (ws.cell(r, 1).value, ws.cell(r, 2).value) == (line.option, line.name))
    engagement = ws.cell(row, cols["Engagement (%)"])
    assert engagement.value == line.outcome.engagement
    assert engagement.number_format == "0.00%"
    assert ws.cell(row, cols["Quantity per outcome"]).value == line.outcome.quantity_per_outcome
    assert ws.cell(row, cols["Lag (years)"]).value == line.outcome.lag
    assert ws.cell(row, cols["Code"]).value == line.unit_value.code
    rules = {str(v.sqref).split(":")[0]: v.formula1 for v in ws.data_validations.dataValidation}
    measure = S.VALUATION.index("unit_value.measure")
    variant = S.VALUATION.index("unit_value.variant")
    letter = openpyxl.utils.get_column_letter
    assert "wellby" in rules[f"{letter(measure)}3"]
    assert "central" in rules[f"{letter(variant)}3"]
    assert rules["A3"] == "option_names"


def test_profiles_say_quantities_for_valued_lines(prevention):
    path, case = prevention
    ws = openpyxl.load_workbook(path)["Profiles"]
    cols = _headers(ws)
    assert "Amount a year" in cols
    assert "Amount (£ a year)" not in cols
    units = {(ws.cell(r, 1).value, ws.cell(r, 2).value): ws.cell(r, cols["Unit"]).value
             for r in range(S.FIRST_ROW, S.FIRST_ROW + len(case.lines))}
    for line in case.lines:
        unit = units[(line.option, line.name)]
        if line.unit_value is None:
            assert unit.startswith("£"), (line.name, unit)
        else:
            assert "£" not in unit, (line.name, unit)
            assert "Valuation" in unit, (line.name, unit)
            assert unit.startswith("cohort") == (line.outcome is not None)


def _mixed_case():
    return {
        "schema_version": 1, "title": "Valued", "base_year": 2025, "horizon_years": 10,
        "parameters": {"allow_unconfirmed": ["wellbeing_values", "gdp_deflator"]},
        "options": [{"name": "BAU", "counterfactual": True}, {"name": "Do it"}],
        "lines": [
            {"option": "Do it", "name": "cost", "kind": "cost", "values": {2025: 1000.0}},
            {"option": "Do it", "name": "calls", "kind": "benefit",
             "values": {2026: 40.0, 2027: 40.0},
             "unit_value": {"value": 600.0, "unit": "call-out", "price_year": 2023,
                            "source": "own survey", "rebase": False,
                            "real_growth": {"rate": 0.02, "from_year": 2024,
                                            "source": "OBR long-term growth"}},
             "outcome": {"engagement": 0.75, "success": 0.5, "deadweight": 0.25, "lag": 1,
                         "persistence": 3, "drop_off": 0.2, "source": "pilot"}},
            {"option": "Do it", "name": "wellbeing", "kind": "benefit", "values": {2026: 2.0},
             "unit_value": {"measure": "wellby", "variant": "low"}},
        ],
    }


def test_round_trip_of_every_column_is_the_identity(tmp_path):
    case = case_from_records(**_mixed_case())
    path = write_template(tmp_path / "case.xlsx", case)
    book = openpyxl.load_workbook(path)
    assert len(_data_rows(book["Valuation"])) == 2
    assert not _data_rows(book["Line details"])
    profiles = book["Profiles"]
    units = [profiles.cell(r, S.PROFILES.index("unit")).value for r in (3, 4, 5)]
    assert units == ["£ real, 2025 prices", "cohort (number; outcome chain on Valuation)",
                     "WELLBYs (valued on Valuation)"]
    back = read_case_workbook(path)
    assert case_to_data(back) == case_to_data(case)
    assert back.lines[1].unit_value == case.lines[1].unit_value
    assert back.lines[1].outcome == case.lines[1].outcome


def test_what_no_column_holds_stays_on_line_details():
    """A key the sheet has no column for, or a value of another type, goes to Line details."""
    line = copy.deepcopy(_mixed_case()["lines"][1])
    line["outcome"]["engagement"] = [0.5, 0.6]
    line["outcome"]["typo"] = 1
    row = S.valuation_row(line)
    assert "outcome.engagement" not in row
    assert "outcome.success" in row
    assert not [k for k in row if "typo" in k]


def test_a_refused_key_comes_back_refused_from_line_details(tmp_path):
    """An unknown outcome key is written to Line details and refused on reading, as in YAML."""
    data = _mixed_case()
    data["lines"][1]["outcome"]["atribution"] = 0.2
    with pytest.raises(AppraisalValidationError) as yaml_error:
        case_from_records(**data)
    valid = case_from_records(**_mixed_case())
    path = write_template(tmp_path / "case.xlsx", valid, data=data)
    rows = _data_rows(openpyxl.load_workbook(path)["Line details"])
    assert [(r[2], r[3]) for r in rows] == [("Outcome", "atribution")]  # the field in words
    with pytest.raises(AppraisalValidationError) as caught:
        read_case_workbook(path)
    assert {i.code for i in caught.value.issues} == {i.code for i in yaml_error.value.issues}
    assert all(i.location.startswith("'Line details'!") for i in caught.value.issues)


def _bad(path: Path, tmp_path: Path, header: str, value, *, row: int | None = None,
         at: str | None = None):
    book = openpyxl.load_workbook(path)
    ws = book["Valuation"]
    r = row if row is not None else S.FIRST_ROW + 1
    col = _headers(ws)[header]
    ws.cell(r, col).value = value
    keys = (ws.cell(r, 1).value, ws.cell(r, 2).value)
    bad = tmp_path / "bad.xlsx"
    book.save(bad)
    with pytest.raises(AppraisalValidationError) as caught:
        read_case_workbook(bad)
    ref = f"Valuation!{at or ws.cell(r, col).column_letter}{r}"
    found = [i for i in caught.value.issues if i.location == ref]
    assert found, [str(i) for i in caught.value.issues]
    issue = found[0]
    assert not looks_like_yaml(issue.message), issue.message
    assert not looks_like_yaml(issue.fix), issue.fix
    assert not looks_like_yaml(issue.field), issue.field
    assert "lines[" not in str(issue)
    assert "outcome." not in str(issue)
    return issue, r, keys


def test_a_bad_measure_is_a_bad_choice_at_its_cell(tmp_path):
    case = case_from_records(**_mixed_case())
    path = write_template(tmp_path / "case.xlsx", case)
    row = S.FIRST_ROW + 1  # the wellbeing line
    issue, r, (option, line) = _bad(path, tmp_path, "Measure", "wellbee", row=row)
    assert issue.code == "bad-choice"
    assert issue.field == f"Valuation row {r} ({option} / {line}), Measure"
    assert issue.message.startswith("Measure must be one of wellby")
    assert "did you mean 'wellby'" in issue.fix


def test_a_word_for_a_whole_number_is_a_wrong_type(prevention, tmp_path):
    issue, r, (option, line) = _bad(prevention[0], tmp_path, "Lag (years)", "two")
    assert issue.code == "wrong-type"
    assert issue.field == f"Valuation row {r} ({option} / {line}), Lag (years)"
    assert "digits" in issue.fix


def test_a_factor_outside_zero_to_one_is_out_of_range(prevention, tmp_path):
    issue, r, (option, line) = _bad(prevention[0], tmp_path, "Deadweight (%)", 1.5)
    assert issue.code == "out-of-range"
    assert issue.field == f"Valuation row {r} ({option} / {line}), Deadweight (%)"
    assert "Deadweight (%) must be" in issue.message


def test_a_row_for_a_line_not_on_lines(prevention, tmp_path):
    issue, r, (option, _line) = _bad(prevention[0], tmp_path, "Line", "Avoided placements",
                                    at="A")
    assert issue.code == "valuation-without-line"
    assert issue.location == f"Valuation!A{r}"
    assert issue.message == (f"no line 'Avoided placements' of option '{option}' on the "
                             "Lines sheet")
    assert "Lines" in issue.fix


def test_a_line_given_twice(prevention, tmp_path):
    book = openpyxl.load_workbook(prevention[0])
    ws = book["Valuation"]
    first = S.FIRST_ROW + 1
    spare = len(_data_rows(ws)) + S.FIRST_ROW
    for c in (1, 2, S.VALUATION.index("outcome.success")):
        ws.cell(spare, c).value = ws.cell(first, c).value
    bad = tmp_path / "twice.xlsx"
    book.save(bad)
    with pytest.raises(AppraisalValidationError) as caught:
        read_case_workbook(bad)
    issue = next(i for i in caught.value.issues if i.code == "duplicate-valuation")
    assert issue.location == f"Valuation!B{spare}"
    assert f"also row {first}" in issue.message


def test_a_workbook_with_the_earlier_profile_headers_still_reads(prevention, tmp_path):
    book = openpyxl.load_workbook(prevention[0])
    ws = book["Profiles"]
    cols = _headers(ws)
    ws.cell(1, cols["Amount a year"]).value = "Amount (£ a year)"
    ws.cell(1, cols["Total"]).value = "Total (£)"
    old = tmp_path / "old.xlsx"
    book.save(old)
    assert case_to_data(read_case_workbook(old)) == case_to_data(prevention[1])
