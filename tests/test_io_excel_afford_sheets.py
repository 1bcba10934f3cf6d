"""The finance sections as sheets of their own (issue 15, item 2): ``Affordability`` (funding
sources, budget years across), ``Affordability lists`` (VAT recoverability by agency, the
section's lists), ``CE inputs`` and ``Unit-value packs`` instead of path/value rows on
``Sections``; their settings are rows of the ``Case`` sheet. Round-tripped, with problems
located at ``Sheet!Cell`` and worded for the workbook."""

from __future__ import annotations

import shutil

import openpyxl
import pytest

from appraisal import AppraisalValidationError, evaluate, example_path, load_case
from appraisal.case.lens_sheets_finance import (
    AFFORDABILITY_FUNDING,
    AFFORDABILITY_LISTS,
    COST_EFFECTIVENESS,
    UNIT_VALUE_PACKS,
    budget_years,
)
from appraisal.case.sheets import CASE_ROWS
from appraisal.inputs.excel_messages import looks_like_yaml
from appraisal.outputs.convert import convert_case

FINANCE = {"affordability", "cost_effectiveness", "unit_value_packs"}


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    folder = tmp_path_factory.mktemp("affsheets")
    return {name: convert_case(example_path(name), folder / f"{name}.xlsx")
            for name in ("prevention", "falls")}


def _rows(ws, first=3):
    return [row for row in ws.iter_rows(min_row=first, values_only=True)
            if any(v is not None for v in row)]


def _case_settings(ws):
    """The Case sheet's rows by field path (the Field column shows each row's words)."""
    names = {row.label: row.name for row in CASE_ROWS}
    return {names.get(r[0], r[0]): r[1] for r in _rows(ws)}


def _case_row(wb, name):
    label = next(row.label for row in CASE_ROWS if row.name == name)
    return next(c.row for c in wb["Case"]["A"] if c.value == label)


def _issues(book, tmp_path, edits, *, run=False):
    target = tmp_path / "edited.xlsx"
    shutil.copy(book, target)
    wb = openpyxl.load_workbook(target)
    for (title, ref), value in edits.items():
        wb[title][ref] = value
    wb.save(target)
    def read() -> None:
        case = load_case(target)
        if run:
            evaluate(case)

    with pytest.raises(AppraisalValidationError) as info:
        read()
    for issue in info.value.issues:
        assert not looks_like_yaml(issue.message), issue.message
        assert not looks_like_yaml(issue.fix), issue.fix
    return {i.location: i for i in info.value.issues}


@pytest.mark.parametrize("name", ["prevention", "falls"])
def test_the_sections_sheet_holds_no_finance_rows(books, name):
    wb = openpyxl.load_workbook(books[name])
    assert not {r[0] for r in _rows(wb["Sections"])} & FINANCE
    for title in ("Affordability", "Affordability lists", "CE inputs", "Unit-value packs"):
        assert title in wb.sheetnames


@pytest.mark.parametrize("name", ["prevention", "falls"])
def test_yaml_to_workbook_to_case_keeps_the_finance_sections(books, name):
    original, back = load_case(example_path(name)), load_case(books[name])
    for section in FINANCE:
        assert back.sections.get(section) == original.sections.get(section), section
        assert back.section_data.get(section) == original.section_data.get(section), section


def test_funding_sources_are_rows_and_the_settings_case_rows(books):
    wb = openpyxl.load_workbook(books["prevention"])
    spec = load_case(example_path("prevention")).sections["affordability"]
    ws = wb["Affordability"]
    headers = [c.value for c in ws[1]]
    assert headers[:8] == ["Option", "Funding source", "Funder", "Towards (agency)",
                           "Start year", "End year", "Amount (£ a year)", "Source"]
    assert headers[8:] == budget_years({"base_year": 2025, "horizon_years": 40})
    rows = _rows(ws)
    assert [(r[0], r[1], r[2]) for r in rows] == [(f.option, f.name, f.funder)
                                                  for f in spec.funding]
    nhs = rows[4]
    assert nhs[3] == "Council"
    assert nhs[4:7] == (2025, 2029, 150000)
    case = _case_settings(wb["Case"])
    assert case["affordability.vat.rate"] == spec.vat_rate
    assert case["affordability.contingency.rate"] == spec.contingency_rate
    assert case["affordability.inflation.gdp_deflator"] == "yes"
    lists = _rows(wb["Affordability lists"])
    assert lists[0][:2] == ("Council", "yes")
    assert [r[2] for r in lists] == list(spec.options)
    assert [r[3] for r in lists if r[3]] == list(spec.capital_categories)


