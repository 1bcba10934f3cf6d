"""Bad workbooks: every fault is refused with a located message, exit 1, nothing written,
and the input file's bytes unchanged (reliability test plan 7.2, Excel rows X01-X22)."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

import appraisal.cli.excel  # noqa: F401  (registers the commands and results.xlsx)
from appraisal import example_path, load_case
from appraisal.cli.commands import main
from appraisal.outputs.excel_template import write_template


def _base(tmp_path: Path, example: str = "minimal") -> Path:
    return write_template(tmp_path / f"{example}.xlsx", load_case(example_path(example)))


def _edit(path: Path, change: Callable[[openpyxl.Workbook], None], name: str = "bad.xlsx"
          ) -> Path:
    book = openpyxl.load_workbook(path)
    change(book)
    out = path.parent / name
    book.save(out)
    return out


def _row_of(sheet, header: str, value: str) -> int:
    col = next(c.column for c in sheet[1] if c.value == header)
    return next(r for r in range(3, sheet.max_row + 1) if sheet.cell(r, col).value == value)


def _col(sheet, header: str) -> int:
    return next(c.column for c in sheet[1] if c.value == header)


def _case_row(book, field: str) -> int:
    """The Case row of a field path (the Field column shows it in words)."""
    from appraisal.case.sheets import CASE_ROWS

    words = next(row.label for row in CASE_ROWS if row.name == field)
    sheet = book["Case"]
    return next(r for r in range(3, sheet.max_row + 1) if sheet.cell(r, 1).value == words)


def _first_year_cell(book, line: str, offset: int = 0):
    sheet = book["Profiles"]
    r = _row_of(sheet, "Line", line)
    return sheet.cell(r, _col(sheet, "Total") + 1 + offset)


# --- the faults: each builds a bad workbook and names where the message must point --------


def wrong_type(tmp):
    def change(book):
        book["Case"].cell(_case_row(book, "base_year"), 2).value = "twenty twenty-five"
    return _edit(_base(tmp), change), "Case!B6", "Base year (year 0) must be a whole number"


def missing_sheet(tmp):
    return _edit(_base(tmp), lambda book: book.remove(book["Lines"])), "missing-sheet", "Lines"


def renamed_header(tmp):
    def change(book):
        book["Lines"].cell(1, _col(book["Lines"], "Kind")).value = "Knd"
    return _edit(_base(tmp), change), "Lines!C1", "did you mean 'Kind'"


def value_outside_horizon(tmp):
    def change(book):
        book["Case"].cell(_case_row(book, "horizon_years"), 2).value = 5
    return _edit(_base(tmp), change), "Profiles!Q4", "year-outside-horizon"


def formula_injection(tmp):
    def change(book):
        book["Options"]["A4"] = '=HYPERLINK("http://example.invalid","x")'
    return _edit(_base(tmp), change), "Options!A4", "formula-without-value"


def xml_bomb(tmp):
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(6))
    bomb = (f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&g;</t></is></c></row>'
            "</sheetData></worksheet>").encode()
    return (_replace_part(_base(tmp), "xl/worksheets/sheet2.xml", bomb),
            "replaced.xlsx': XML part 'xl/worksheets/sheet2.xml", "DOCTYPE")


def zip_bomb(tmp):
    path = tmp / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (3 * 2**20))
    return path, "bomb.xlsx", "zip bomb"


def password_protected(tmp):
    path = tmp / "locked.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096)
    return path, "locked.xlsx", "password-protected"


def corrupt(tmp):
    data = _base(tmp).read_bytes()
    path = tmp / "truncated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    return path, "truncated.xlsx", "corrupt"


def number_as_text(tmp):
    def change(book):
        cell = _first_year_cell(book, "Set-up and running costs")
        cell.value = "1,234"
        cell.data_type = "s"
    return _edit(_base(tmp), change), "Profiles!L3", "number-as-text"


def percent_as_number(tmp):
    def change(book):
        sheet = book["Profiles"]
        r = _row_of(sheet, "Line", "Reactive maintenance")
        cell = sheet.cell(r, _col(sheet, "Rate (% a year)"))
        cell.value, cell.number_format = 3.5, "General"
    return _edit(_base(tmp, "capital"), change), "Profiles!H3", "percent-as-number"


def merged_cells(tmp):
    return (_edit(_base(tmp), lambda book: book["Lines"].merge_cells("D3:E3")),
            "Lines!D3:E3", "merged-cells")


def hidden_sheet(tmp):
    def change(book):
        book["Options"].sheet_state = "hidden"
    return _edit(_base(tmp), change), "Options!A1", "hidden-sheet"


def formula_without_value(tmp):
    def change(book):
        _first_year_cell(book, "Set-up and running costs").value = "=40+60"
    return _edit(_base(tmp), change), "Profiles!L3", "=40+60"


def macro_enabled(tmp):
    source = _base(tmp)
    path = tmp / "macros.xlsm"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("xl/vbaProject.bin", b"Attribute VB_Name = \"Module1\"\n")
    return path, "macros.xlsm", "macros"


def date_formatted_year(tmp):
    def change(book):
        cell = book["Case"].cell(_case_row(book, "base_year"), 2)
        cell.number_format = "yyyy-mm-dd"
    return _edit(_base(tmp), change), "Case!B6", "date-format"


def excel_error_value(tmp):
    def change(book):
        _first_year_cell(book, "Set-up and running costs").value = "#REF!"
    return _edit(_base(tmp), change), "Profiles!L3", "#REF!"


def generated_amount_typed(tmp):
    def change(book):
        sheet = book["Profiles"]
        r = _row_of(sheet, "Line", "Reactive maintenance")
        sheet.cell(r, _col(sheet, "Total") + 2).value = 123
    return _edit(_base(tmp, "capital"), change), "Profiles!M3", "generated-amount-typed"


def unknown_schema_version(tmp):
    def change(book):
        meta = book["_meta"]
        r = next(r for r in range(2, meta.max_row + 1) if meta.cell(r, 1).value ==
                 "schema_version")
        meta.cell(r, 2).value = 99
    return _edit(_base(tmp), change), "_meta!B", "format version is 99"


def profile_without_line(tmp):
    def change(book):
        book["Profiles"]["B4"] = "Set-up and runing costs"
    return _edit(_base(tmp), change), "Profiles!A4", "profile-without-line"


def not_a_case_workbook(tmp):
    path = tmp / "plain.xlsx"
    openpyxl.Workbook().save(path)
    return path, "plain.xlsx", "_meta"


FAULTS = [wrong_type, missing_sheet, renamed_header, value_outside_horizon, formula_injection,
          xml_bomb, zip_bomb, password_protected, corrupt, number_as_text, percent_as_number,
          merged_cells, hidden_sheet, formula_without_value, macro_enabled, date_formatted_year,
          excel_error_value, generated_amount_typed, unknown_schema_version,
          profile_without_line, not_a_case_workbook]


def _replace_part(path: Path, part: str, data: bytes) -> Path:
    out = path.parent / "replaced.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, data if info.filename == part else src.read(info))
    return out


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("command", ["run", "validate"])
def test_bad_workbook_is_refused_with_a_located_message(fault, command, tmp_path, capsys):
    path, where, what = fault(tmp_path)
    before = path.read_bytes()
    out = tmp_path / "out"
    argv = [command, str(path)] + (["--out", str(out)] if command == "run" else [])
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert where in err, err
    assert what in err, err
    assert "Traceback" not in err
    assert not out.exists()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_the_catalogue_has_at_least_fifteen_distinct_faults():
    assert len({f.__name__ for f in FAULTS}) >= 15


def test_every_problem_is_reported_at_once(tmp_path, capsys):
    def change(book):
        book["Options"].sheet_state = "hidden"
        _first_year_cell(book, "Set-up and running costs").value = "=1+1"
        cell = _first_year_cell(book, "Avoided costs", 3)
        cell.value, cell.data_type = "30", "s"
    path = _edit(_base(tmp_path), change)
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    for code in ("hidden-sheet", "formula-without-value", "number-as-text"):
        assert code in err


def test_macros_are_ignored_when_allowed(tmp_path):
    from appraisal.inputs.excel_read import read_case_workbook, read_workbook_data

    path, _, _ = macro_enabled(tmp_path)
    case = read_case_workbook(path, allow_macros=True)
    assert case.title == load_case(example_path("minimal")).title
    warnings = read_workbook_data(path, allow_macros=True).warnings
    assert any("never run" in w.message for w in warnings)


def test_a_workbook_is_read_once_for_the_run_and_its_change_report(tmp_path):
    """The CLI reads the workbook for the run and again for the change report (which
    allows macros, to report them): without macros the second read reuses the first;
    with macros, what allow_macros changes is read afresh."""
    from appraisal.inputs.excel_read import read_workbook_data

    plain = _base(tmp_path)
    first = read_workbook_data(plain)
    assert read_workbook_data(plain, allow_macros=True) is first
    (tmp_path / "m").mkdir()
    path, _, _ = macro_enabled(tmp_path / "m")
    refused = read_workbook_data(path)
    assert any(i.code == "macros" for i in refused.issues.errors)
    allowed = read_workbook_data(path, allow_macros=True)
    assert allowed is not refused
    assert not any(i.code == "macros" for i in allowed.issues.errors)
    assert any(w.code == "macros" for w in allowed.warnings)


def test_formula_with_a_cached_value_is_read_as_its_value(tmp_path):
    from appraisal.inputs.excel_read import read_case_workbook

    source = _base(tmp_path)
    path = _replace_part(source, "xl/worksheets/sheet5.xml", _with_formula(source))
    case = read_case_workbook(path)
    line = next(ln for ln in case.lines if ln.name == "Set-up and running costs")
    assert line.profile.resolve()[2025] == 100.0


def _with_formula(path: Path) -> bytes:
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet5.xml")
    old = b'<c r="L4" s='
    at = xml.index(old)
    end = xml.index(b"</c>", at) + 4
    style = xml[at + len(old):xml.index(b">", at)].split(b'"')[1]
    return xml[:at] + b'<c r="L4" s="' + style + b'"><f>40+60</f><v>100</v></c>' + xml[end:]


def test_openpyxl_switched_off_defusedxml_is_refused(tmp_path, monkeypatch, capsys):
    import openpyxl as ox

    path = _base(tmp_path)
    monkeypatch.setattr(ox, "DEFUSEDXML", False)
    assert main(["validate", str(path)]) == 1
    assert "defusedxml" in capsys.readouterr().err


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    from appraisal.inputs.excel_read import read_case_workbook

    payload = "=cmd|' /C calc'!A0"

    def change(book):
        cell = book["Lines"]["B4"]
        cell.value, cell.data_type = payload, "s"
        sheet = book["Profiles"]
        sheet["B4"].value, sheet["B4"].data_type = payload, "s"
    case = read_case_workbook(_edit(_base(tmp_path), change))
    assert any(ln.name == payload for ln in case.lines)


def test_sheet_xml_is_parsed_with_defusedxml_guards():
    from defusedxml import DTDForbidden

    from appraisal.inputs.excel_grid import _guarded_parser

    parser = _guarded_parser()
    with pytest.raises(DTDForbidden):
        parser.Parse(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', True)


def test_zip_bytes_are_checked_before_parsing(tmp_path):
    from appraisal.errors import UnsafeInputError
    from appraisal.inputs.excel_read import read_case_workbook

    path, _, _ = zip_bomb(tmp_path)
    with pytest.raises(UnsafeInputError, match="compressed"):
        read_case_workbook(path)
