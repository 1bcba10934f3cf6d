"""Faster workbook I/O reads and writes the same thing (issue 15, item 7).

The fast scan of a sheet's XML (:func:`appraisal.inputs.excel_grid._scan_plain_sheet`)
must give exactly the cells the guarded general parser gives, and the case read through
it must equal the case read through the parser alone and the case that was written: on
every shipped example's template and results workbook and on the benchmark's 5,000-line,
60-year workbook.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from appraisal import Case, evaluate, example_path, load_case
from appraisal.inputs import excel_grid
from appraisal.inputs.excel_grid import open_grid
from appraisal.inputs.excel_read import _CACHE, read_case_workbook
from appraisal.outputs.excel_results import write_results_workbook
from appraisal.outputs.excel_template import write_template

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ["minimal", "capital", "prevention", "falls"]


def _plain(case: Case) -> Case:
    return dataclasses.replace(case, source_path="", source_sha256="")


def _grids(path: Path, *, fast: bool, monkeypatch: pytest.MonkeyPatch) -> dict[str, dict]:
    """Cells and merged ranges of every sheet, with or without the fast scan."""
    with monkeypatch.context() as patch:
        if not fast:
            patch.setattr(excel_grid, "_scan_plain_sheet", lambda data, strings, **_: None)
        grid = open_grid(path)
        try:
            return {title: (grid.sheet(title).cells, grid.sheet(title).merged)
                    for title in grid.sheet_names}
        finally:
            grid.close()


def _read(path: Path, *, fast: bool, monkeypatch: pytest.MonkeyPatch) -> Case:
    with monkeypatch.context() as patch:
        if not fast:
            patch.setattr(excel_grid, "_scan_plain_sheet", lambda data, strings, **_: None)
        _CACHE.clear()
        try:
            return read_case_workbook(path)
        finally:
            _CACHE.clear()


def _check_same(path: Path, written: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = _grids(path, fast=True, monkeypatch=monkeypatch)
    slow = _grids(path, fast=False, monkeypatch=monkeypatch)
    assert sum(len(cells) for cells, _ in fast.values()) > 0
    for title in slow:
        assert fast[title] == slow[title], title
    by_scan = _read(path, fast=True, monkeypatch=monkeypatch)
    by_parser = _read(path, fast=False, monkeypatch=monkeypatch)
    assert _plain(by_scan) == _plain(by_parser)
    assert _plain(by_scan) == _plain(written)


@pytest.mark.parametrize("name", EXAMPLES)
def test_examples_read_the_same_through_the_fast_scan(name, tmp_path, monkeypatch):
    case = load_case(example_path(name))
    template = write_template(tmp_path / "case.xlsx", case)
    _check_same(template, case, monkeypatch)
    results = write_results_workbook(evaluate(case), tmp_path / "results.xlsx")
    _check_same(results, case, monkeypatch)


def test_benchmark_workbook_reads_the_same_through_the_fast_scan(tmp_path, monkeypatch):
    """The 5,000-line, 60-year workbook of benchmarks/bench_excel.py (its generated
    profiles are formulas holding ``&gt;`` and ``&lt;``)."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    from bench_excel import synthetic_case

    case = synthetic_case(5000, 60)
    book = write_template(tmp_path / "case.xlsx", case)
    _check_same(book, case, monkeypatch)
    sys.modules.pop("bench_excel", None)


def test_fast_scan_resolves_escapes_as_the_parser_does(tmp_path, monkeypatch):
    """Text and formulas holding every escape XML has, in the plain form the scan reads."""
    # (the text as XML character data, the text it stands for)
    pairs = [("a &gt; b", "a > b"), ("a &amp;gt; b", "a &gt; b"), ("x &lt; y &amp; z", "x < y & z"),
             ("a > b", "a > b"), ("&apos;q&apos; &quot;d&quot;", "'q' \"d\""),
             ("&#62;&#x3C;", "><"),
             # a reference to "&" before entity-like text: that text, not read again
             ("&#38;lt; &#x26;gt; &#38;#62; &lt;", "&lt; &gt; &#62; <")]
    texts = [text for _, text in pairs]
    rows = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{xml}</t></is></c>'
        f'<c r="B{r}" s="0"><f>IF(A{r}&gt;"{xml}",1,0)</f><v>1</v></c></row>'
        for r, (xml, _) in enumerate(pairs, start=1))
    path = _book_with_sheet(tmp_path, rows)
    sheet_xml = f'<worksheet xmlns="{_MAIN_NS}"><sheetData>{rows}</sheetData></worksheet>'.encode()
    assert excel_grid._scan_plain_sheet(sheet_xml, []) is not None  # the scan, not the parser
    fast = _grids(path, fast=True, monkeypatch=monkeypatch)["Sheet"][0]
    slow = _grids(path, fast=False, monkeypatch=monkeypatch)["Sheet"][0]
    assert fast == slow
    assert [fast[(r, 1)].value for r in range(1, len(texts) + 1)] == texts
    assert fast[(1, 2)].formula == 'IF(A1>"a > b",1,0)'
    assert [fast[(r, 2)].formula for r in range(1, len(texts) + 1)] == [
        f'IF(A{r}>"{text}",1,0)' for r, text in enumerate(texts, start=1)]


