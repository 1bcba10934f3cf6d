"""Workbook problems in the workbook's own words (issue 15, item 2): a bad cell on Options,
Lines, Profiles or the Sections sheet (the lens sections' sheet) is reported at its
``Sheet!Cell`` with the row's option and line (or section and path) and a fix a finance
officer can follow, never a YAML field path or YAML syntax."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

from appraisal import example_path, load_case
from appraisal.errors import AppraisalValidationError
from appraisal.inputs.excel_messages import YAML_SYNTAX, WorkbookWords, looks_like_yaml
from appraisal.inputs.excel_read import read_case_workbook
from appraisal.outputs.excel_template import write_template

#: Words of YAML a workbook user must never be told to type or read.
_YAML_WORDS = re.compile(r"- name|counterfactual: true|key: value|'[a-z_]+: |\{year|"
                         r"lines\[\d+\]|options\[\d+\]|\.profile\.|values: |in quotes")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("messages")
    return write_template(folder / "case.xlsx", load_case(example_path("prevention")))


def _col(sheet, header: str) -> int:
    return next(c.column for c in sheet[1] if c.value == header)


def _problems(template: Path, tmp_path: Path, sheet: str, row_of, header: str, value):
    """Put *value* in column *header* of the row *row_of(sheet)* picks; the issues, the cell
    written and the row's key cells."""
    book = openpyxl.load_workbook(template)
    ws = book[sheet]
    row = row_of(ws)
    col = _col(ws, header)
    ws.cell(row, col).value = value
    keys = [ws.cell(row, c).value for c in (1, 2)]
    bad = tmp_path / "bad.xlsx"
    book.save(bad)
    with pytest.raises(AppraisalValidationError) as caught:
        read_case_workbook(bad)
    ref = f"{sheet}!{ws.cell(row, col).coordinate}"
    return caught.value.issues, ref, row, keys


def _the_issue(issues, ref):
    found = [i for i in issues if i.location == ref]
    assert found, [str(i) for i in issues]
    return found[0]


def _no_yaml(issue) -> None:
    text = str(issue)
    assert not _YAML_WORDS.search(text), text
    assert not looks_like_yaml(issue.fix), issue.fix
    assert not looks_like_yaml(issue.field), issue.field


def test_lines_kind(template, tmp_path):
    issues, ref, row, (option, line) = _problems(
        template, tmp_path, "Lines", lambda ws: 7, "Kind", "costt")
    issue = _the_issue(issues, ref)
    assert issue.code == "bad-choice"
    assert issue.field == f"Lines row {row} ({option} / {line}), Kind"
    assert issue.message.startswith("Kind must be one of cost, benefit")
    _no_yaml(issue)


def test_options_counterfactual(template, tmp_path):
    """No option marked as business as usual: the fix says which column to set."""
    issues, _, _, _ = _problems(template, tmp_path, "Options", lambda ws: 3,
                                "Counterfactual", "no")
    issue = next(i for i in issues if i.code == "counterfactual")
    assert issue.location == "Options!A3"
    assert issue.field.startswith("Options row 3 (Business as usual)")
    assert "Counterfactual" in issue.fix
    assert "yes" in issue.fix
    _no_yaml(issue)


def test_options_duplicate_name_names_both_rows(template, tmp_path):
    issues, ref, _, _ = _problems(template, tmp_path, "Options", lambda ws: 4, "Name",
                                  "Business as usual")
    issue = _the_issue(issues, ref)
    assert issue.code == "duplicate-name"
    assert "Options row 3 (Business as usual)" in issue.message
    _no_yaml(issue)
    # the lines of the renamed option are now unknown: each named by its row, in words
    unknown = [i for i in issues if i.code == "unknown-option" and i.location.startswith("Lines!")]
    assert unknown
    assert all("not on the Options sheet" in i.message for i in unknown)
    for i in unknown:
        _no_yaml(i)


def test_lines_missing_name(template, tmp_path):
    issues, ref, row, (option, _) = _problems(template, tmp_path, "Lines", lambda ws: 5,
                                              "Name", None)
    issue = _the_issue(issues, ref)
    assert issue.code == "missing"
    assert issue.field == f"Lines row {row} ({option}), Name"
    assert issue.fix == "fill in Name"
    rest = [i for i in issues if i.code == "profile"]
    assert rest
    assert "Profiles sheet" in rest[0].message
    for i in [issue, *rest]:
        _no_yaml(i)


