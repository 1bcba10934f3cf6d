"""Writing cells safely: inert text, finite numbers, formulas with cached values.

Payloads and assertions follow the reliability test plan, sections 2.2, 2.3 and 7.3.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appraisal.errors import AppraisalValidationError, OutputError
from appraisal.outputs import xlsx_cells, xlsx_render
from appraisal.outputs.xlsx_cells import (
    INPUT_STYLE,
    META_SHEET,
    add_dropdown,
    cell_ref,
    content_hash,
    define_name,
    freeze_header,
    protect_sheet,
    read_meta,
    save_workbook,
    style_calculation,
    style_input,
    write_formula,
    write_meta,
    write_number,
    write_text,
)

FIXTURE_REUSE = HealthCheck.function_scoped_fixture  # each example writes its own file

# Section 7.3 payloads (the HTML ones must be inert in a workbook too).
PAYLOADS = [
    '=HYPERLINK("http://example.invalid","x")',
    "=cmd|'/c calc'!A1",
    "+1+2",
    "-2+3",
    "@SUM(1)",
    "\t=1+1",
    "\r=1+1",
    "=1+1\r\n",
    "#N/A",
    "#DIV/0!",
    "====== 2",
    "</script><script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{ 7*7 }}",
    "'; DROP TABLE x; --",
    "\u202eevil",
    "a\u200db",
    "  padded  ",
    "£ 1,234",
]


def sheet_xml(path: Path, part: str = "xl/worksheets/sheet1.xml") -> str:
    return zipfile.ZipFile(path).read(part).decode()


def cell_xml(xml: str, coord: str) -> str:
    found = re.search(rf'<c r="{coord}"[^>]*?(?:/>|>.*?</c>)', xml, flags=re.DOTALL)
    assert found, f"cell {coord} not in the sheet XML"
    return found.group()


# --- text -----------------------------------------------------------------------------------


def test_injection_payloads_round_trip_as_inert_text(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    stored = [write_text(sheet.cell(row, 1), text) for row, text in enumerate(PAYLOADS, 1)]
    out = save_workbook(book, tmp_path / "payloads.xlsx")
    xml = sheet_xml(out)
    assert "<f>" not in xml  # no formula element anywhere
    for row in range(1, len(PAYLOADS) + 1):
        assert 't="inlineStr"' in cell_xml(xml, f"A{row}")
    # double round trip: read, save with plain openpyxl, read again
    first = openpyxl.load_workbook(out)
    first.save(tmp_path / "again.xlsx")
    second = openpyxl.load_workbook(tmp_path / "again.xlsx")
    for row, expected in enumerate(stored, 1):
        for book_read in (first, second):
            cell = book_read.active.cell(row, 1)
            assert cell.data_type == "s"
            assert cell.value == expected


def test_carriage_returns_are_normalised_to_what_reads_back():
    sheet = openpyxl.Workbook().active
    assert write_text(sheet["A1"], "\r=cmd") == "\n=cmd"
    assert write_text(sheet["A2"], "line1\r\nline2\rline3") == "line1\nline2\nline3"
    assert sheet["A1"].value == "\n=cmd"


def test_plain_openpyxl_would_have_written_a_formula():
    # The hazard write_text exists for (verified in the plan, section 2.2).
    sheet = openpyxl.Workbook().active
    sheet["A1"] = "=1+2"
    sheet["A2"] = "#N/A"
    assert (sheet["A1"].data_type, sheet["A2"].data_type) == ("f", "e")
    write_text(sheet["A1"], "=1+2")
    write_text(sheet["A2"], "#N/A")
    assert (sheet["A1"].data_type, sheet["A2"].data_type) == ("s", "s")


def test_longest_text_excel_allows_is_kept_whole(tmp_path):
    book = openpyxl.Workbook()
    text = "x" * xlsx_cells.MAX_CELL_CHARS
    write_text(book.active["A1"], text)
    out = save_workbook(book, tmp_path / "long.xlsx")
    assert openpyxl.load_workbook(out).active["A1"].value == text


@pytest.mark.parametrize("text", ["x" * 40_000, "x" * 32_767 + "y", "😀" * 16_384])
def test_over_long_text_is_refused_not_truncated(text):
    book = openpyxl.Workbook()
    book.active.title = "Options"
    with pytest.raises(AppraisalValidationError) as info:
        write_text(book.active["B7"], text, field="options[3].description")
    issue = info.value.issues[0]
    assert issue.code == "text-too-long"
    assert issue.location == "Options!B7"
    assert issue.field == "options[3].description"
    assert "32,767" in issue.message
    assert book.active["B7"].value is None


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x0b", "\x1f", "\ufffe", "\ud800"])
def test_control_characters_excel_rejects_are_refused(char):
    sheet = openpyxl.Workbook().active
    with pytest.raises(AppraisalValidationError) as info:
        write_text(sheet["C3"], f"name{char}", field="title")
    assert info.value.issues[0].code == "illegal-character"
    assert f"U+{ord(char):04X}" in info.value.issues[0].message


@pytest.mark.parametrize("value", [5, 2.5, None, b"bytes", ["a"]])
def test_non_text_is_refused(value):
    sheet = openpyxl.Workbook().active
    with pytest.raises(AppraisalValidationError, match="expected text"):
        write_text(sheet["A1"], value)


_XLSX_TEXT = st.text(st.characters(blacklist_categories=["Cs"],
                                   blacklist_characters="\ufffe\uffff"
                                   + "".join(map(chr, [*range(9), 11, 12, *range(14, 32)]))),
                     max_size=60)


@settings(max_examples=40, deadline=None, suppress_health_check=[FIXTURE_REUSE])
@given(texts=st.lists(_XLSX_TEXT, min_size=1, max_size=5))
def test_property_any_allowed_text_reads_back_identical_as_text(tmp_path, texts):
    book = openpyxl.Workbook()
    stored = [write_text(book.active.cell(i + 1, 1), t) for i, t in enumerate(texts)]
    out = save_workbook(book, tmp_path / "p.xlsx", force=True)
    read = openpyxl.load_workbook(out).active
    for i, expected in enumerate(stored):
        cell = read.cell(i + 1, 1)
        # openpyxl reads an empty inline string back as None
        assert (cell.value or "") == expected
        assert cell.value is None or cell.data_type == "s"


# --- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, np.nan, np.float64("inf"),
                                   np.float32("-inf")])
def test_non_finite_numbers_are_refused_with_sheet_cell_and_field(value):
    book = openpyxl.Workbook()
    book.active.title = "Results"
    with pytest.raises(AppraisalValidationError) as info:
        write_number(book.active["B5"], value, field="options[1].npsv")
    issue = info.value.issues[0]
    assert issue.code == "non-finite-number"
    assert issue.location == "Results!B5"
    assert issue.field == "options[1].npsv"
    assert "Results!B5" in str(info.value)
    assert book.active["B5"].value is None


@pytest.mark.parametrize("value", [True, "12", None, Decimal("1.5"), 1 + 2j])
def test_non_numbers_are_refused(value):
    sheet = openpyxl.Workbook().active
    with pytest.raises(AppraisalValidationError, match="expected a number"):
        write_number(sheet["A1"], value)


def test_numpy_scalars_are_stored_as_python_numbers():
    sheet = openpyxl.Workbook().active
    assert type(write_number(sheet["A1"], np.int64(7))) is int
    assert type(write_number(sheet["A2"], np.float32(0.5))) is float


EXCEL_FLOATS = st.floats(-xlsx_cells.MAX_EXCEL_NUMBER, xlsx_cells.MAX_EXCEL_NUMBER)


@pytest.mark.parametrize("value", [1.7976931348623155e308, -1e308, 10**400])
def test_numbers_beyond_excel_range_are_refused(value):
    # %.16g would write 1.797693134862316e+308, which reads back as infinity
    sheet = openpyxl.Workbook().active
    with pytest.raises(AppraisalValidationError, match="number-too-large"):
        write_number(sheet["A1"], value)


@settings(max_examples=40, deadline=None, suppress_health_check=[FIXTURE_REUSE])
@given(values=st.lists(EXCEL_FLOATS, min_size=1, max_size=8))
def test_property_finite_numbers_read_back_within_16_digits(tmp_path, values):
    book = openpyxl.Workbook()
    for i, value in enumerate(values):
        write_number(book.active.cell(i + 1, 1), value)
    out = save_workbook(book, tmp_path / "n.xlsx", force=True)
    read = openpyxl.load_workbook(out).active
    for i, value in enumerate(values):
        got = read.cell(i + 1, 1).value
        assert got == pytest.approx(value, rel=1e-15, abs=1e-300)


# --- formulas with cached values ------------------------------------------------------------


def test_formula_cached_values_are_visible_to_non_calculating_readers(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Calc"
    write_number(sheet["A1"], 2)
    write_number(sheet["A2"], 0.1)
    write_formula(sheet["B1"], "=A1*3", 6)
    write_formula(sheet["B2"], "A2+0.2", 0.1 + 0.2)  # leading '=' optional
    write_formula(sheet["B3"], '=IF(A1>1,"big<&>","small")', "big<&>")
    write_formula(sheet["B4"], "=A1>1", True)
    write_formula(sheet["B5"], "=A1*10^20", 2e20)
    out = save_workbook(book, tmp_path / "f.xlsx")
    values = openpyxl.load_workbook(out, data_only=True)["Calc"]
    assert values["B1"].value == 6
    assert values["B2"].value == 0.1 + 0.2  # written with repr(): exact, not %.16g
    assert values["B3"].value == "big<&>"
    assert values["B4"].value is True
    assert values["B5"].value == 2e20
    formulas = openpyxl.load_workbook(out)["Calc"]
    assert formulas["B2"].value == "=A2+0.2"
    assert formulas["B3"].value == '=IF(A1>1,"big<&>","small")'
    xml = sheet_xml(out)
    assert cell_xml(xml, "B1") == '<c r="B1"><f>A1*3</f><v>6</v></c>'
    assert 't="str"' in cell_xml(xml, "B3")
    assert 't="b"' in cell_xml(xml, "B4")
    assert 'fullCalcOnLoad="1"' in zipfile.ZipFile(out).read("xl/workbook.xml").decode()


def test_only_the_formula_cells_change_from_what_openpyxl_wrote(tmp_path, monkeypatch):
    book = openpyxl.Workbook()
    sheet = book.active
    write_text(sheet["A1"], "label")
    write_number(sheet["A2"], 4)
    write_formula(sheet["A3"], "=A2*2", 8)
    sheet.column_dimensions["A"].width = 30
    from appraisal.outputs import xlsx_render

    written = []
    real_save = xlsx_render._saved_uncompressed

    def spy_save(workbook):
        written.append(real_save(workbook))
        return written[-1]

    monkeypatch.setattr(xlsx_render, "_saved_uncompressed", spy_save)
    out = save_workbook(book, tmp_path / "cached.xlsx")
    plain, cached = zipfile.ZipFile(io.BytesIO(written[0])), zipfile.ZipFile(out)
    assert [i.filename for i in plain.infolist()] == [i.filename for i in cached.infolist()]
    # openpyxl's parts are stored in memory and compressed once, as openpyxl compresses them
    assert {i.compress_type for i in cached.infolist()} == {zipfile.ZIP_DEFLATED}
    for name in plain.namelist():
        if name != "xl/worksheets/sheet1.xml":
            assert plain.read(name) == cached.read(name), name
    before = plain.read("xl/worksheets/sheet1.xml").decode()
    after = cached.read("xl/worksheets/sheet1.xml").decode()
    empty_cache = re.compile(r"<f>A2\*2</f><v ?/>")  # etree writes <v />, lxml <v/>
    assert empty_cache.search(before)
    assert empty_cache.sub("<f>A2*2</f><v>8</v>", before) == after


def test_cached_values_on_other_sheets_and_quoted_names(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Inputs"
    other = book.create_sheet("O'Brien & Co <x>")
    write_number(book["Inputs"]["A1"], 5)
    write_formula(other["C3"], "='Inputs'!A1*2", 10)
    out = save_workbook(book, tmp_path / "two.xlsx")
    assert openpyxl.load_workbook(out, data_only=True)["O'Brien & Co <x>"]["C3"].value == 10


def test_overwritten_formula_cell_drops_its_cached_value(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    write_formula(sheet["A1"], "=1+1", 2)
    write_number(sheet["A1"], 5)
    write_formula(sheet["A2"], "=1+2", 3)
    sheet["A2"] = "=1+3"  # plain openpyxl overwrite: the recorded value no longer applies
    out = save_workbook(book, tmp_path / "o.xlsx")
    values = openpyxl.load_workbook(out, data_only=True).active
    assert values["A1"].value == 5
    assert values["A2"].value is None  # no stale 3 next to 1+3


@pytest.mark.parametrize(("formula", "cached", "code"), [
    ("=A1", math.nan, "non-finite-number"),
    ("=A1", math.inf, "non-finite-number"),
    ("=A1", None, "not-a-number"),
    ("=", 1, "bad-formula"),
    ("   ", 1, "bad-formula"),
    ("=" + "1+" * 4_200 + "1", 1, "bad-formula"),
    (42, 1, "not-text"),
])
def test_bad_formulas_and_cached_values_are_refused(formula, cached, code):
    book = openpyxl.Workbook()
    book.active.title = "Calc"
    with pytest.raises(AppraisalValidationError) as info:
        write_formula(book.active["D9"], formula, cached, field="pv_total")
    assert info.value.issues[0].code == code
    assert info.value.issues[0].location == "Calc!D9"
    assert book.active["D9"].value is None


def test_failed_verification_writes_nothing(tmp_path, monkeypatch):
    book = openpyxl.Workbook()
    write_formula(book.active["A1"], "=1+1", 2)
    monkeypatch.setattr(xlsx_render, "_inject", lambda xml, targets, title: xml)
    with pytest.raises(OutputError, match="did not verify"):
        save_workbook(book, tmp_path / "v.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_text_that_became_a_formula_is_caught_before_saving():
    xml = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           b'<sheetData><row r="1"><c r="A1"><f>1+2</f><v /></c></row></sheetData></worksheet>')
    with pytest.raises(OutputError, match="about to be written as a formula"):
        xlsx_render._verify(xml, "Sheet", {}, {"A1"})


def test_save_refuses_existing_file_and_protected_input(tmp_path):
    existing = tmp_path / "results.xlsx"
    existing.write_bytes(b"previous")
    with pytest.raises(OutputError, match="already exists"):
        save_workbook(openpyxl.Workbook(), existing)
    assert existing.read_bytes() == b"previous"
    with pytest.raises(OutputError, match="input"):
        save_workbook(openpyxl.Workbook(), existing, force=True, protect=[existing])
    assert existing.read_bytes() == b"previous"
    save_workbook(openpyxl.Workbook(), existing, force=True)
    assert zipfile.is_zipfile(existing)


# --- references, styles, names, validation, protection --------------------------------------


@pytest.mark.parametrize(("sheet", "row", "col", "expected"), [
    ("Results", 4, 2, "Results!B4"),
    ("Cost lines", 1, 1, "'Cost lines'!A1"),
    ("O'Brien", 2, 27, "'O''Brien'!AA2"),
    ("A1", 1, 1, "'A1'!A1"),
    ("2025", 3, 3, "'2025'!C3"),
    ("Sheet", 1_048_576, 16_384, "Sheet!XFD1048576"),
])
def test_cell_ref(sheet, row, col, expected):
    assert cell_ref(sheet, row, col) == expected


@pytest.mark.parametrize(("row", "col"), [(0, 1), (1, 0), (1_048_577, 1), (1, 16_385), (1.0, 2),
                                          (True, 1)])
def test_cell_ref_refuses_positions_outside_a_sheet(row, col):
    with pytest.raises(AppraisalValidationError, match="cell position"):
        cell_ref("S", row, col)


def test_input_and_calculation_styles_survive_saving(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    style_input(sheet["B2:C3"])
    style_input(sheet["D4"])  # registering the style twice is fine
    style_calculation(sheet["E5"])
    out = save_workbook(book, tmp_path / "s.xlsx")
    read = openpyxl.load_workbook(out).active
    assert read["C3"].style == INPUT_STYLE
    assert read["C3"].fill.fgColor.rgb == "FFFFF2CC"
    assert read["C3"].font.color.rgb == "FF0000FF"
    assert read["E5"].style == xlsx_cells.CALCULATION_STYLE
    assert read["E5"].fill.fill_type is None


def test_defined_names_point_at_absolute_ranges(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Parameters"
    define_name(book, "discount_rate", book.active, "B4")
    define_name(book, "years", book.create_sheet("Cost lines"), "C2:H2")
    out = save_workbook(book, tmp_path / "n.xlsx")
    names = openpyxl.load_workbook(out).defined_names
    assert names["discount_rate"].attr_text == "Parameters!$B$4"
    assert names["years"].attr_text == "'Cost lines'!$C$2:$H$2"


@pytest.mark.parametrize("name", ["AB12", "r1c1", "R", "C", "1st", "has space", "a-b", "",
                                  "x" * 256, "Discount_Rate", "bad ref"])
def test_defined_names_excel_would_reject_are_refused(name):
    book = openpyxl.Workbook()
    define_name(book, "discount_rate", book.active, "B4")
    with pytest.raises(AppraisalValidationError, match="bad-defined-name"):
        define_name(book, name, book.active, "B5" if name != "bad ref" else "not a ref")


def test_bad_range_for_a_name_is_refused():
    book = openpyxl.Workbook()
    for ref in ("B4:", "B4:C", "ZZZZ1", "Sheet1!B4"):
        with pytest.raises(AppraisalValidationError, match="not a cell or range"):
            define_name(book, "ok_name", book.active, ref)


def test_dropdown_lists_survive_saving(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    add_dropdown(sheet, "C2:C50", ["cost", "benefit"])
    add_dropdown(sheet, "D2:D50", source="Lists!$A$2:$A$9")
    out = save_workbook(book, tmp_path / "d.xlsx")
    rules = openpyxl.load_workbook(out).active.data_validations.dataValidation
    got = {str(rule.sqref): (rule.type, rule.formula1, rule.showErrorMessage) for rule in rules}
    assert got == {"C2:C50": ("list", '"cost,benefit"', True),
                   "D2:D50": ("list", "Lists!$A$2:$A$9", True)}


@pytest.mark.parametrize(("choices", "source"), [
    (["a,b"], None), (['say "x"'], None), ([], None), ([""], None), (["x" * 300], None),
    (None, None), (["a"], "Lists!A1:A2"),
])
def test_bad_dropdowns_are_refused(choices, source):
    sheet = openpyxl.Workbook().active
    with pytest.raises(AppraisalValidationError, match="bad-dropdown"):
        add_dropdown(sheet, "A1:A5", choices, source=source)


def test_frozen_header_and_sheet_protection_survive_saving(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    freeze_header(sheet, rows=1, cols=2)
    protect_sheet(sheet, editable=["C2:C9", "E5"])
    out = save_workbook(book, tmp_path / "p.xlsx")
    read = openpyxl.load_workbook(out).active
    assert read.freeze_panes == "C2"
    assert read.protection.sheet is True
    assert read["C9"].protection.locked is False
    assert read["E5"].protection.locked is False
    assert read["B2"].protection.locked is True


# --- _meta sheet and content hash -----------------------------------------------------------


def test_meta_sheet_round_trips_hidden(tmp_path):
    book = openpyxl.Workbook()
    items = {"schema_version": "1.0", "toolkit_version": "0.1.0", "base_year": 2025,
             "discount_rate": 0.035, "strict": True, "note": "=not a formula"}
    write_meta(book, items)
    write_meta(book, items)  # replacing keeps a single sheet
    out = save_workbook(book, tmp_path / "m.xlsx")
    read = openpyxl.load_workbook(out)
    assert read.sheetnames.count(META_SHEET) == 1
    assert read[META_SHEET].sheet_state == "hidden"
    assert read_meta(read) == items


def test_meta_problems_are_all_reported_with_cells():
    book = openpyxl.Workbook()
    with pytest.raises(AppraisalValidationError, match="missing-meta-sheet"):
        read_meta(book)
    sheet = write_meta(book, {"a": 1, "b": 2})
    sheet["A1"] = "name"
    sheet["A3"] = "a"
    sheet["A4"] = 7
    with pytest.raises(AppraisalValidationError) as info:
        read_meta(book)
    assert [(i.code, i.location) for i in info.value.issues] == [
        ("bad-meta-header", "_meta!A1"), ("bad-meta-key", "_meta!A3"), ("bad-meta-key", "_meta!A4")]


def test_content_hash_detects_changes_and_ignores_meta():
    book = openpyxl.Workbook()
    write_number(book.active["A1"], 1.5)
    first = content_hash(book)
    write_meta(book, {"content_hash": first})
    assert content_hash(book) == first
    write_number(book.active["A1"], 1.6)
    assert content_hash(book) != first
    write_number(book.active["A1"], 1.5)
    assert content_hash(book) == first
    write_text(book.active["A2"], "1.5")
    assert content_hash(book) != first  # text "1.5" is not the number 1.5


@settings(max_examples=30, deadline=None, suppress_health_check=[FIXTURE_REUSE])
@given(values=st.lists(st.one_of(EXCEL_FLOATS,
                                 st.integers(-(2**53), 2**53), st.booleans(), _XLSX_TEXT
                                 .filter(bool)), min_size=1, max_size=6))
def test_property_content_hash_survives_save_and_reload(tmp_path, values):
    book = openpyxl.Workbook()
    sheet = book.active
    for i, value in enumerate(values, start=1):
        if isinstance(value, str):
            write_text(sheet.cell(i, 1), value)
        elif isinstance(value, bool):
            sheet.cell(i, 1).value = value
        else:
            write_number(sheet.cell(i, 1), value)
    write_formula(sheet.cell(1, 2), "=A1", 0)
    out = save_workbook(book, tmp_path / "h.xlsx", force=True)
    assert content_hash(openpyxl.load_workbook(out)) == content_hash(book)