_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _book_with_sheet(tmp_path, rows: str, *, after: str = "</worksheet>") -> Path:
    """An openpyxl workbook whose one sheet part is *rows* in a plain-form sheetData."""
    import zipfile

    import openpyxl

    sheet_xml = (f'<worksheet xmlns="{_MAIN_NS}"><sheetData>{rows}</sheetData>{after}'
                 ).encode()
    plain = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(plain)
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            target.writestr(info, sheet_xml if info.filename == "xl/worksheets/sheet1.xml"
                            else source.read(info))
    return path


@pytest.mark.parametrize(("rows", "after"), [
    ('<row r="1"><c r="A1"><f>1&amp;2</f><v>3</v></c></row>', "</worksheet>"),
    ('<row r="1" ht="30" customHeight="1"><c r="A1" t="inlineStr"><is><t>ok</t></is></c>'
     '</row><row r="2"/>', "<mergeCells><mergeCell ref=\"A2:B2\"/></mergeCells></worksheet>"),
    ("", "</worksheet>"),
])
def test_fast_scan_reads_well_formed_parts_without_a_whole_part_parse(
        rows, after, tmp_path, monkeypatch):
    """The plain form proves its rows well formed itself: the guarded pass sees only the
    part without its rows, and the cells are the parser's."""
    path = _book_with_sheet(tmp_path, rows, after=after)
    seen = []
    original = excel_grid.WorkbookGrid._parse

    def spy(self, part, *args, data=None, **kwargs):
        seen.append((part, data))
        return original(self, part, *args, data=data, **kwargs)

    monkeypatch.setattr(excel_grid.WorkbookGrid, "_parse", spy)
    fast = _grids(path, fast=True, monkeypatch=monkeypatch)
    sheet_passes = [data for part, data in seen if part.endswith("sheet1.xml")]
    assert len(sheet_passes) == 1
    assert b"<row" not in sheet_passes[0]
    assert b"<sheetData" in sheet_passes[0]
    assert fast == _grids(path, fast=False, monkeypatch=monkeypatch)


@pytest.mark.parametrize("body", [
    "a & b", "&nbsp;", "&#0;", "&#xD800;", "a]]>b", "\x01", "\x0b",
])
def test_malformed_rows_are_refused_as_the_parser_refuses_them(body, tmp_path):
    """Rows the token pattern matches but XML forbids go to the guarded parser, which
    refuses them: a bare ``&``, an undeclared entity, a reference to a character XML does
    not allow, ``]]>`` in text, a control character."""
    from appraisal.errors import AppraisalValidationError

    rows = (f'<row r="1"><c r="A1" t="inlineStr"><is><t>{body}</t></is></c>'
            f'<c r="B1"><f>A1&amp;"{body}"</f><v>1</v></c></row>')
    grid = open_grid(_book_with_sheet(tmp_path, rows))
    try:
        with pytest.raises(AppraisalValidationError, match="not valid XML"):
            grid.sheet("Sheet")
    finally:
        grid.close()


@pytest.mark.parametrize(("rows", "after"), [
    ('<row r="1" r="2"><c r="A1"><v>1</v></c></row>', "</worksheet>"),
    ('<row r="1"><c r="A1"><v>1</v></c></row>', "<mergeCells></worksheet>"),
    ('<row r="1"><c r="A1"><v>1</v></c></row>', "</worksheet><extra/>"),
])
def test_malformed_parts_around_plain_rows_are_refused(rows, after, tmp_path):
    """A duplicate row attribute, or a part malformed outside its rows, is refused."""
    from appraisal.errors import AppraisalValidationError

    grid = open_grid(_book_with_sheet(tmp_path, rows, after=after))
    try:
        with pytest.raises(AppraisalValidationError, match="not valid XML"):
            grid.sheet("Sheet")
    finally:
        grid.close()


def _widths_cell_by_cell(book, data, skip_rows=()):
    """Column widths measured cell by cell (every number formatted): the reference."""
    from appraisal.outputs import excel_layout

    styles = excel_layout._styles(book)
    out: dict[int, float] = {}
    for row, cells in data.cells().items():
        if row in set(skip_rows):
            continue
        for col, xml in cells:
            width = excel_layout._cell_width(xml, styles)
            if width is not None:
                out[col] = max(out.get(col, 0.0), width)
    return out


