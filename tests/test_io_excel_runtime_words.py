"""Problems found only when a workbook's case runs, and the inputs changed since it was
written, in the workbook's words (issue 15, item 2: errors name the sheet, the cell and the
row's option and line, never YAML syntax).

Some checks need the compiled case (an optimism-bias project type looked up in the
parameter pack) or a lens at run time (a VAT agency that only the unit-value pack's lines
have); ``appraisal run``, ``validate``, ``report`` and ``uncertainty`` word them as the
workbook reader words its own problems. The same problems in a YAML case keep their field
paths.
"""

from __future__ import annotations

import hashlib

import openpyxl
import pytest

from appraisal import example_path
from appraisal.cli import main
from appraisal.inputs.excel_diff import workbook_changes
from appraisal.inputs.excel_messages import looks_like_yaml
from appraisal.outputs.convert import convert_case

KEY_WORKER = "Whole-family service / Commissioned key-worker service (contract, cash prices)"


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    return convert_case(example_path("prevention"), tmp_path_factory.mktemp("rt") / "case.xlsx")


def _row_of(path, title, first, second=None):
    ws = openpyxl.load_workbook(path)[title]
    return next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 1).value == first
                and (second is None or ws.cell(r, 2).value == second))


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _worded(text):
    assert not looks_like_yaml(text), text
    assert "lines[" not in text, text
    assert "affordability." not in text, text


def test_a_project_type_checked_when_the_case_compiles(book, edited_copy, tmp_path, capsys):
    row = _row_of(book, "Optimism bias", "Whole-family service",
                  "Commissioned key-worker service (contract, cash prices)")
    edited = edited_copy(book, {("Optimism bias", f"C{row}"): "Outsorcing"})
    before = _sha(edited)
    out = tmp_path / "out"
    for argv in (["validate", str(edited)], ["run", str(edited), "--out", str(out)]):
        assert main(argv) == 1
        err = capsys.readouterr().err
        problem = next(line for line in err.splitlines() if "[optimism-bias]" in line)
        assert problem.startswith(f"  'Optimism bias'!C{row}: error [optimism-bias] "
                                  f"Optimism bias row {row} ({KEY_WORKER}), Project type: ")
        assert "did you mean 'outsourcing'?" in problem
        _worded(problem.split("[optimism-bias] ", 1)[1].split(": no optimism-bias")[0])
        assert "Nothing was written." in err
    assert not out.exists()
    assert _sha(edited) == before  # the workbook is only read


def test_a_vat_agency_checked_when_the_financial_case_runs(book, edited_copy, tmp_path,
                                                           capsys):
    """Lines valued from the unit-value pack take their agency from the pack, so the
    reader cannot tell an unknown agency; the affordability lens does, when it runs."""
    edited = edited_copy(book, {("Affordability lists", "A4"): "Councl",
                                ("Affordability lists", "B4"): "yes"})
    before = _sha(edited)
    out = tmp_path / "out"
    for argv in (["run", str(edited), "--out", str(out)], ["report", str(edited), "-o",
                                                           str(tmp_path / "r.html")]):
        assert main(argv) == 1
        err = capsys.readouterr().err
        problem = next(line for line in err.splitlines() if "[unknown-agency]" in line)
        assert problem.startswith("  'Affordability lists'!B4: error [unknown-agency] "
                                  "Affordability lists row 4, VAT recoverable: VAT "
                                  "recoverability is given for the agency 'Councl'")
        _worded(problem)
    assert not out.exists()
    assert not (tmp_path / "r.html").exists()
    assert _sha(edited) == before


def test_the_same_problem_in_yaml_keeps_its_field_path(tmp_path, capsys):
    text = example_path("prevention").read_text(encoding="utf-8")
    assert "project_type: outsourcing" in text
    case = tmp_path / "case.yaml"
    case.write_text(text.replace("project_type: outsourcing", "project_type: outsorcing", 1),
                    encoding="utf-8")
    assert main(["validate", str(case)]) == 1
    err = capsys.readouterr().err
    assert "lines[" in err
    assert ".optimism_bias.project_type: no optimism-bias value" in err


def test_changed_inputs_are_said_as_sheet_row_and_column(book, edited_copy):
    row = _row_of(book, "Optimism bias", "Whole-family service",
                  "Commissioned key-worker service (contract, cash prices)")
    edited = edited_copy(book, {("Optimism bias", f"C{row}"): "Standard buildings",
                                ("Affordability lists", "A4"): "NHS",
                                ("Affordability lists", "B4"): "yes"})
    said = sorted(str(c) for c in workbook_changes(edited))
    assert said == [
        "'Affordability lists'!B4: Affordability lists row 4, VAT recoverable: (blank) → yes",
        f"'Optimism bias'!C{row}: Optimism bias row {row} ({KEY_WORKER}), Project type: "
        "Outsourcing → Standard buildings"]


