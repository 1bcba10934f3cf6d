"""Lens sections as sheets of their own (issue 15, item 2): ``Non-monetised`` and
``Distribution`` instead of path/value rows on ``Sections``, round-tripped, with problems
worded for the workbook."""

from __future__ import annotations

import shutil

import openpyxl
import pytest

from appraisal import AppraisalValidationError, example_path, load_case
from appraisal.case.lens_sheets import DISTRIBUTION, NON_MONETISED
from appraisal.case.lens_tables import LENS_TABLES
from appraisal.case.sheets import CASE_ROWS
from appraisal.inputs.excel_messages import looks_like_yaml
from appraisal.outputs.convert import convert_case


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("lens") / "prevention.xlsx"
    return convert_case(example_path("prevention"), path)


def _rows(ws, first=3):
    return [row for row in ws.iter_rows(min_row=first, values_only=True) if any(
        v is not None for v in row)]


def _case_settings(ws):
    """The Case sheet's rows by field path (the Field column shows each row's words)."""
    names = {row.label: row.name for row in CASE_ROWS}
    return {names.get(r[0], r[0]): r[1] for r in _rows(ws)}


def test_the_register_and_the_groups_have_sheets_of_their_own(book):
    wb = openpyxl.load_workbook(book)
    case = load_case(example_path("prevention"))
    nm = wb["Non-monetised"]
    headers = [c.value for c in nm[1]]
    options = [o.name for o in case.options]
    assert headers == ["Impact", "Confidence", "Evidence", "Description", *options]
    register = case.sections["non_monetised"]
    rows = _rows(nm)
    assert [r[0] for r in rows] == [i.impact for i in register.impacts]
    first = register.impacts[0]
    assert rows[0][1] == first.confidence
    labels = dict(zip(headers[4:], rows[0][4:], strict=True))
    assert labels["Whole-family service"] == "moderate beneficial"
    dist = wb["Distribution"]
    assert [c.value for c in dist[1]] == ["Group", "Income (£ a year)", "Households", "Weight"]
    spec = case.sections["distribution"]
    assert [r[0] for r in _rows(dist)] == list(spec.groups)
    assert [r[1] for r in _rows(dist)] == list(spec.incomes)
    on_sections = {r[0] for r in _rows(wb["Sections"])}
    assert not on_sections & {"non_monetised", "distribution"}
    settings = {k: v for k, v in _case_settings(wb["Case"]).items()
                if str(k).startswith("distribution.")}
    assert settings["distribution.grouping"].startswith("income quintile")


def test_the_workbook_reads_back_to_the_same_sections(book):
    original = load_case(example_path("prevention"))
    back = load_case(book)
    assert back.sections["non_monetised"] == original.sections["non_monetised"]
    assert back.sections["distribution"] == original.sections["distribution"]


def _broken(book, tmp_path, edits):
    target = tmp_path / "edited.xlsx"
    shutil.copy(book, target)
    wb = openpyxl.load_workbook(target)
    for (title, ref), value in edits.items():
        wb[title][ref] = value
    wb.save(target)
    with pytest.raises(AppraisalValidationError) as info:
        load_case(target)
    return info.value.issues


def test_problems_on_the_lens_sheets_are_located_and_worded_for_the_workbook(book, tmp_path):
    issues = _broken(book, tmp_path, {
        ("Non-monetised", "F3"): "quite good",
        ("Non-monetised", "E1"): "Busines as usual",
        ("Distribution", "D5"): 1.2,
    })
    found = {i.location: i for i in issues}
    assert set(found) == {"'Non-monetised'!F3", "'Non-monetised'!E1", "Distribution!D5"}
    assert "seven-point scale" in found["'Non-monetised'!F3"].message
    assert "(Family relationships and resilience)" in found["'Non-monetised'!F3"].field
    assert "did you mean 'Business as usual'" in found["'Non-monetised'!E1"].fix
    weights = found["Distribution!D5"]
    assert weights.code == "weights-with-incomes"
    assert "Income (£ a year)" in weights.message
    assert "Weight" in weights.fix
    for issue in issues:
        assert not looks_like_yaml(issue.message), issue.message
        assert not looks_like_yaml(issue.fix), issue.fix


def test_a_refused_distribution_does_not_refuse_every_incidence_again(book, tmp_path):
    issues = _broken(book, tmp_path, {("Distribution", "D5"): 1.2})
    assert [i.code for i in issues] == ["weights-with-incomes"]


@pytest.mark.parametrize("table", LENS_TABLES, ids=lambda t: t.title)
def test_data_a_table_cannot_lay_out_is_left_for_the_sections_sheet(table):
    odd = {"unexpected": [1, {"deep": 2}]} if table is NON_MONETISED else [1, 2]
    assert table.split(odd) == ([], odd)


def test_distribution_weights_lay_out_and_read_back():
    data = {"groups": ["Q1", "Q2"], "weights": {"Q1": 1.5, "Q2": 0.7},
            "weights_source": "a published table", "eta": 1.3}
    rows, rest = DISTRIBUTION.split(data)
    assert [r.values for r in rows] == [{"group": "Q1", "weight": 1.5},
                                       {"group": "Q2", "weight": 0.7}]
    assert rest == {"weights_source": "a published table", "eta": 1.3}
    back, placed = DISTRIBUTION.join(rows, rest)
    assert back == data
    assert ((("weights", "Q2"), 1, "weight")) in placed