@pytest.mark.parametrize("name", ["prevention", "capital"])
def test_column_widths_equal_measuring_every_cell(name, tmp_path, monkeypatch):
    """content_widths formats only each column's extremes in fixed formats; the widths are
    those of formatting every cell, on every sheet of the results workbook."""
    from appraisal.outputs import excel_layout

    measured = []
    original = excel_layout.content_widths

    def both(book, data, *, skip_rows=()):
        fast = original(book, data, skip_rows=skip_rows)
        measured.append((data.title, fast, _widths_cell_by_cell(book, data, skip_rows)))
        return fast

    monkeypatch.setattr(excel_layout, "content_widths", both)
    write_results_workbook(evaluate(load_case(example_path(name))), tmp_path / "r.xlsx")
    assert len(measured) >= 3
    for title, fast, reference in measured:
        assert fast == reference, title
        assert reference, title


def test_column_widths_of_negative_and_rounded_numbers():
    """The extremes rule on numbers whose shown width does not follow their value."""
    from appraisal.outputs.excel_book import BookBuilder
    from appraisal.outputs.excel_layout import MONEY, PERCENT, content_widths
    from appraisal.outputs.excel_stream import SheetData

    book = BookBuilder()
    money, percent = (book.style(number_format=f) for f in (MONEY, PERCENT))
    data = SheetData("S")
    for row, (m, p) in enumerate([(-0.4, 0.99999), (99999.6, -0.000001), (-12.0, 0.5),
                                  (5.0, -1.25)], start=1):
        data.number(row, 1, m, money)
        data.number(row, 2, p, percent)
    widths = content_widths(book, data)
    assert widths == _widths_cell_by_cell(book, data)
    assert widths == {1: len("£100,000"), 2: len("-125.00%")}


def test_column_widths_of_runs_written_in_bulk():
    """Numbers and formulas written as runs (numbers, formula_row) are measured by their
    columns' extremes over whole arrays: the widths of measuring every cell, runs of
    different lengths and styles, General runs and -0.0 included."""
    import numpy as np

    from appraisal.outputs.excel_book import BookBuilder
    from appraisal.outputs.excel_layout import MONEY, PERCENT, content_widths
    from appraisal.outputs.excel_stream import SheetData

    book = BookBuilder()
    money, percent, general = (book.style(number_format=f) for f in (MONEY, PERCENT,
                                                                       "General"))
    bold = book.style(number_format=MONEY, bold=True)
    rng = np.random.default_rng(7)
    data = SheetData("S")
    for row in range(1, 40):
        values = rng.normal(0, 10.0 ** rng.integers(0, 9), 6).round(rng.integers(0, 3))
        values[row % 6] = -0.0 if row % 2 else 99999.6
        data.numbers(row, 2, values, money if row % 3 else bold)
        data.formula_row(row, 9, [f"B{row}*{k}" for k in range(4)], values[:4] / 7, percent)
        data.numbers(row, 14, values[:3] / 3, general)
        data.number(row, 3, -0.4 if row == 5 else 1.0, money)  # a single in a run's column
    widths = content_widths(book, data)
    assert widths == _widths_cell_by_cell(book, data)
    assert set(widths) == {2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16}
    assert content_widths(book, data, skip_rows=range(1, 20)) == _widths_cell_by_cell(
        book, data, skip_rows=range(1, 20))


def test_both_writers_write_a_formula_cell_the_same_way(tmp_path):
    """A formula with a text cached value, written through openpyxl (write_formula, cached
    value put in on saving) and streamed (SheetData), in one workbook saved in one pass:
    the same cell XML, and the text (an ``_xHHHH_`` look-alike) reads back as written."""
    import io
    import zipfile

    import openpyxl

    from appraisal.outputs.excel_stream import SheetData, render_with_sheets
    from appraisal.outputs.xlsx_render import sheet_parts
    from appraisal.outputs.xlsx_write import write_formula

    book = openpyxl.Workbook()
    book.active.title = "Summary"
    book.create_sheet("Data")
    write_formula(book["Summary"]["C3"], '=IF(A3>0,"_x0041_ & <b>","")', "_x0041_ & <b>")
    data = SheetData("Data")
    data.formula(3, 3, '=IF(A3>0,"_x0041_ & <b>","")', "_x0041_ & <b>", 0)
    rendered = render_with_sheets(book, {"Data": data})
    archive = zipfile.ZipFile(io.BytesIO(rendered))
    parts = sheet_parts(archive)
    cells = [archive.read(parts[t]).decode().split('<c r="C3"')[1].split("</c>")[0]
             for t in ("Summary", "Data")]
    assert cells[0] == cells[1].replace(' s="0"', ""), cells  # openpyxl omits the default style
    path = tmp_path / "both.xlsx"
    path.write_bytes(rendered)
    grid = open_grid(path)
    for title in ("Summary", "Data"):
        cell = grid.sheet(title).get(3, 3)
        assert (cell.kind, cell.value) == ("s", "_x0041_ & <b>"), title
        assert cell.formula == 'IF(A3>0,"_x0041_ & <b>","")'
    grid.close()


