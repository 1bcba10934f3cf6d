"""Native charts in ``results.xlsx`` (issue 15, item 6): the ``Charts`` sheet's three charts
(PV by option and category, net cash flow by year, one-way tornado) are chart parts of the
zip, linked from the sheet, whose series refer to the sheet's live tables; the tables are
formulas on the Calculation and Sensitivity sheets that give the engine's numbers, and
LibreOffice recalculates them to the engine's run of an edited case."""

from __future__ import annotations

import dataclasses
import math
import re
import zipfile
from xml.etree import ElementTree

import numpy as np
import openpyxl
import pytest

from appraisal import evaluate, example_path, load_case
from appraisal.errors import AppraisalValidationError
from appraisal.inputs.excel_read import read_case_workbook
from appraisal.outputs.excel_charts import CHART_TITLES, SHEET, axis_format
from appraisal.outputs.excel_results import write_results_workbook
from appraisal.outputs.recalc import read_values, recalculate, soffice_or_skip
from appraisal.outputs.xlsx_render import sheet_parts

NS = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
      "a": "http://schemas.openxmlformats.org/drawingml/2006/main"}
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
RANGE = re.compile(r"^Charts!\$([A-Z]+)\$(\d+)(?::\$([A-Z]+)\$(\d+))?$")


@pytest.fixture(scope="module")
def prevention():
    return evaluate(load_case(example_path("prevention")))


def _charts(path) -> dict[str, ElementTree.Element]:
    """The chart parts drawn on the Charts sheet, by their title (through the sheet's
    drawing relationship, not by guessing part names)."""
    archive = zipfile.ZipFile(path)
    part = sheet_parts(archive)[SHEET]
    folder, name = part.rsplit("/", 1)
    sheet_xml = archive.read(part).decode()
    rid = re.search(r'<drawing [^>]*r:id="([^"]+)"', sheet_xml).group(1)
    rels = ElementTree.fromstring(archive.read(f"{folder}/_rels/{name}.rels"))
    drawing = next(r.get("Target") for r in rels.iter(REL) if r.get("Id") == rid)
    drawing = drawing.replace("/xl/", "xl/").replace("../", "xl/")
    d_folder, d_name = drawing.rsplit("/", 1)
    d_rels = ElementTree.fromstring(archive.read(f"{d_folder}/_rels/{d_name}.rels"))
    out = {}
    for rel in d_rels.iter(REL):
        target = rel.get("Target").replace("/xl/", "xl/").replace("../", "xl/")
        chart = ElementTree.fromstring(archive.read(target))
        title = "".join(t.text for t in chart.find("c:chart/c:title", NS).iter(f"{{{NS['a']}}}t"))
        out[title] = chart
    return out


def _cells(ref: str) -> list[str]:
    """The cells of a one-column range on the Charts sheet, top to bottom."""
    col, first, col2, last = RANGE.match(ref).groups()
    assert col2 in (None, col)
    return [f"{col}{r}" for r in range(int(first), int(last or first) + 1)]


def _series(chart) -> list[dict[str, object]]:
    out = []
    for ser in chart.iter(f"{{{NS['c']}}}ser"):
        out.append({"title": ser.find("c:tx/c:strRef/c:f", NS).text,
                    "values": ser.find("c:val/c:numRef/c:f", NS).text,
                    "categories": ser.find("c:cat/c:strRef/c:f", NS).text,
                    "cached": [float(v.text) for v in ser.iterfind(
                        "c:val/c:numRef/c:numCache/c:pt/c:v", NS)]})
    return out


def test_three_charts_are_drawn_on_the_charts_sheet_with_titles_axes_and_pounds(
        prevention, tmp_path):
    path = write_results_workbook(prevention, tmp_path / "results.xlsx")
    charts = _charts(path)
    tornado = f"{CHART_TITLES['tornado']} of Whole-family service"
    assert set(charts) == {CHART_TITLES["pv"], CHART_TITLES["cash_flow"], tornado}
    assert charts[CHART_TITLES["pv"]].find(".//c:barChart/c:grouping", NS).get("val") == \
        "stacked"
    assert charts[CHART_TITLES["cash_flow"]].find(".//c:lineChart", NS) is not None
    assert charts[tornado].find(".//c:barChart/c:barDir", NS).get("val") == "bar"
    for title, chart in charts.items():
        axes = chart.findall(".//c:plotArea/c:catAx", NS) + chart.findall(
            ".//c:plotArea/c:valAx", NS)
        assert len(axes) == 2, title
        for axis in axes:  # shown, and titled in words
            assert axis.find("c:delete", NS).get("val") == "0", title
            words = "".join(t.text for t in axis.iter(f"{{{NS['a']}}}t"))
            assert len(words) > 3, title
        value_axis = chart.find(".//c:plotArea/c:valAx", NS)
        assert value_axis.find("c:numFmt", NS).get("formatCode").startswith("£"), title
        assert "£ million" in "".join(t.text for t in value_axis.iter(f"{{{NS['a']}}}t"))