def test_profiles_amount(template, tmp_path):
    issues, ref, row, (option, line) = _problems(
        template, tmp_path, "Profiles", lambda ws: 5, "Amount a year", "lots")
    issue = _the_issue(issues, ref)
    assert issue.code == "wrong-type"
    assert issue.field == f"Profiles row {row} ({option} / {line}), Amount a year"
    assert "lines[" not in str(issue)
    assert "profile.amount" not in str(issue)
    _no_yaml(issue)


def _sections_row(path: str):
    def pick(ws):
        return next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 2).value == path)
    return pick


def test_non_monetised_score(template, tmp_path):
    """The register has a sheet of its own: one column per option."""
    issues, ref, row, (impact, _) = _problems(
        template, tmp_path, "Non-monetised", lambda ws: 3, "Do minimum", "hugely good")
    issue = _the_issue(issues, ref.replace("Non-monetised!", "'Non-monetised'!"))
    assert issue.code == "bad-score"
    assert issue.field == f"Non-monetised row {row} ({impact}), Do minimum"
    _no_yaml(issue)


def test_distribution_income_wrong_type(template, tmp_path):
    issues, ref, row, (group, _) = _problems(template, tmp_path, "Distribution",
                                             lambda ws: 3, "Income (£ a year)", "a lot")
    issue = _the_issue(issues, ref)
    assert issue.field == f"Distribution row {row} ({group}), Income (£ a year)"
    _no_yaml(issue)


def test_sections_wrong_type(template, tmp_path):
    """A lens section's settings are rows of the Case sheet (uncertainty.draws, shown as
    "Uncertainty: Monte Carlo draws"), no longer Sections rows (what has no sheet of its
    own still is, one value per row)."""
    def case_row(ws):
        return next(r for r in range(3, ws.max_row + 1)
                    if ws.cell(r, 1).value == "Uncertainty: Monte Carlo draws")
    issues, ref, row, _ = _problems(template, tmp_path, "Case", case_row, "Value", "a lot")
    issue = _the_issue(issues, ref)
    assert issue.field == f"Case row {row} (Uncertainty: Monte Carlo draws), Value"
    assert issue.message.startswith("Uncertainty: Monte Carlo draws must be an integer")
    assert issue.fix == "type a whole number (no words, units or decimals)"
    _no_yaml(issue)


def test_a_wrong_type_fix_comes_from_what_the_field_takes_not_the_message_words():
    """``Issue.expected`` picks the workbook fix; the message's words ("list" here) do not."""
    from appraisal.errors import Expected, Issue

    words = WorkbookWords(rows={("Lines", 9): "A / B"}, columns={("Lines", 7): "Cashable"})
    said = {kind: words.translate(Issue(
        "wrong-type", "'cashable' must be true or false, not a list", "Lines!G9",
        "lines[6].cashable", "write 'cashable: true'", expected=kind)).fix
        for kind in (*Expected, "")}
    assert said[Expected.YES_NO] == "choose yes or no from the drop-down"
    assert said[Expected.WHOLE_NUMBER].startswith("type a whole number")
    assert said[Expected.NUMBER] == "type a plain number, without units or £ signs"
    assert said[""] == "type the value in the form the help row of the sheet gives"
    assert len(set(said.values())) == len(said) - 1  # a map is typed as the help row says


def test_a_yaml_fix_is_reworded_and_a_plain_one_kept():
    words = WorkbookWords(rows={("Lines", 9): "A / B"}, columns={("Lines", 7): "Cashable"})
    from appraisal.errors import Issue
    yaml_fix = Issue("cashable-not-fiscal", "'cashable' applies to fiscal lines only",
                     "Lines!G9", "lines[6].cashable", "remove 'cashable', or set "
                     "'value_type: fiscal'")
    said = words.translate(yaml_fix)
    assert said.fix == "remove Cashable, or set Value type to fiscal"
    assert said.message == "Cashable applies to fiscal lines only"
    plain = Issue("x", "bad", "Lines!G9", "lines[6].cashable", "ask the analyst")
    assert words.translate(plain).fix == "ask the analyst"
    assert YAML_SYNTAX.search("add 'options:' with '- name: Business as usual'")