def test_wrapped_lines_counts_as_textwrap_does():
    """A text that fits skips textwrap; the count is textwrap's on any text (tabs expand,
    other whitespace wraps)."""
    import random
    import textwrap

    from appraisal.outputs.excel_layout import wrapped_lines

    rng = random.Random(15)
    words = ["a", "bb", "ccc", "  ", "\t", "\n", "\x0b", "\u00a0", "dddddddddddddddd", "x" * 40]
    for _ in range(20_000):
        text = "".join(rng.choice(words) for _ in range(rng.randint(0, 12)))
        width = rng.uniform(0.5, 60)
        expected = max(1, len(textwrap.wrap(text, max(1, int(width * 1.1 - 2)))))
        assert wrapped_lines(text, width) == expected, (text, width)


def test_formula_row_digest_is_the_digest_of_the_cell_tokens():
    """The one-join path (no empty cell, no formula starting with ``=``) and the general
    one give the digest of the cells' tokens, on random rows of awkward formulas."""
    import random

    from appraisal.inputs.excel_changes import cell_token, formula_row_digest, row_digest

    rng = random.Random(15)
    atoms = ["=", "A1", "$B$2", "\x1f", "==", " ", "\t", "_xlfn.", "_XLWS.", "sum(", ")", "'S'!",
             "é", "ß"]
    for _ in range(20_000):
        row = [None if rng.random() < 0.1 else "".join(
            rng.choice(atoms) for _ in range(rng.randint(0, 5))) for _ in range(rng.randint(0, 6))]
        expected = row_digest([cell_token(None, None, f) if f is not None else "" for f in row])
        assert formula_row_digest(row) == expected, row
        assert formula_row_digest(iter(row)) == expected, row


def test_formula_pieces_write_and_digest_the_formulas_they_stand_for():
    """A row of formulas given as pieces joined by each cell's column letter is written,
    and digested, exactly as the row of those formulas, on random awkward pieces
    (escapes, a leading or inner "=", text beyond ASCII, _xlfn noise, control characters
    and long rows that take the general path)."""
    import random

    import numpy as np

    from appraisal.cells import column_letter
    from appraisal.inputs.excel_changes import formula_row_digest, pieces_row_digest
    from appraisal.outputs.excel_stream import SheetData

    rng = random.Random(7)
    atoms = ["IF(", "$4", "<", ">=", "&", "=", "'S'!", "_xlfn.", "_XL", "é", " ", "\t", "$M9",
             "\x01", "0)", ",", "INDEX(Profiles!$L9:$BS9,1,"]
    for _ in range(3_000):
        pieces = ["".join(rng.choice(atoms) for _ in range(rng.randint(0, 4)))
                  for _ in range(rng.randint(1, 5))]
        col, n = rng.choice([1, 3, 19, 700]), rng.randint(0, 70)
        values = np.round(np.array([rng.uniform(-1e6, 1e6) for _ in range(n)]), 2)
        letters = [column_letter(col + k) for k in range(n)]
        formulas = [x.join(pieces) for x in letters]
        written, expected = SheetData("S"), SheetData("S")
        refused = []  # the same refusal (or none) either way
        for call, arg in ((written.formula_pieces, pieces), (expected.formula_row, formulas)):
            try:
                call(4, col, arg, values, 3)
            except Exception as exc:
                refused.append(type(exc))
            else:
                refused.append(None)
        assert refused[0] == refused[1], (pieces, refused)
        assert written.xml() == expected.xml(), pieces
        assert written.max_col == expected.max_col
        if n:
            assert pieces_row_digest(pieces, letters) == formula_row_digest(formulas), pieces


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf"), 1e308, -1e308])
@pytest.mark.parametrize("method", ["numbers", "formula_row", "formula_pieces"])
def test_bulk_cells_refuse_a_bad_number_at_its_cell(method, bad):
    """The bulk writers check a row with two reductions; a row holding one value that is
    not finite or beyond Excel's range is still refused, located at that value's cell."""
    import numpy as np

    from appraisal.errors import AppraisalValidationError
    from appraisal.outputs.excel_stream import SheetData

    values = np.linspace(-5.0, 5.0, 12)
    args = {"numbers": (), "formula_row": ([f"{x}$1*2" for x in "CDEFGHIJKLMN"],),
            "formula_pieces": (["", "$1*2"],)}[method]
    sheet = SheetData("Calc")

    def write(row: int) -> None:
        getattr(sheet, method)(row, 3, *args, values, 0)

    write(7)
    values[4] = bad
    with pytest.raises(AppraisalValidationError) as info:
        write(8)
    assert info.value.issues[0].location == "Calc!G8"