def test_the_series_refer_to_live_tables_that_give_the_engines_numbers(prevention, tmp_path):
    path = write_results_workbook(prevention, tmp_path / "results.xlsx")
    charts = _charts(path)
    book = openpyxl.load_workbook(path)
    cached = openpyxl.load_workbook(path, data_only=True)[SHEET]
    ws = book[SHEET]
    options = [m.name for m in prevention.options]
    c = prevention.compiled

    # PV by option and category: one series a category, -costs and +benefits summing to NPSV
    pv = _series(charts[CHART_TITLES["pv"]])
    groups = {(ln.kind, ln.category) for ln in prevention.case.lines}
    assert len(pv) == len(groups)
    total = np.zeros(len(options))
    for s in pv:
        cells = _cells(s["values"])
        assert [cached[a].value for a in _cells(s["categories"])] == options
        header = ws[_cells(s["title"])[0]].value
        cost = header.startswith("Costs: ")
        for k, a in enumerate(cells):
            formula = ws[a].value
            assert re.fullmatch(r"=(-?)Sensitivity!\$E\$\d+", formula), formula
            assert formula.startswith("=-") == cost
            assert math.isclose(s["cached"][k], cached[a].value, rel_tol=1e-14)
        total += [cached[a].value for a in cells]
    assert np.allclose(total, [m.npsv for m in prevention.options], rtol=1e-9)
    costs = sum(np.array([cached[a].value for a in _cells(s["values"])]) for s in pv
                if ws[_cells(s["title"])[0]].value.startswith("Costs: "))
    assert np.allclose(-costs, [m.pv_costs for m in prevention.options], rtol=1e-9)

    # net cash flow by year: one series an option, SUMIFS over the Calculation sheet
    flows = _series(charts[CHART_TITLES["cash_flow"]])
    assert [ws[_cells(s["title"])[0]].value for s in flows] == options
    sign = np.where(c.is_cost, -1.0, 1.0)
    for o, s in enumerate(flows):
        cells = _cells(s["values"])
        assert len(cells) == c.n_years
        assert [cached[a].value for a in _cells(s["categories"])] == list(c.years)
        assert all(ws[a].value.startswith("=SUMIFS(Calculation!") for a in cells)
        mine = np.array([cached[a].value for a in cells])
        engine = ((np.asarray(c.line_option) == o) * sign) @ np.asarray(prevention.real_flows)
        assert np.allclose(mine, engine, rtol=1e-9, atol=1e-6)

    # tornado: lower and higher, differences of the Sensitivity sheet's one-way table
    tornado = _series(charts[f"{CHART_TITLES['tornado']} of Whole-family service"])
    assert [ws[_cells(s["title"])[0]].value for s in tornado] == [
        "NPSV change if lower (£)", "NPSV change if higher (£)"]
    lower, higher = ([cached[a].value for a in _cells(s["values"])] for s in tornado)
    assert all(re.fullmatch(r"=Sensitivity!\$[GH]\$(\d+)-Sensitivity!\$F\$\1", ws[a].value)
               for s in tornado for a in _cells(s["values"]))
    swing = [max(abs(lo), abs(hi)) for lo, hi in zip(lower, higher, strict=True)]
    assert swing == sorted(swing, reverse=True)  # largest at the top
    # a category moved by 20%: a change of 20% of the category's PV either way
    option = options.index("Whole-family service")
    for label, lo, hi in zip([cached[a].value for a in _cells(tornado[0]["categories"])],
                             lower, higher, strict=True):
        kind, cat = label.split(": ", 1)
        lines = [i for i, ln in enumerate(prevention.case.lines)
                 if ln.kind == ("cost" if kind == "Costs" else "benefit")
                 and ln.category == cat and c.line_option[i] == option]
        value = 0.2 * float(np.sum(np.asarray(prevention.pv_lines)[lines]))
        sign_ = 1.0 if kind == "Benefits" else -1.0
        assert math.isclose(hi, sign_ * value, rel_tol=1e-9, abs_tol=1e-6)
        assert math.isclose(lo, -sign_ * value, rel_tol=1e-9, abs_tol=1e-6)