def test_cost_effectiveness_inputs_are_columns_and_its_unit_a_case_row(books):
    wb = openpyxl.load_workbook(books["falls"])
    spec = load_case(example_path("falls")).sections["cost_effectiveness"]
    rows = _rows(wb["CE inputs"])
    assert [r[0] for r in rows if r[0]] == list(spec.effect_lines)
    assert [r[1] for r in rows if r[1]] == list(spec.cost_offsets)
    assert [r[2] for r in rows if r[2]] == list(spec.shipped)
    assert _case_settings(wb["Case"])["cost_effectiveness.effect.unit"] == \
        spec.unit
    packs = _rows(openpyxl.load_workbook(books["prevention"])["Unit-value packs"])
    assert packs == [(None, "illustrative", None, None, None, None)]


def test_cash_typed_in_the_budget_years_reads_back(books, tmp_path):
    """A funding row given by year (``values``) fills the year columns and reads back."""
    target = tmp_path / "years.xlsx"
    shutil.copy(books["prevention"], target)
    wb = openpyxl.load_workbook(target)
    ws = wb["Affordability"]
    col = {c.value: c.column_letter for c in ws[1]}
    for key in ("Start year", "End year", "Amount (£ a year)"):
        ws[f"{col[key]}3"] = None
    ws[f"{col['2026-27']}3"] = 40000
    ws[f"{col['2027-28']}3"] = 60000
    wb.save(target)
    row = load_case(target).sections["affordability"].funding[0]
    assert dict(row.values) == {2026: 40000.0, 2027: 60000.0}
    assert row.name == "Council base budget (growth bid)"


def test_funding_problems_are_located_and_worded(books, tmp_path):
    found = _issues(books["prevention"], tmp_path, {
        ("Affordability", "A4"): "Whole family",          # unknown option
        ("Affordability", "G5"): "lots",                  # wrong type
        ("Affordability", "C6"): None,                    # no funder
        ("Affordability", "J7"): 5000,                    # cash given twice
    })
    assert set(found) == {"Affordability!A4", "Affordability!G5", "Affordability!C6",
                          "Affordability!B7"}
    option = found["Affordability!A4"]
    assert option.code == "unknown-option"
    assert "'Whole family'" in option.message
    assert option.field.startswith("Affordability row 4 (Whole family / Council service "
                                   "transformation reserve)")
    assert "Whole-family service" in option.fix
    amount = found["Affordability!G5"]
    assert amount.code == "wrong-type"
    assert amount.message.startswith("Amount (£ a year) must be a finite number")
    assert amount.field.endswith("Amount (£ a year)")
    funder = found["Affordability!C6"]
    assert funder.code == "missing"
    assert funder.fix == "fill in Funder"
    twice = found["Affordability!B7"]
    assert twice.code == "funding-amounts"
    assert "budget-year columns" in twice.message
    assert "Start year" in twice.fix


def test_settings_and_lists_problems_are_located_and_worded(books, tmp_path):
    wb = openpyxl.load_workbook(books["prevention"])
    vat, deflator = (_case_row(wb, "affordability.vat.rate"),
                     _case_row(wb, "affordability.inflation.gdp_deflator"))
    found = _issues(books["prevention"], tmp_path, {
        ("Case", f"B{vat}"): 1.5,                         # VAT rate outside [0, 1]
        ("Case", f"B{deflator}"): "perhaps",              # bad choice (yes or no)
        ("Affordability lists", "B3"): "maybe",           # bad choice (yes or no)
        ("Affordability lists", "C4"): "Nope",            # unknown option
    })
    assert set(found) == {f"Case!B{vat}", f"Case!B{deflator}", "'Affordability lists'!B3",
                          "'Affordability lists'!C4"}
    rate = found[f"Case!B{vat}"]
    assert rate.code == "out-of-range"
    assert "(got 1.5)" in rate.message
    assert "(Affordability: VAT rate), Value" in rate.field
    for ref in (f"Case!B{deflator}", "'Affordability lists'!B3"):
        assert found[ref].code == "wrong-type"
        assert found[ref].fix == "choose yes or no from the drop-down"
    assert found["'Affordability lists'!C4"].message == "no option named 'Nope'"


