"""Repeated rows and unknown names on the lens sheets (issue 15, item 2): each is one problem
located at the later row's cell, in the workbook's words (sheet, row, what the row is,
column), never a YAML path; the repeated row is not read, so nothing else follows from it."""

from __future__ import annotations

import shutil

import openpyxl
import pytest

from appraisal import AppraisalValidationError, example_path
from appraisal.inputs.excel_messages import looks_like_yaml
from appraisal.inputs.excel_read import read_case_workbook
from appraisal.outputs.convert import convert_case


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rows")
    return {name: convert_case(example_path(name), folder / f"{name}.xlsx")
            for name in ("prevention", "falls")}


def _problems(path):
    with pytest.raises(AppraisalValidationError) as info:
        read_case_workbook(path)
    return info.value.issues


def _worded(issue):
    for text in (issue.message, issue.fix, issue.field):
        assert not looks_like_yaml(text), text
    assert issue.fix


def _last_row(ws):
    return max(r for r in range(3, ws.max_row + 1)
               if any(ws.cell(r, c).value is not None for c in range(1, ws.max_column + 1)))


#: (example, sheet, the column that names the row, its header, the row's words)
_NAMED = [
    ("prevention", "Non-monetised", "A", "Impact", "Family relationships and resilience"),
    ("prevention", "Distribution", "A", "Group", "Q1"),
    ("prevention", "MCA weight sets", "A", "Weight set", "officers"),
    ("prevention", "MCA", "A", "ID", "npsv"),
    ("prevention", "Long list objectives", "B", "ID", "so1"),
    ("prevention", "Long list", "B", "ID", "borough"),
    ("prevention", "Short list", "A", "Option", "Business as usual"),
    ("prevention", "Uncertainty", "A", "Input", "key-worker contract cost"),
    ("prevention", "Correlation", "A", "Input", "key-worker contract cost"),
    ("prevention", "Scenarios", "A", "Scenario", "pessimistic"),
]


@pytest.mark.parametrize(("example", "title", "letter", "header", "said"), _NAMED)
def test_a_repeated_row_is_one_problem_at_the_later_row(books, tmp_path, example, title,
                                                        letter, header, said):
    target = tmp_path / "twice.xlsx"
    shutil.copy(books[example], target)
    wb = openpyxl.load_workbook(target)
    ws = wb[title]
    row = _last_row(ws) + 1
    for c in range(1, ws.max_column + 1):
        ws.cell(row, c).value = ws.cell(3, c).value
    wb.save(target)
    issues = _problems(target)
    ref = f"'{title}'" if " " in title or "-" in title else title
    assert [(i.location, i.code) for i in issues] == [(f"{ref}!{letter}{row}",
                                                       "duplicate-name")], [str(i) for i in issues]
    (issue,) = issues
    assert issue.field == f"{title} row {row} ({said}), {header}"
    assert issue.message == f"{header} '{said}' appears twice (also row 3)"
    _worded(issue)


@pytest.mark.parametrize(("example", "title", "letter", "header"), [
    ("prevention", "Affordability lists", "A", "Agency"),
    ("prevention", "Affordability lists", "C", "Options assessed"),
    ("falls", "CE inputs", "A", "Effect lines"),
    ("falls", "CE inputs", "B", "Cost offset categories"),
])
def test_an_entry_listed_twice_is_one_problem(books, tmp_path, example, title, letter,
                                              header):
    target = tmp_path / "listed.xlsx"
    shutil.copy(books[example], target)
    wb = openpyxl.load_workbook(target)
    ws = wb[title]
    column = openpyxl.utils.column_index_from_string(letter)
    row = max(r for r in range(3, ws.max_row + 1) if ws.cell(r, column).value is not None) + 1
    entry = ws.cell(3, column).value
    ws.cell(row, column).value = entry
    if header == "Agency":  # an agency's VAT recoverable goes with it
        ws.cell(row, column + 1).value = "no"
    wb.save(target)
    issues = _problems(target)
    assert [(i.location, i.code) for i in issues] == [(f"'{title}'!{letter}{row}",
                                                       "duplicate-name")], [str(i) for i in issues]
    assert issues[0].message == f"'{entry}' is listed twice under {header} (also row 3)"
    _worded(issues[0])


def _edit(edited_copy, book, edits):
    return _problems(edited_copy(book, edits))


def test_a_correlation_row_of_an_unknown_input(books, edited_copy):
    issues = _edit(edited_copy, books["prevention"], {("Correlation", "A3"): "no such input"})
    assert [(i.location, i.code) for i in issues] == [("Correlation!A3", "unknown-input")]
    assert issues[0].field == "Correlation row 3 (no such input), Input"
    assert "not an input on the Uncertainty sheet" in issues[0].message
    _worded(issues[0])


def test_vat_recoverable_for_an_agency_no_line_or_funding_has(books, edited_copy):
    """Said when the workbook is read, where the lens would say it only when it runs."""
    wb = openpyxl.load_workbook(books["prevention"])
    lines = wb["Lines"]
    col = next(c.column for c in lines[1] if c.value == "Agency")
    blanks = {("Lines", lines.cell(r, col).coordinate): "Council"
              for r in range(3, lines.max_row + 1)
              if lines.cell(r, 1).value and lines.cell(r, col).value is None}
    issues = _edit(edited_copy, books["prevention"], {**blanks,
                                                   ("Affordability lists", "A3"): "Nowhere"})
    assert [(i.location, i.code) for i in issues] == [("'Affordability lists'!A3",
                                                       "unknown-agency")]
    assert issues[0].message == "no line or funding source has the agency 'Nowhere'"
    assert "Council" in issues[0].fix
    _worded(issues[0])


def test_a_renamed_weight_set_says_which_column_is_missing(books, edited_copy):
    issues = _edit(edited_copy, books["prevention"], {("MCA", "M1"): "officer (swing)"})
    found = {(i.location, i.code): i for i in issues}
    assert set(found) == {("MCA!M1", "unknown-column"), ("'MCA weight sets'!A3", "missing-key")}
    assert found[("MCA!M1", "unknown-column")].field.startswith("MCA header row")
    said = found[("'MCA weight sets'!A3", "missing-key")]
    assert said.message == "the swing weight set has no column of swings on the MCA sheet"
    assert "'officers (swing)'" in said.fix
    for issue in issues:
        _worded(issue)


def test_a_short_listed_option_with_no_choice_is_said_in_words(books, edited_copy):
    issues = _edit(edited_copy, books["prevention"], {("Short list", f"{c}4"): None
                                                   for c in "CDEFG"})
    assert ("'Short list'!A4", "wrong-type") in [(i.location, i.code) for i in issues]
    said = next(i for i in issues if i.location == "'Short list'!A4")
    assert said.message == "the option has no choice in the dimension columns"
    _worded(said)


def test_a_renamed_group_is_said_as_the_distribution_sheet(books, edited_copy):
    issues = _edit(edited_copy, books["prevention"], {("Distribution", "A3"): "Q9"})
    assert {i.code for i in issues} == {"unknown-group"}
    assert all("not in the groups on the Distribution sheet" in i.message for i in issues)
    for issue in issues:
        _worded(issue)
