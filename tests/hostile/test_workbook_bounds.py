"""Workbooks are bounded before they are read (issue 13, item 4).

Before, a sheet with a million rows was read for 70 s with 5.5 GB of memory before
anything was said. Now the declared extent (``<dimension ref=...>``) is read from the
first 4 KB of the sheet's XML and refused at once; a sheet whose extent is missing or
understates its rows is counted in its XML at C speed before any cell is parsed. A
workbook in manual calculation mode (whose stored formula results may be stale) is
reported.
"""

from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path

import pytest

from appraisal.limits import MAX_SHEET_ROWS

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _sheet_part(book: Path, title: str) -> str:
    with zipfile.ZipFile(book) as z:
        wb = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet [^>]*name="{title}"[^>]*r:id="([^"]+)"', wb).group(1)
    for tag in re.findall(r"<Relationship [^>]*>", rels):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', tag))
        if attrs.get("Id") == rid:
            target = attrs["Target"].lstrip("/")
            return target if target.startswith("xl/") else "xl/" + target
    raise AssertionError(title)


def _with_rows(book: Path, out: Path, title: str, rows: int, dimension: str | None) -> Path:
    part = _sheet_part(book, title)
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    body = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>Option %d</t></is></c></row>'
                    % (r, r, r) for r in range(2, rows + 2))
    data = (f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="{_NS}">{dim}'
            '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>'
            ).encode() + body + b"</sheetData></worksheet>"
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, data if info.filename == part else src.read(info.filename))
    return out


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    from appraisal import example_path, load_case
    from appraisal.outputs.excel_template import write_template

    folder = tmp_path_factory.mktemp("book")
    return write_template(folder / "case.xlsx", load_case(example_path("minimal")))


# (id, sheet, rows, declared extent, seconds allowed to refuse)
BOOKS = [
    ("million-rows-declared", "Options", 1_000_000, "A1:A1000001", 1.0),
    ("million-rows-declared-wide", "Lines", 1_000_000, "A1:XFD1048576", 1.0),
    ("million-rows-profiles", "Profiles", 1_000_000, "A1:A1000001", 1.0),
    ("million-rows-no-extent", "Options", 1_000_000, None, 1.0),
    ("million-rows-extent-understated", "Options", 1_000_000, "A1:A2", 1.0),
    ("one-row-over", "Options", MAX_SHEET_ROWS, None, 1.0),
]


@pytest.mark.slow
@pytest.mark.parametrize(("title", "rows", "dimension", "seconds"), [b[1:] for b in BOOKS],
                         ids=[b[0] for b in BOOKS])
def test_an_oversized_sheet_is_refused_before_its_cells_are_parsed(
        tmp_path, template, refused, title, rows, dimension, seconds):
    book = _with_rows(template, tmp_path / "big.xlsx", title, rows, dimension)
    start = time.monotonic()
    text = refused(["validate", str(book)], inputs=[book],
                   pattern=rf"{title}!A{MAX_SHEET_ROWS + 1}: error \[too-many-rows\] sheet "
                           rf"'{title}' has (more than )?[\d,]+ rows.*at most {MAX_SHEET_ROWS:,}")
    elapsed = time.monotonic() - start
    assert elapsed < seconds, f"{elapsed:.2f} s"
    refused(["run", str(book), "--out", str(tmp_path / "out")], inputs=[book],
            pattern=r"too-many-rows")
    assert "Traceback" not in text


def test_a_declared_extent_alone_is_not_refused(tmp_path, template, capsys):
    """A sheet formatted to the last row declares 1,048,576 rows and holds few: rows are
    counted, the declaration is not trusted."""
    from appraisal.cli.commands import main
    from appraisal.inputs.excel_grid import _count_rows

    book = _with_rows(template, tmp_path / "ok.xlsx", "Options", 3, "A1:Z1048576")
    with zipfile.ZipFile(book) as z:
        assert _count_rows(z.read(_sheet_part(book, "Options"))) == 4
    main(["validate", str(book)])
    said = capsys.readouterr()
    assert "too-many-rows" not in said.out + said.err


def test_manual_calculation_mode_is_reported(tmp_path, template, capsys):
    import openpyxl

    from appraisal.cli.commands import main

    wb = openpyxl.load_workbook(template)
    wb.calculation.calcMode = "manual"
    book = tmp_path / "manual.xlsx"
    wb.save(book)
    assert main(["validate", str(book)]) == 0
    said = capsys.readouterr()
    assert "warning [manual-calculation]" in said.out + said.err
    assert main(["run", str(book), "--out", str(tmp_path / "out")]) == 0
    said = capsys.readouterr()
    assert "manual calculation" in said.out + said.err


def test_automatic_calculation_is_not_reported(template, capsys):
    from appraisal.cli.commands import main

    assert main(["validate", str(template)]) == 0
    said = capsys.readouterr()
    assert "manual-calculation" not in said.out + said.err
