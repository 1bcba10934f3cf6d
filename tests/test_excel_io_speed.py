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
            patch.setattr(excel_grid, "_scan_plain_sheet", lambda data, strings: None)
        grid = open_grid(path)
        try:
            return {title: (grid.sheet(title).cells, grid.sheet(title).merged)
                    for title in grid.sheet_names}
        finally:
            grid.close()


def _read(path: Path, *, fast: bool, monkeypatch: pytest.MonkeyPatch) -> Case:
    with monkeypatch.context() as patch:
        if not fast:
            patch.setattr(excel_grid, "_scan_plain_sheet", lambda data, strings: None)
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
    """Text and formulas holding every escape XML has, written by openpyxl."""
    import openpyxl

    path = tmp_path / "escapes.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    texts = ["a > b", "a &gt; b", "x < y & z", "&amp;gt;", "'quoted' \"double\"", "&#62;"]
    for row, text in enumerate(texts, start=1):
        sheet.cell(row, 1).value = text
        sheet.cell(row, 2).value = f'=IF(A{row}>"{text}",1,0)'
    book.save(path)
    fast = _grids(path, fast=True, monkeypatch=monkeypatch)["Sheet"][0]
    slow = _grids(path, fast=False, monkeypatch=monkeypatch)["Sheet"][0]
    assert fast == slow
    grid = open_grid(path)
    data = grid._zip.read(grid._parts["Sheet"])
    assert excel_grid._scan_plain_sheet(data, grid._shared_strings()) is not None  # not the parser
    grid.close()
    assert [fast[(r, 1)].value for r in range(1, len(texts) + 1)] == texts
    assert fast[(1, 2)].formula == 'IF(A1>"a > b",1,0)'