def test_the_charts_sheet_prints_on_a4_landscape_one_chart_a_page(prevention, tmp_path):
    path = write_results_workbook(prevention, tmp_path / "results.xlsx")
    ws = openpyxl.load_workbook(path)[SHEET]
    assert ws.page_setup.orientation == "landscape"
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert len(ws.row_breaks.brk) == 3


def test_the_workbook_with_charts_reads_back_and_refuses_an_edited_chart_table(
        prevention, tmp_path):
    path = write_results_workbook(prevention, tmp_path / "results.xlsx")
    again = read_case_workbook(path)
    assert dataclasses.replace(again, source_path=None, source_sha256=None) == \
        dataclasses.replace(prevention.case, source_path=None, source_sha256=None)
    book = openpyxl.load_workbook(path)
    ws = book[SHEET]
    cell = next(c for row in ws.iter_rows() for c in row
                if isinstance(c.value, str) and c.value.startswith("=-Sensitivity!"))
    cell.value = 123.0  # a typed-over formula: the charts would no longer show the run
    book.save(tmp_path / "edited.xlsx")
    with pytest.raises(AppraisalValidationError, match=f"{SHEET}!{cell.coordinate}"):
        read_case_workbook(tmp_path / "edited.xlsx")


def test_axis_format_picks_the_unit_by_magnitude():
    assert axis_format(12_000_000.0) == ('£#,##0.0,,"m";-£#,##0.0,,"m";£0', "£ million")
    assert axis_format(10_000.0)[1] == "£ thousand"
    assert axis_format(9_999.0) == ("£#,##0;-£#,##0;£0", "£")


@pytest.mark.libreoffice
def test_a_what_if_moves_the_chart_tables_as_the_engine_does(tmp_path):
    """Double the minimal example's avoided costs in the workbook: after LibreOffice
    recalculates, the Charts tables equal the engine's run of the edited case."""
    soffice_or_skip()
    before = evaluate(load_case(example_path("minimal")))
    path = write_results_workbook(before, tmp_path / "results.xlsx")
    book = openpyxl.load_workbook(path)
    profiles = book["Profiles"]
    row = next(r for r in profiles.iter_rows(min_row=3) if r[1].value == "Avoided costs")
    first = next(cell.column for cell in profiles[1] if cell.value == "Total") + 1
    for cell in row[first - 1:]:
        if isinstance(cell.value, int | float) and cell.value:
            cell.value = cell.value * 2
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    after = evaluate(read_case_workbook(edited))
    out = tmp_path / "recalc"
    out.mkdir()
    got = read_values(recalculate(edited, out))[SHEET]
    sheet = openpyxl.load_workbook(path)[SHEET]  # the layout as written
    scale = max(abs(m.npsv) for m in after.options)
    rows = {sheet.cell(r, 1).value: r for r in range(1, sheet.max_row + 1)}
    changed = False
    for k, m in enumerate(after.options):
        r = rows[m.name]  # first table: PV by option and category, summed in its last column
        npsv_col = next(c for c in range(2, sheet.max_column + 1)
                        if str(sheet.cell(r - 1 - k, c).value).startswith("NPSV"))
        cell = f"{openpyxl.utils.get_column_letter(npsv_col)}{r}"
        assert math.isclose(got[cell], m.npsv, abs_tol=1e-9 * scale), m.name
        changed |= not math.isclose(m.npsv, before.options[k].npsv)
    assert changed  # the what-if really moved the NPSV the chart shows
    c = after.compiled
    sign = np.where(c.is_cost, -1.0, 1.0)
    year_row = next(r for r, v in ((r, sheet.cell(r, 1).value) for r in range(1, sheet.max_row))
                    if v == "Year")
    for o in range(len(after.options)):
        engine = ((np.asarray(c.line_option) == o) * sign) @ np.asarray(after.real_flows)
        col = openpyxl.utils.get_column_letter(2 + o)
        mine = [got[f"{col}{year_row + 1 + t}"] for t in range(c.n_years)]
        assert np.allclose(mine, engine, rtol=1e-9, atol=1e-6)
