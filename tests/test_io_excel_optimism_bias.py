"""The workbook's ``Optimism bias`` and ``Risk areas`` sheets: a cost line's project type
(in the guidance's words), bound, measure, works-duration switch or own uplift as columns,
with drop-downs, a line of several project types one row per type with its share, and its
risk areas' contributions and mitigation one row per area (issue 15: a sheet for each lens
in the workbook's own language, no dotted keys)."""

from __future__ import annotations

import openpyxl
import pytest

from appraisal import convert_case, example_path, load_case
from appraisal.case import sheets as S
from appraisal.cli import main
from appraisal.inputs.excel_read import read_case_workbook

_PROJECT, _SHARE, _BOUND, _MEASURE, _DURATION, _UPLIFT, _SOURCE = "CDEFGHI"


@pytest.fixture(scope="module")
def capital(tmp_path_factory):
    return convert_case(example_path("capital"), tmp_path_factory.mktemp("ob") / "capital.xlsx")


def _rows(path, title):
    ws = openpyxl.load_workbook(path)[title]
    return [[c.value for c in row] for row in ws.iter_rows(min_row=3)
            if any(c.value is not None for c in row)]


def _row_of(path, option, line):
    ws = openpyxl.load_workbook(path)["Optimism bias"]
    return next(r for r in range(3, ws.max_row + 1)
                if ws.cell(r, 1).value == option and ws.cell(r, 2).value == line)


def test_the_sheet_holds_the_columns_and_line_details_only_the_rest(capital):
    assert [c.header for c in S.OPTIMISM_BIAS.columns] == [
        "Option", "Line", "Project type", "Share (%)", "Bound", "Measure", "Works duration too",
        "Own uplift (%)", "Uplift source", "Notes"]
    rows = _rows(capital, "Optimism bias")
    # a line of two project types: a row each with its share, the other columns on the first
    construction = [r for r in rows if r[:2] == ["New build", "Construction"]]
    assert construction == [
        ["New build", "Construction", "Standard buildings", 0.7, "upper", None, "yes", None,
         None, None],
        ["New build", "Construction", "Standard civil engineering", 0.3, None, None, None,
         None, None, None]]
    assert ["Refurbish", "Refurbishment works", "Non-standard buildings", None, "upper", None,
            "yes", None, None, None] in rows
    # the risk areas, one row each; the works duration's own beside the cost's (Refurbishment
    # has 'yes' under Works duration too, and the areas here, read back as the one map)
    assert [r[:7] for r in _rows(capital, "Risk areas")] == [
        ["Refurbish", "Refurbishment works", "inadequacy of the business case", 0.23, 0.5,
         0.22, 0.5],
        ["Refurbish", "Refurbishment works", "design complexity", 0.1, None, None, None]]
    # nothing the sheets show is repeated in long form (the shares were, before)
    assert _rows(capital, "Line details") == []


def test_drop_downs_offer_the_guidance_words_and_the_closed_choices(capital):
    ws = openpyxl.load_workbook(capital)["Optimism bias"]
    lists = {str(dv.sqref).split(":")[0]: (dv.formula1, dv.errorStyle)
             for dv in ws.data_validations.dataValidation}
    project, style = lists["C3"]
    assert "Standard buildings" in project
    assert "Outsourcing" in project
    assert style == "information"  # a pack of the case's own may add types: not refused
    assert lists[f"{_BOUND}3"][0] == '"upper,lower"'
    assert lists[f"{_MEASURE}3"][0] == '"capex,opex"'
    assert lists[f"{_DURATION}3"][0] == '"yes,no"'


def test_a_round_trip_gives_the_same_case(capital):
    assert read_case_workbook(capital).lines == load_case(example_path("capital")).lines


@pytest.mark.parametrize("typed", ["Outsourcing", "OUTSOURCING", "outsourcing"])
def test_a_project_type_is_read_in_words_or_as_its_key(capital, edited_copy, typed):
    row = _row_of(capital, "Refurbish", "Refurbishment works")
    edited = edited_copy(capital, {("Optimism bias", f"{_PROJECT}{row}"): typed})
    line = next(ln for ln in read_case_workbook(edited).lines
                if ln.name == "Refurbishment works")
    assert line.optimism_bias.project_type == "outsourcing"


def test_an_own_uplift_with_its_source(capital, edited_copy):
    row = _row_of(capital, "New build", "Running costs") if any(
        r[1] == "Running costs" for r in _rows(capital, "Optimism bias")) else None
    assert row is None  # running costs have no optimism bias yet: type a new row
    free = len(_rows(capital, "Optimism bias")) + 3
    edited = edited_copy(capital, {
        ("Optimism bias", f"A{free}"): "New build", ("Optimism bias", f"B{free}"): "Running costs",
        ("Optimism bias", f"{_UPLIFT}{free}"): 0.1,
        ("Optimism bias", f"{_SOURCE}{free}"): "Our own reference class, 2024"})
    line = next(ln for ln in read_case_workbook(edited).lines
                if ln.option == "New build" and ln.name == "Running costs")
    assert line.optimism_bias.uplift == 0.1
    assert line.optimism_bias.source == "Our own reference class, 2024"