def test_uncertainty_of_a_workbook_with_no_uncertain_inputs(tmp_path, capsys):
    book = convert_case(example_path("minimal"), tmp_path / "minimal.xlsx")
    assert main(["uncertainty", str(book), "--out", str(tmp_path / "u")]) == 1
    err = capsys.readouterr().err
    assert "Uncertainty!A3: error [no-uncertainty-section] Uncertainty: the case declares no " \
        "uncertain inputs (fill in the Uncertainty sheet: one row per uncertain input)" in err
    assert not (tmp_path / "u").exists()


def test_a_misspelt_risk_area_and_shares_not_adding_up(edited_copy, tmp_path, capsys):
    """The optimism-bias maps on Risk areas and Optimism bias: a mitigated risk area with no
    contribution (a misspelling would mitigate nothing) and project-type shares that do not
    sum to 1 are refused together, each at its row, with the nearest risk area suggested."""
    capital = convert_case(example_path("capital"), tmp_path / "capital.xlsx")
    ws = openpyxl.load_workbook(capital)["Optimism bias"]
    share = next(r for r in range(3, ws.max_row + 1)
                 if ws.cell(r, 3).value == "Standard civil engineering")
    areas = openpyxl.load_workbook(capital)["Risk areas"]
    # a row mitigating a misspelt area, which has no contribution (on the row of the area
    # spelt right, the contribution is beside the mitigation)
    mitigated = 1 + max(r for r in range(3, areas.max_row + 1) if areas.cell(r, 3).value)
    duration = _row_of(capital, "Optimism bias", "New build", "Construction")
    column = "G"
    assert openpyxl.load_workbook(capital)["Optimism bias"][f"{column}2"].value.startswith(
        "yes: add the works-duration uplift")  # the help row of Works duration too
    edited = edited_copy(capital, {
        ("Risk areas", f"A{mitigated}"): "Refurbish",
        ("Risk areas", f"B{mitigated}"): "Refurbishment works",
        ("Risk areas", f"C{mitigated}"): "inadequacy of the busines case",
        ("Risk areas", f"E{mitigated}"): 0.2,
        ("Optimism bias", f"D{share}"): 0.35,
        ("Optimism bias", f"{column}{duration}"): "yes please"})
    assert main(["validate", str(edited)]) == 1
    err = capsys.readouterr().err
    problems = [line for line in err.splitlines() if "[optimism-bias]" in line]
    assert len(problems) == 2, err
    assert problems[0] == (
        f"  'Risk areas'!E{mitigated}: error [optimism-bias] Risk areas row {mitigated} "
        "(Refurbish / Refurbishment works / inadequacy of the busines case), Mitigation (%): "
        "mitigation given for risk area 'inadequacy of the busines case', which has no "
        "Contribution (%) (did you mean 'inadequacy of the business case'? spell the risk area "
        "as on the line's row with its Contribution (%), or give its contribution on this "
        "row)")
    assert "(New build / Construction)" in problems[1]
    assert "the project-type shares sum to 1.05; they must sum to 1" in problems[1]
    for problem in problems:
        _worded(problem.split("[optimism-bias] ", 1)[1])
    typed = next(line for line in err.splitlines() if "[wrong-type]" in line)
    assert typed == (f"  'Optimism bias'!G{duration}: error [wrong-type] Optimism bias row "
                     f"{duration} (New build / Construction), Works duration too: Works "
                     "duration too must be yes or no (got 'yes please') (choose yes or no from "
                     "the drop-down)")


def test_an_unconfirmed_value_says_how_to_opt_in_on_the_case_sheet(book, edited_copy, capsys):
    """Without the opt-in, each value not confirmed from a primary source is a problem at
    its cell, whose fix names the table and the Case row to add it to (the pack's own advice
    is in YAML, and is not repeated in the message)."""
    ws = openpyxl.load_workbook(book)["Case"]
    row = next(r for r in range(3, ws.max_row + 1)
               if ws.cell(r, 1).value == "Parameters: unconfirmed tables used")
    edited = edited_copy(book, {("Case", f"B{row}"): None})
    assert main(["validate", str(edited)]) == 1
    err = capsys.readouterr().err
    deflator = next(line for line in err.splitlines() if "[deflator]" in line)
    assert deflator.endswith("(check the value, then add gdp_deflator to the row Parameters: "
                             "unconfirmed tables used on the Case sheet (names separated by "
                             "';'); or use a confirmed value of your own)")
    valued = next(line for line in err.splitlines() if "[unconfirmed-parameter]" in line)
    assert "add unit_values:illustrative to the row Parameters: unconfirmed" in valued
    for line in (deflator, valued):
        assert line.count("allow_unconfirmed") == 0, line
        _worded(line.split("] ", 1)[1])
