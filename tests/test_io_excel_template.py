"""The input template: generated from the case schema, with the conventions finance teams use."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest

from appraisal import case_from_records, example_path, load_case
from appraisal.case import sheets as S
from appraisal.case.schema import CASE_FIELDS, LINE_FIELDS, OPTION_FIELDS, SCHEMA_VERSION
from appraisal.inputs.excel_grid import open_grid
from appraisal.outputs.excel_template import _MIN_SCALE, _PAGE_WIDTH, print_pages, write_template
from appraisal.outputs.xlsx_cells import CALCULATION_STYLE, INPUT_STYLE


@pytest.fixture(scope="module")
def blank(tmp_path_factory):
    path = write_template(tmp_path_factory.mktemp("t") / "blank.xlsx")
    return path, openpyxl.load_workbook(path)


def _headers(sheet):
    return [c.value for c in sheet[1] if c.value is not None]


def test_sheets_and_meta(blank):
    _, book = blank
    assert book.sheetnames == ["Cover", "Case", "Options", "Lines", "Profiles", "Valuation",
                               "Optimism bias", "Risk areas", "Incidence", "Line details",
                               "Deflator",
                               "Discount schedules", "Non-monetised", "Distribution",
                               "MCA weight sets", "MCA", "MCA pairwise",
                               "Long list objectives", "Long list", "Short list",
                               "Uncertainty", "Correlation", "Scenarios", "Unit-value packs",
                               "Affordability", "Affordability lists", "CE inputs", "Sections",
                               "Lists", "Parameters", "_meta"]
    meta = {r[0].value: r[1].value for r in book["_meta"].iter_rows(min_row=2)}
    assert book["_meta"].sheet_state == "hidden"
    assert meta["schema_version"] == SCHEMA_VERSION
    assert meta["workbook_kind"] == "template"
    assert "tool_version" in meta
    assert meta["snapshot.parts"] >= 1


def test_cover_lists_every_further_sheet_with_what_it_holds(blank):
    # The cover's "Sheets" block is generated from the sheets written: each sheet after the
    # nine the numbered steps explain, in workbook order, with its spec's description.
    _, book = blank
    rows = [(r[0], r[1]) for r in book["Cover"].iter_rows(values_only=True)]
    start = rows.index(("Sheets", None)) + 1
    listed = [head for head, _ in rows[start:rows.index((None, None), start)]]
    steps = {"Cover", "Case", "Options", "Lines", "Profiles", "Valuation", "Optimism bias",
             "Risk areas", "Incidence", "Line details"}
    assert [head for head, _ in rows if head and head[0].isdigit()][-3:] == [
        "8. Incidence", "9. Line details", "10. Check and run"]
    assert listed == [ws.title for ws in book.worksheets
                      if ws.sheet_state == "visible" and ws.title not in steps]
    texts = dict(rows[start:])
    assert texts["MCA pairwise"].startswith("AHP pairwise comparisons")
    assert texts["Parameters"] == "Shipped parameter values with their sources."


def test_columns_and_rows_are_generated_from_the_schema(blank):
    _, book = blank
    scalar = ("str", "int", "float", "bool")
    lines = _headers(book["Lines"])
    assert [S.label(f.name) for f in LINE_FIELDS if f.type in scalar] == lines[:-1]
    assert [S.label(f.name) for f in OPTION_FIELDS] == _headers(book["Options"])[:-1]
    fields = [book["Case"].cell(r, 1).value for r in range(3, book["Case"].max_row + 1)]
    words = {row.name: row.label for row in S.CASE_ROWS}
    for spec in CASE_FIELDS:
        if spec.type in scalar and spec.name != "schema_version":
            assert words[spec.name] in fields  # in words, e.g. 'Years appraised'
    assert fields[:5] == ["Title", "Organisation", "Description", "Base year (year 0)",
                          "Years appraised"]
    details = book["Line details"].data_validations.dataValidation
    choices = next(v.formula1 for v in details if "C3" in str(v.sqref))
    for spec in LINE_FIELDS:
        if spec.type == "map" and spec.name not in ("values", "profile"):
            assert S.label(spec.name, "") in choices  # in words: Optimism bias


def test_conventions_styles_dropdowns_names_frozen_protected(blank):
    path, book = blank
    lines = book["Lines"]
    assert lines["C3"].style == INPUT_STYLE
    assert book["Profiles"].cell(3, S.PROFILES.index("total")).style == CALCULATION_STYLE
    assert lines.freeze_panes == "C3"
    rules = lines.data_validations.dataValidation
    sources = {str(v.sqref).split(":")[0]: v.formula1 for v in rules}
    assert sources["A3"] == "option_names"
    assert sources["C3"] == '"cost,benefit"'
    assert sources[f"{_letter(S.LINES.index('category'))}3"] == "categories"
    assert sources[f"{_letter(S.LINES.index('agency'))}3"] == "agencies"
    assert sources[f"{_letter(S.LINES.index('schedule'))}3"] == '"standard,health,reduced"'
    names = set(book.defined_names.keys())
    assert {"base_year", "horizon_years", "option_names", "categories", "agencies"} <= names
    assert book["Parameters"].protection.sheet is True
    assert book["Parameters"]["F3"].value  # sources are shown
    units = [book["Case"].cell(r, 3).value for r in range(3, 8)]
    assert "year" in units
    del path


def _letter(col):
    from appraisal.outputs.excel_stream import column_letter

    return column_letter(col)


def test_generated_profiles_are_live_formulas_with_cached_values(tmp_path):
    case = load_case(example_path("capital"))
    path = write_template(tmp_path / "c.xlsx", case)
    grid = open_grid(path)
    sheet = grid.sheet("Profiles")
    first = S.PROFILES.index("total") + 1
    line = case.lines[0]  # a growth profile
    assert line.profile.type == "growth"
    values = line.profile.resolve()
    for k in range(3):
        cell = sheet.get(3, first + k)
        assert cell.formula is not None
        assert cell.value == pytest.approx(values[case.base_year + k], rel=1e-15)
    header = sheet.get(1, first)
    assert "base_year" in header.formula
    assert header.value == case.base_year
    grid.close()


def test_user_text_is_written_as_inline_text_never_a_formula(tmp_path):

    payload = '=HYPERLINK("http://example.invalid","x")'
    case = case_from_records(title=payload, base_year=2025, horizon_years=1,
                             options=[{"name": payload, "counterfactual": True}], lines=[])
    path = write_template(tmp_path / "p.xlsx", case)
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet3.xml").decode()
    assert "<f>" not in xml.split("HYPERLINK")[0][-300:]
    assert openpyxl.load_workbook(path)["Options"]["A3"].data_type == "s"


def test_blank_template_validates_with_located_errors(blank, capsys):
    from appraisal.cli.commands import main

    path, _ = blank
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    # the first thing a finance officer reads: the Case rows and the Options sheet in words
    assert "Case!B3: error [missing] Case row 3 (Title), Value: Title is required (fill in " \
        "Value)" in err
    assert "Case row 7 (Years appraised), Value: Years appraised is required" in err
    assert "Options row 3, Name: the Options sheet has no options (type business as usual " \
        "(yes under Counterfactual) and each option you appraise, one per row)" in err
    assert "horizon_years" not in err
    assert "separated by ';'" not in err


def _renamed_read_alike_and_misspelt_is_suggested(tmp_path, path, book, cell, misspelt, *,
                                                  at=None):
    """*book* (*path*'s workbook with names renamed by the caller) must read as *path* does;
    then with *misspelt* typed at *cell* (sheet, row, column), it must give one problem (or
    one at ``at``, a ``Sheet!Cell``, among others): returns it (the caller checks what)."""
    from appraisal.case.case_data import case_to_data
    from appraisal.errors import AppraisalValidationError
    from appraisal.inputs.excel_read import read_case_workbook

    old = tmp_path / "old.xlsx"
    book.save(old)
    assert case_to_data(read_case_workbook(old)) == case_to_data(read_case_workbook(path))
    title, row, col = cell
    book[title].cell(row, col).value = misspelt
    book.save(old)
    with pytest.raises(AppraisalValidationError) as info:
        read_case_workbook(old)
    (issue,) = [i for i in info.value.issues if at is None or i.location == at]
    return issue


def test_case_rows_are_read_by_their_words_or_their_field_names(tmp_path):
    """A workbook written before the Case sheet spoke in words (Field ``title``,
    ``base_year``) still reads, in any case; a misspelt row is suggested its words."""
    path = write_template(tmp_path / "m.xlsx", load_case(example_path("minimal")))
    book = openpyxl.load_workbook(path)
    ws = book["Case"]
    rows = {ws.cell(r, 1).value: r for r in range(3, ws.max_row + 1)}
    ws.cell(rows["Title"], 1).value = "title"
    ws.cell(rows["Years appraised"], 1).value = "HORIZON_YEARS"
    ws.cell(rows["Base year (year 0)"], 1).value = "base year (YEAR 0)"
    issue = _renamed_read_alike_and_misspelt_is_suggested(
        tmp_path, path, book, ("Case", rows["Price year of the results"], 1), "Price yaer")
    assert issue.location == f"Case!A{rows['Price year of the results']}"
    assert issue.fix == "did you mean 'Price year of the results'?"


def test_every_input_sheet_prints_landscape_with_its_headers_on_every_page(tmp_path):
    """Landscape, the header and help rows repeated, frozen below them; one page wide, or,
    for a sheet too wide to read at that scale, a few pages wide with its key columns
    (option and line, input ...) repeated on every page."""
    path = write_template(tmp_path / "p.xlsx", load_case(example_path("prevention")))
    book = openpyxl.load_workbook(path)
    wide = {}
    for ws in book.worksheets:
        if ws.sheet_state != "visible" or ws.title == "Cover":
            continue
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.print_title_rows == "$1:$2", ws.title
        assert ws.freeze_panes is not None, ws.title
        assert ws.freeze_panes.endswith("3"), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        pages = ws.page_setup.fitToWidth
        assert (pages >= 1, ws.page_setup.fitToHeight) == (True, 0), ws.title
        if pages > 1:
            wide[ws.title] = (pages, ws.print_title_cols)
    assert wide["Profiles"][1] == wide["Valuation"][1] == "$A:$B"
    assert wide["Uncertainty"][1] == wide["Affordability"][1] == "$A:$A"
    assert "Case" not in wide


def test_print_pages_keep_a_readable_scale():
    widths = [30.0, 40.0] + [12.0] * 60
    pages, keys = print_pages(widths, 2)
    assert keys == 2
    # each page holds the keys and its share of the rest at the smallest scale or more
    per_page = sum(widths[:2]) + (sum(widths) - sum(widths[:2])) / pages
    assert per_page <= _PAGE_WIDTH / _MIN_SCALE
    assert print_pages([10.0] * 5, 1) == (1, 0)
    assert print_pages([150.0, 20.0, 20.0], 1) == (2, 0)  # keys too wide to repeat


def test_line_details_fields_are_read_by_their_words_or_their_names(tmp_path):
    """The Field column of Line details says "Incidence" (a line's incidence typed there
    reads as from its sheet); "incidence" (workbooks written before) and any case still
    read; an unknown field is suggested by its words."""
    path = write_template(tmp_path / "c.xlsx", load_case(example_path("prevention")))
    book = openpyxl.load_workbook(path)
    incidence, ws = book["Incidence"], book["Line details"]
    assert [c.value for c in incidence[1][:4]] == ["Option", "Line", "Q1 (%)", "Q2 (%)"]
    shares = [(incidence.cell(3, c).value, incidence.cell(1, c).value[:2]) for c in (3, 4, 5)]
    rows = list(range(3, 3 + len(shares)))
    for r, (share, group), field in zip(rows, shares, ("Incidence", "incidence", "INCIDENCE"),
                                        strict=True):
        for col, value in enumerate((incidence.cell(3, 1).value, incidence.cell(3, 2).value,
                                     field, group, share), start=1):
            ws.cell(r, col).value = value
    for col in range(1, 8):
        incidence.cell(3, col).value = None
    # (the third row, read as "INCIDENCE"; misspelt, its share is not read, so the line's
    # shares no longer add up either: the problem of the cell is the one looked at)
    issue = _renamed_read_alike_and_misspelt_is_suggested(
        tmp_path, path, book, ("Line details", rows[2], 3), "Incidense",
        at=f"'Line details'!C{rows[2]}")
    assert issue.fix == "did you mean 'Incidence'?"
