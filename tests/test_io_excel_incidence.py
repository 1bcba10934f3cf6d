"""The workbook's ``Incidence`` sheet: who the value of each line falls on, one row per line
and one column per distributional group headed by the group's name (issue 15: "Distribution
(groups, incomes, incidence shares)" in the workbook's own language, not ``Line details``
rows keyed by group)."""

from __future__ import annotations

import openpyxl
import pytest

from appraisal import convert_case, example_path, load_case
from appraisal.case.case_data import case_to_data
from appraisal.inputs.excel_diff import workbook_changes
from appraisal.inputs.excel_read import read_case_workbook

EARNINGS = ("Whole-family service", "Parents' increased earnings")


@pytest.fixture(scope="module")
def prevention(tmp_path_factory):
    return convert_case(example_path("prevention"),
                        tmp_path_factory.mktemp("incidence") / "prevention.xlsx")


def _rows(path, title):
    ws = openpyxl.load_workbook(path)[title]
    return [[c.value for c in row] for row in ws.iter_rows(min_row=3)
            if any(c.value is not None for c in row)]


def _row_of(path, key):
    ws = openpyxl.load_workbook(path)["Incidence"]
    return next(r for r in range(3, ws.max_row + 1)
                if (ws.cell(r, 1).value, ws.cell(r, 2).value) == key)


def test_a_row_per_line_and_a_column_per_group(prevention):
    ws = openpyxl.load_workbook(prevention)["Incidence"]
    assert [c.value for c in ws[1]] == ["Option", "Line", "Q1 (%)", "Q2 (%)", "Q3 (%)",
                                        "Q4 (%)", "Q5 (%)", "Notes"]
    case = load_case(example_path("prevention"))
    with_incidence = [(ln.option, ln.name, *(ln.incidence.get(g) for g in
                                              ("Q1", "Q2", "Q3", "Q4", "Q5")))
                      for ln in case.lines if ln.incidence]
    assert [tuple(r[:7]) for r in _rows(prevention, "Incidence")] == with_incidence
    row = _row_of(prevention, EARNINGS)
    assert ws.cell(row, 3).number_format == "0.00%"
    # nothing of it is left in long form
    assert _rows(prevention, "Line details") == []


def test_a_round_trip_gives_the_same_case(prevention):
    assert read_case_workbook(prevention).lines == load_case(example_path("prevention")).lines


def test_a_share_typed_in_its_column_is_read_and_reported_as_a_percentage(prevention,
                                                                          edited_copy):
    row = _row_of(prevention, EARNINGS)
    edited = edited_copy(prevention, {("Incidence", f"C{row}"): 0.5,
                                      ("Incidence", f"F{row}"): 0.1})
    line = next(ln for ln in read_case_workbook(edited).lines
                if (ln.option, ln.name) == EARNINGS)
    assert dict(line.incidence) == {"Q1": 0.5, "Q2": 0.3, "Q3": 0.1, "Q4": 0.1}
    assert sorted(str(c) for c in workbook_changes(edited)) == [
        f"Incidence!C{row}: Incidence row {row} ({' / '.join(EARNINGS)}), Q1 (%): 60% → 50%",
        f"Incidence!F{row}: Incidence row {row} ({' / '.join(EARNINGS)}), Q4 (%): (blank) → "
        "10%"]


def test_problems_are_said_at_their_cells_in_the_sheets_words(prevention, edited_copy,
                                                              refused_run):
    """A group not on the Distribution sheet, shares not adding up, a second row for a line,
    a row for no line and a group heading two columns: all at once, each at its cell."""
    row = _row_of(prevention, EARNINGS)
    free = len(_rows(prevention, "Incidence")) + 3
    edited = edited_copy(prevention, {
        ("Incidence", "H1"): "Q6 (%)", ("Incidence", "I1"): "Q1", ("Incidence", "J1"): "Notes",
        ("Incidence", f"H{row}"): 0.1, ("Incidence", f"C{row}"): 0.5,  # adds up, with Q6
        ("Incidence", f"C{row + 1}"): 0.6,  # adds up to 110%
        ("Incidence", f"A{free}"): EARNINGS[0], ("Incidence", f"B{free}"): EARNINGS[1],
        ("Incidence", f"C{free}"): 1.0,
        ("Incidence", f"A{free + 1}"): EARNINGS[0], ("Incidence", f"B{free + 1}"): "Nope",
        ("Incidence", f"C{free + 1}"): 1.0})
    said = refused_run(edited, "Incidence")
    assert "[duplicate-group] " in said["Incidence!I1"]
    assert "group 'Q1' heads two columns (also column C)" in said["Incidence!I1"]
    assert "[unknown-group] " in said[f"Incidence!H{row}"]
    assert "names group 'Q6', which is not in the groups on the Distribution sheet" in said[
        f"Incidence!H{row}"]
    assert "incidence shares sum to 1.1; they must sum to 1" in said[f"Incidence!C{row + 1}"]
    assert f"has two rows (also row {row})" in said[f"Incidence!B{free}"]
    assert "no line 'Nope' of option 'Whole-family service'" in said[f"Incidence!A{free + 1}"]
    for line in said.values():
        assert "lines[" not in line, line
        assert "incidence." not in line, line


def test_an_older_workbook_with_incidence_on_line_details_still_reads(prevention, tmp_path):
    """Workbooks written before the Incidence sheet held the shares on Line details, keyed
    by group; without the sheet they read as before."""
    book = openpyxl.load_workbook(prevention)
    incidence, details = book["Incidence"], book["Line details"]
    r = 3
    for row in incidence.iter_rows(min_row=3):
        option, name = row[0].value, row[1].value
        if option is None:
            continue
        for cell in row[2:7]:
            if cell.value is not None:
                group = incidence.cell(1, cell.column).value.removesuffix(" (%)")
                for col, value in enumerate((option, name, "incidence", group, cell.value),
                                            start=1):
                    details.cell(r, col).value = value
                r += 1
    del book["Incidence"]
    old = tmp_path / "old.xlsx"
    book.save(old)
    assert case_to_data(read_case_workbook(old)) == case_to_data(
        load_case(example_path("prevention")))


def test_a_group_is_a_column_headed_by_its_name_with_or_without_the_percent_sign(
        prevention, edited_copy):
    """The groups come from the header row: "Q4" reads as "Q4 (%)" does, so a group the
    template has no column for is added by adding one (the Notes help says so)."""
    ws = openpyxl.load_workbook(prevention)["Incidence"]
    assert "add one before this, headed by its name" in ws.cell(2, 8).value
    row = _row_of(prevention, EARNINGS)
    edited = edited_copy(prevention, {("Incidence", "F1"): "Q4", ("Incidence", f"C{row}"): 0.5,
                                      ("Incidence", f"F{row}"): 0.1})
    line = next(ln for ln in read_case_workbook(edited).lines
                if (ln.option, ln.name) == EARNINGS)
    assert dict(line.incidence) == {"Q1": 0.5, "Q2": 0.3, "Q3": 0.1, "Q4": 0.1}
