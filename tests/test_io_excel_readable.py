"""The results workbook reads and prints (issue 15, item 3): widths from content (no
``###``), full option names, number formats, headers and sheet names in words, print set-up
and frozen panes. Widths are checked against the text each cell shows, measured the same
way for every cell, so a column too narrow for any value fails."""

from __future__ import annotations

import pytest

from appraisal import evaluate, example_path, load_case
from appraisal.outputs.excel_layout import MONEY, PERCENT, shown
from appraisal.outputs.excel_results import write_results_workbook

openpyxl = pytest.importorskip("openpyxl")


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    result = evaluate(load_case(example_path("prevention")))
    path = write_results_workbook(result, tmp_path_factory.mktemp("wb") / "results.xlsx")
    return openpyxl.load_workbook(path), result


def _shown(cell) -> str:
    if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
        return shown(float(cell.value), cell.number_format)
    return str(cell.value)


def _too_narrow(ws, first_row: int) -> list[str]:
    """Number cells whose shown text is wider than their column (Excel shows ###)."""
    out = []
    for row in ws.iter_rows(min_row=first_row):
        for cell in row:
            if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                width = ws.column_dimensions[cell.column_letter].width or 8.43
                if len(_shown(cell)) + 1 > width:
                    out.append(f"{cell.coordinate}: {_shown(cell)!r} in width {width}")
    return out


def test_shown_follows_the_number_formats():
    assert shown(-8866427.169, MONEY) == "-£8,866,427"
    assert shown(0.9672, PERCENT) == "96.72%"
    assert shown(1234.5, "#,##0.00") == "1,234.50"


def test_no_number_is_wider_than_its_column(book):
    wb, _ = book
    for title in ("Summary", "Calculation", "Ledger", "Switching values"):
        assert _too_narrow(wb[title], 4) == [], title


def test_full_option_names_and_money_in_the_ledger(book):
    wb, result = book
    ws = wb["Ledger"]
    longest = max(len(m.name) for m in result.options)
    assert ws.column_dimensions["B"].width >= longest
    heads = [c.value for c in ws[4]]
    assert heads[:5] == ["Agency", "Option", "PV costs", "PV benefits", "Net position (£)"]
    assert heads[5:8] == ["PV costs (engine run)", "PV benefits (engine run)",
                          "Net position (engine run)"]
    assert ws["E5"].number_format == MONEY


def test_headers_and_sheet_names_in_words(book):
    wb, _ = book
    assert not [t for t in wb.sheetnames if t.startswith("Lens") or "_" in t.strip("_")]
    assert "Non-monetised impacts" in wb.sheetnames
    heads = [c.value for c in wb["Switching values"][4]]
    assert heads[:4] == ["Applies to", "Line or input", "Option", "Test"]
    assert {"target", "subject", "change", "pv"}.isdisjoint(heads)
    change = heads.index("Change needed") + 1
    values = [r[change - 1] for r in wb["Switching values"].iter_rows(min_row=5)
              if isinstance(r[change - 1].value, float)]
    assert values
    assert all(c.number_format == PERCENT for c in values)
    params = [c.value for c in wb["Parameters used"][4]]
    assert params[:3] == ["Parameter table", "Which row", "Value"]
    assert "Basis calendar, year 2015" in [c.value for c in wb["Parameters used"]["B"]]


def test_print_set_up_and_frozen_panes(book):
    wb, _ = book
    for title in ("Summary", "Ledger", "Switching values", "Parameters used",
                  "Non-monetised impacts"):
        ws = wb[title]
        assert ws.page_setup.orientation == "landscape", title
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth == 1
        assert ws.print_title_rows == "$4:$4", title
        assert ws.print_area, title
        assert ws.freeze_panes == "B5", title
    calc = wb["Calculation"]
    assert calc.print_title_cols == "$A:$B"
    assert calc.print_title_rows == "$4:$5"
    assert calc.freeze_panes == "C19"
    # edits to its formulas are still refused on reading (the digests in _meta)
    meta = {r[0]: r[1] for r in wb["_meta"].iter_rows(values_only=True)}
    protected = "".join(str(meta[f"protected.{i}"]) for i in range(1, meta["protected.parts"] + 1))
    assert '"sheet":"Calculation"' in protected
    assert '"sheet":"Summary"' in protected


def test_line_details_keys_and_risk_areas_are_not_cut(tmp_path):
    """The Key column of Line details and the Risk area column of Risk areas are as wide as
    their longest entry (a risk area is named by the user: 70 characters here, shown whole
    up to 60), as the option and line columns are."""
    from appraisal.case.case_data import case_to_data
    from appraisal.outputs.excel_template import write_template

    case = load_case(example_path("capital"))
    long_area = "inadequacy of the business case and of the procurement strategy too"
    data = case_to_data(case)
    ob = next(ln for ln in data["lines"] if ln["name"] == "Refurbishment works")[
        "optimism_bias"]
    ob["contributions"][long_area] = ob["contributions"].pop("design complexity")
    # a key of Line details as long as the shares' keys were before they had a sheet
    ob["duration"]["uplift_note_for_the_width_of_the_key_column"] = "x"
    path = write_template(tmp_path / "case.xlsx", data=data, case=case)
    book = openpyxl.load_workbook(path)
    ws = book["Line details"]
    keys = [ws.cell(r, 4).value for r in range(3, ws.max_row + 1) if ws.cell(r, 4).value]
    assert "duration.uplift_note_for_the_width_of_the_key_column" in keys
    assert ws.column_dimensions["D"].width >= max(len(k) for k in keys)
    areas = book["Risk areas"]
    names = [areas.cell(r, 3).value for r in range(3, areas.max_row + 1)
             if areas.cell(r, 3).value]
    assert long_area in names
    assert areas.column_dimensions["C"].width >= 60