def test_an_unknown_vat_agency_is_refused_at_its_row(books, tmp_path):
    found = _issues(books["prevention"], tmp_path, {("Affordability lists", "A3"): "Councl"},
                    run=True)
    issue = found["'Affordability lists'!B3"]
    assert issue.code == "unknown-agency"
    assert "'Councl'" in issue.message
    assert "Council" in issue.fix


def test_cost_effectiveness_problems_are_located_and_worded(books, tmp_path):
    found = _issues(books["falls"], tmp_path, {("CE inputs", "A3"): "No such line",
                                               ("CE inputs", "D5"): -3})
    assert set(found) == {"'CE inputs'!A3", "'CE inputs'!D5"}
    assert found["'CE inputs'!A3"].code == "unknown-line"
    assert found["'CE inputs'!D5"].code == "not-positive"
    shipped = _issues(books["falls"], tmp_path, {("CE inputs", "C4"): "middle"}, run=True)
    assert shipped["'CE inputs'!C4"].code == "unknown-threshold"
    assert "lower" in shipped["'CE inputs'!C4"].fix


def test_the_tables_round_trip_their_part_and_leave_the_rest():
    data = {"vat": {"rate": 0.2, "source": "s", "recoverable": {"NHS": False}},
            "options": ["A"], "inflation": {"gdp_deflator": True}}
    rows, rest = AFFORDABILITY_LISTS.split(data)
    assert rest == {"vat": {"rate": 0.2, "source": "s"}, "inflation": {"gdp_deflator": True}}
    assert AFFORDABILITY_LISTS.join(rows, rest)[0] == data
    ce = {"effect": {"lines": ["q"], "unit": "QALY"}, "thresholds": ["upper", 25000, "lower"],
          "threshold_source": "s"}
    rows, rest = COST_EFFECTIVENESS.split(ce)
    assert [(r.values.get("threshold_variant"), r.values.get("threshold_value"))
            for r in rows] == [("upper", None), (None, 25000), ("lower", None)]
    assert COST_EFFECTIVENESS.join(rows, rest)[0] == ce
    # what the tables cannot lay out stays for the Sections sheet
    own = [{"path": "p.csv", "columns": {"value": "Cost"}}]
    assert UNIT_VALUE_PACKS.split(own) == ([], own)
    late = {"funding": [{"name": "G", "funder": "NHS", "values": {2030: 5}}]}
    assert AFFORDABILITY_FUNDING.split(late, budget_years(
        {"base_year": 2025, "horizon_years": 3})) == ([], late)


def test_the_settings_are_case_rows():
    names = {row.name for row in CASE_ROWS}
    assert {"affordability.vat.rate", "affordability.vat.source",
            "affordability.contingency.rate", "affordability.inflation.gdp_deflator",
            "affordability.inflation.rate", "cost_effectiveness.effect.unit",
            "cost_effectiveness.threshold_source"} <= names


def _small_case():
    from appraisal import case_from_records

    return case_from_records(
        title="T", base_year=2025, horizon_years=5,
        options=[{"name": "BAU", "counterfactual": True}, {"name": "A"}],
        lines=[{"option": "A", "name": "c", "kind": "cost", "values": {2025: 100},
                "agency": "Council"}],
        affordability={"inflation": {"rate": 0.02, "source": "assumed"},
                       "funding": [{"name": "Grant", "funder": "Council",
                                    "values": {2026: 50}}]})


def test_a_shorter_appraisal_period_keeps_the_year_columns_readable(tmp_path):
    """Year columns beyond a shortened period are read, and cash there is said outside it."""
    from appraisal.outputs.excel_template import write_template

    book = write_template(tmp_path / "small.xlsx", _small_case())
    wb = openpyxl.load_workbook(book)
    wb["Case"][f"B{_case_row(wb, 'horizon_years')}"] = 4
    wb.save(book)
    assert load_case(book).sections["affordability"].funding[0].values == {2026: 50.0}
    col = {c.value: c.column_letter for c in wb["Affordability"][1]}
    wb["Affordability"][f"{col['2029-30']}3"] = 70
    wb.save(book)
    with pytest.raises(AppraisalValidationError) as info:
        load_case(book)
    [issue] = info.value.issues
    assert issue.location == f"Affordability!{col['2029-30']}3"
    assert issue.code == "year-outside-horizon"
    assert not looks_like_yaml(issue.message)
