"""Round trips (YAML -> workbook -> YAML loses nothing), change reports cell by cell, and the
`template` / `convert` commands."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appraisal import Case, case_from_records, example_path, load_case
from appraisal.cli.commands import main
from appraisal.cli.excel import change_notes
from appraisal.inputs.excel_diff import workbook_changes
from appraisal.inputs.excel_read import read_case_workbook
from appraisal.outputs.convert import case_to_yaml, convert_case
from appraisal.outputs.excel_template import write_template


def _same(a: Case, b: Case) -> bool:
    return dataclasses.replace(a, source_path="", source_sha256="") == dataclasses.replace(
        b, source_path="", source_sha256="")


@pytest.mark.parametrize("name", ["minimal", "prevention", "capital"])
def test_yaml_to_workbook_and_back_loses_nothing(name, tmp_path):
    source = example_path(name)
    book = convert_case(source, tmp_path / "case.xlsx")
    back = convert_case(book, tmp_path / "case.yaml")
    original = load_case(source)
    assert _same(load_case(book), original)
    assert _same(load_case(back), original)
    text = back.read_text(encoding="utf-8")
    assert text.index("title:") < text.index("options:") < text.index("lines:")


def test_convert_command_and_its_refusals(tmp_path, capsys):
    source = example_path("capital")
    target = tmp_path / "c.xlsx"
    assert main(["convert", str(source), str(target)]) == 0
    assert main(["convert", str(source), str(target)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["convert", str(source), str(target), "--force"]) == 0
    assert main(["convert", str(target), str(target), "--force"]) == 1
    assert "input" in capsys.readouterr().err
    assert main(["convert", str(source), str(tmp_path / "c.xls")]) == 1
    assert not (tmp_path / "c.xls").exists()


def test_template_command_blank_and_from_a_case(tmp_path, capsys):
    blank = tmp_path / "blank.xlsx"
    assert main(["template", "-o", str(blank), "--years", "12"]) == 0
    sheet = openpyxl.load_workbook(blank)["Profiles"]
    headers = [c.value for c in sheet[1]]
    assert sum(1 for h in headers if isinstance(h, str) and "base_year+" in h) == 12
    filled = tmp_path / "case.xlsx"
    assert main(["template", "-o", str(filled), "--from", str(example_path("minimal"))]) == 0
    assert _same(load_case(filled), load_case(example_path("minimal")))
    assert main(["template", "-o", str(tmp_path / "x.txt")]) == 2


def test_changes_are_reported_cell_by_cell_against_meta(tmp_path):
    book_path = write_template(tmp_path / "case.xlsx", load_case(example_path("minimal")))
    assert workbook_changes(book_path) == []
    book = openpyxl.load_workbook(book_path)
    book["Case"]["B3"] = "Renamed case"
    profiles = book["Profiles"]
    col = next(c.column for c in profiles[1] if c.value == "Total") + 4
    profiles.cell(4, col).value = 35
    book.save(tmp_path / "edited.xlsx")
    changes = {c.location: c for c in workbook_changes(tmp_path / "edited.xlsx")}
    assert set(changes) == {"Case!B3", f"Profiles!{profiles.cell(4, col).coordinate}"}
    year = changes[f"Profiles!{profiles.cell(4, col).coordinate}"]
    assert (year.field, year.old, year.new) == ("lines[1].values.2028", 30.0, 35.0)


def test_changes_against_a_previous_file_and_inserted_lines(tmp_path):
    source = example_path("minimal")
    first = write_template(tmp_path / "v1.xlsx", load_case(source))
    text = source.read_text().replace("{2025: 100, 2026: 50", "{2025: 120, 2026: 50")
    text += ("  - option: New service\n    name: Extra benefit\n    kind: benefit\n"
             "    values: {2030: 5}\n")
    (tmp_path / "v2.yaml").write_text(text)
    second = convert_case(tmp_path / "v2.yaml", tmp_path / "v2.xlsx")
    changes = workbook_changes(second, against=first)
    described = [str(c) for c in changes]
    # said in the workbook's words: the sheet, the row and what it is, the column
    assert "Profiles!L3: Profiles row 3 (New service / Set-up and running costs), year 2025: " \
        "100 → 120" in described
    assert "Lines!A5: Lines row 5 (New service / Extra benefit): added" in described
    assert {c.field for c in changes} == {"lines[0].values.2025", "lines[2]"}
    assert len(changes) == 2
    against_yaml = workbook_changes(second, against=source)
    assert [c.field for c in against_yaml] == [c.field for c in changes]


def test_change_notes_for_the_cli(tmp_path):
    from argparse import Namespace

    book_path = write_template(tmp_path / "case.xlsx", load_case(example_path("minimal")))
    book = openpyxl.load_workbook(book_path)
    book["Options"]["C4"] = "Now described"
    book.save(tmp_path / "edited.xlsx")
    notes = change_notes(Namespace(case=str(tmp_path / "edited.xlsx"), against=None))
    assert notes[0] == "1 input(s) changed since this workbook was written:"
    assert "Options!C4" in notes[1]
    assert change_notes(Namespace(case=str(example_path("minimal")), against=None)) == []


def test_run_and_validate_report_changes_against_an_earlier_workbook(tmp_path, capsys):
    book_path = write_template(tmp_path / "case.xlsx", load_case(example_path("minimal")))
    book = openpyxl.load_workbook(book_path)
    book["Options"]["C4"] = "Now described"
    book.save(tmp_path / "edited.xlsx")
    assert main(["validate", str(tmp_path / "edited.xlsx"), "--against", str(book_path)]) == 0
    assert "Options!C4" in capsys.readouterr().out


def test_yaml_written_for_a_case_reads_back_equal():
    case = load_case(example_path("capital"))
    from appraisal.case.schema import build_case
    from appraisal.yaml_safety import parse_yaml

    data, _, issues = parse_yaml(case_to_yaml(case))
    assert not issues.has_errors
    assert _same(build_case(data), case)


_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(
    str.strip)  # a name must have some content: blank names are refused by the schema
_PAYLOADS = st.sampled_from(['=HYPERLINK("http://example.invalid","x")', "=cmd|' /C calc'!A0",
                             "+1+2", "-2+3", "@SUM(1)", "#N/A", " padded ", "yes", "1,234"])


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.one_of(_TEXT, _PAYLOADS), min_size=2, max_size=4, unique=True),
       amounts=st.lists(st.floats(0, 1e12, allow_nan=False, allow_subnormal=False), min_size=3,
                        max_size=3),
       description=st.one_of(_TEXT, _PAYLOADS))
def test_any_case_round_trips_through_a_workbook(names, amounts, description, tmp_path):
    """Property: text stays text (formula payloads inert), numbers come back exactly."""
    case = case_from_records(
        title=names[0], description=description, base_year=2025, horizon_years=3,
        options=[{"name": names[0], "counterfactual": True}, {"name": names[1]}],
        lines=[{"option": names[1], "name": names[-1], "kind": "cost",
                "values": {2025 + i: a for i, a in enumerate(amounts)}}])
    path = write_template(tmp_path / "p.xlsx", case, force=True)
    assert _same(read_case_workbook(path), case)


def test_write_template_refuses_to_overwrite_and_nan(tmp_path):
    from appraisal.errors import AppraisalValidationError, OutputError

    case = load_case(example_path("minimal"))
    path = write_template(tmp_path / "c.xlsx", case)
    before = path.read_bytes()
    with pytest.raises(OutputError):
        write_template(path, case)
    data = {"schema_version": 1, "title": "x", "base_year": 2025, "horizon_years": 2,
            "options": [{"name": "A", "counterfactual": True}],
            "lines": [{"option": "A", "name": "c", "kind": "cost",
                       "values": {2025: float("nan")}}]}
    with pytest.raises(AppraisalValidationError, match="non-finite"):
        write_template(tmp_path / "nan.xlsx", data=data)
    with pytest.raises(AppraisalValidationError, match="32,767"):
        write_template(tmp_path / "long.xlsx", data={**data, "title": "x" * 40_000,
                                                     "lines": []})
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.xlsx"]


def test_paths_are_not_absolute_in_outputs(tmp_path):
    path = convert_case(example_path("minimal"), tmp_path / "m.xlsx")
    assert str(Path(example_path("minimal")).parent).encode() not in path.read_bytes()