def test_problems_are_said_at_their_cells_in_the_sheets_words(capital, edited_copy, tmp_path,
                                                              capsys):
    """A row for no line, a second row for a line, a bound and a measure outside their
    lists, and an own uplift with no source: all at once, each at its cell, no YAML."""
    row = _row_of(capital, "Refurbish", "Refurbishment works")
    free = len(_rows(capital, "Optimism bias")) + 3
    edited = edited_copy(capital, {
        ("Optimism bias", f"{_BOUND}{row}"): "highest",
        ("Optimism bias", f"A{free}"): "Refurbish", ("Optimism bias", f"B{free}"): "Refurbishmnt",
        ("Optimism bias", f"{_PROJECT}{free}"): "Outsourcing",
        ("Optimism bias", f"A{free + 1}"): "Refurbish",
        ("Optimism bias", f"B{free + 1}"): "Refurbishment works",
        ("Optimism bias", f"{_PROJECT}{free + 1}"): "Outsourcing"})
    before = edited.read_bytes()
    assert main(["run", str(edited), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    said = [line for line in err.splitlines() if "'Optimism bias'!" in line]
    assert any(line.startswith(f"  'Optimism bias'!A{free}: error [optimism-bias-without-line]"
                               " ") and "no line 'Refurbishmnt' of option 'Refurbish'" in line
               for line in said), err
    assert any(line.startswith(f"  'Optimism bias'!B{free + 1}: error "
                               "[duplicate-optimism-bias] ") and f"(also row {row})" in line
               for line in said), err
    bound = next(line for line in said if f"!{_BOUND}{row}:" in line)
    assert "Bound" in bound, bound
    assert "'highest'" in bound, bound
    for line in said:
        assert "optimism_bias" not in line, line
        assert "lines[" not in line, line
    assert "Nothing was written." in err
    assert not (tmp_path / "out").exists()
    assert edited.read_bytes() == before


def test_risk_area_rows_for_no_line_or_twice_are_said_at_their_cells(capital, edited_copy,
                                                                      capsys):
    free = len(_rows(capital, "Risk areas")) + 3
    edited = edited_copy(capital, {
        ("Risk areas", f"A{free}"): "Refurbish", ("Risk areas", f"B{free}"): "Refurbishmnt",
        ("Risk areas", f"C{free}"): "design complexity", ("Risk areas", f"D{free}"): 0.1,
        ("Risk areas", f"A{free + 1}"): "Refurbish",
        ("Risk areas", f"B{free + 1}"): "Refurbishment works",
        ("Risk areas", f"C{free + 1}"): "design complexity", ("Risk areas", f"E{free + 1}"): 0.3})
    assert main(["validate", str(edited)]) == 1
    err = capsys.readouterr().err
    assert f"  'Risk areas'!A{free}: error [risk-area-without-line] " in err
    assert "no line 'Refurbishmnt' of option 'Refurbish'" in err
    twice = next(line for line in err.splitlines() if "[duplicate-risk-area]" in line)
    assert twice.startswith(f"  'Risk areas'!C{free + 1}: error [duplicate-risk-area] ")
    assert "(also row 4)" in twice


def test_duration_risk_areas_with_works_duration_no_are_refused(capital, edited_copy, capsys):
    """'no' under Works duration too, and risk areas for the works duration: refused at the
    duration cell (they would be dropped), the input untouched."""
    row = _row_of(capital, "Refurbish", "Refurbishment works")
    edited = edited_copy(capital, {("Optimism bias", f"{_DURATION}{row}"): "no"})
    before = edited.read_bytes()
    assert main(["validate", str(edited)]) == 1
    err = capsys.readouterr().err
    problem = next(line for line in err.splitlines() if "'Risk areas'!F3" in line)
    assert problem.startswith("  'Risk areas'!F3: error [optimism-bias] ")
    assert "Works duration too is no on the Optimism bias sheet" in problem
    assert "(choose yes under Works duration too, or clear this cell)" in problem
    assert "optimism_bias" not in problem
    assert edited.read_bytes() == before


def test_an_older_workbook_with_optimism_bias_on_line_details_still_reads(capital, edited_copy):
    """Workbooks written before these sheets existed hold the keys on Line details."""
    row = _row_of(capital, "Refurbish", "Refurbishment works")
    ws = openpyxl.load_workbook(capital)["Line details"]
    free = ws.max_row + 1
    edits = {("Optimism bias", f"{c}{row}"): None for c in "ABCDEFG"}
    edits.update({("Risk areas", f"{c}{r}"): None for c in "ABCDEFG" for r in (3, 4)})
    for k, (key, value) in enumerate((
            ("project_type", "outsourcing"), ("bound", "lower"),
            ("contributions.design complexity", 0.1),
            ("contributions.inadequacy of the business case", 0.23),
            ("mitigation.inadequacy of the business case", 0.5),
            ("duration.contributions.inadequacy of the business case", 0.22),
            ("duration.mitigation.inadequacy of the business case", 0.5))):
        edits.update({("Line details", f"A{free + k}"): "Refurbish",
                      ("Line details", f"B{free + k}"): "Refurbishment works",
                      ("Line details", f"C{free + k}"): "optimism_bias",
                      ("Line details", f"D{free + k}"): key,
                      ("Line details", f"E{free + k}"): value})
    line = next(ln for ln in read_case_workbook(edited_copy(capital, edits)).lines
                if ln.name == "Refurbishment works")
    assert (line.optimism_bias.project_type, line.optimism_bias.bound) == ("outsourcing",
                                                                           "lower")
    original = next(ln for ln in load_case(example_path("capital")).lines
                    if ln.name == "Refurbishment works").optimism_bias
    for name in ("contributions", "mitigation", "duration", "duration_contributions",
                 "duration_mitigation"):
        assert getattr(line.optimism_bias, name) == getattr(original, name), name


def _construction_rows(capital):
    ws = openpyxl.load_workbook(capital)["Optimism bias"]
    return [r for r in range(3, ws.max_row + 1)
            if (ws.cell(r, 1).value, ws.cell(r, 2).value) == ("New build", "Construction")]


def test_shares_of_several_project_types_read_from_their_rows(capital, edited_copy):
    """A line of several project types: one row per type and share; the bound given on one
    row, or the same on each; a third type added as a row."""
    _, second = _construction_rows(capital)
    free = len(_rows(capital, "Optimism bias")) + 3
    edited = edited_copy(capital, {
        ("Optimism bias", f"{_SHARE}{second}"): 0.2,
        ("Optimism bias", f"{_BOUND}{second}"): "upper",  # alike: read once
        ("Optimism bias", f"A{free}"): "New build", ("Optimism bias", f"B{free}"): "Construction",
        ("Optimism bias", f"{_PROJECT}{free}"): "outsourcing",
        ("Optimism bias", f"{_SHARE}{free}"): 0.1})
    line = next(ln for ln in read_case_workbook(edited).lines if ln.name == "Construction")
    assert dict(line.optimism_bias.shares) == {
        "standard_buildings": 0.7, "standard_civil_engineering": 0.2, "outsourcing": 0.1}
    assert (line.optimism_bias.bound, line.optimism_bias.project_type) == ("upper", None)
    assert line.optimism_bias.duration is not None


def test_problems_of_shares_rows_are_said_at_their_cells(capital, edited_copy, refused_run):
    """A row of the line with no share, a share with no type, a type twice, a bound that
    differs between the rows, and shares not adding up: all at once, each at its cell."""
    first, second = _construction_rows(capital)
    free = len(_rows(capital, "Optimism bias")) + 3
    rows = {("Optimism bias", f"{_BOUND}{second}"): "lower",
            ("Optimism bias", f"{_PROJECT}{second}"): "Standard buildings"}
    for k, (kind, share) in enumerate(((None, 0.1), ("Outsourcing", None))):
        rows.update({("Optimism bias", f"A{free + k}"): "New build",
                     ("Optimism bias", f"B{free + k}"): "Construction",
                     ("Optimism bias", f"{_PROJECT}{free + k}"): kind,
                     ("Optimism bias", f"{_SHARE}{free + k}"): share})
    said = refused_run(edited_copy(capital, rows), "'Optimism bias'")
    assert "appears twice for line 'Construction' of 'New build' (also row " \
        f"{first})" in said[f"'Optimism bias'!{_PROJECT}{second}"]
    assert "Bound of line 'Construction' of 'New build' is 'lower' here but 'upper' on row " \
        f"{first}; a line has one" in said[f"'Optimism bias'!{_BOUND}{second}"]
    assert "has a Share (%) with no Project type" in said[f"'Optimism bias'!{_PROJECT}{free}"]
    assert "but this one has none" in said[f"'Optimism bias'!{_SHARE}{free + 1}"]
    # the one type left (0.7) does not add up to 1: said at the line's first share
    assert "the project-type shares sum to 0.7; they must sum to 1" in said[
        f"'Optimism bias'!{_SHARE}{first}"]
    for line in said.values():
        assert "optimism_bias" not in line, line
        assert "lines[" not in line, line


def test_an_older_workbook_with_shares_on_line_details_still_reads(capital, edited_copy):
    """Before the Share (%) column, a line's shares were Line details rows."""
    first, second = _construction_rows(capital)
    edits = {("Optimism bias", f"{c}{second}"): None for c in "ABCD"}
    edits.update({("Optimism bias", f"{c}{first}"): None for c in "CD"})
    for k, (kind, share) in enumerate((("standard_buildings", 0.7),
                                       ("standard_civil_engineering", 0.3))):
        edits.update({("Line details", f"A{3 + k}"): "New build",
                      ("Line details", f"B{3 + k}"): "Construction",
                      ("Line details", f"C{3 + k}"): "Optimism bias",
                      ("Line details", f"D{3 + k}"): f"shares.{kind}",
                      ("Line details", f"E{3 + k}"): share})
    assert read_case_workbook(edited_copy(capital, edits)).lines == load_case(
        example_path("capital")).lines
