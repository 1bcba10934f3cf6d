"""The streamed sheet writer (``SheetData``) and the fast sheet reader agree with XML and
with each other.

``results.xlsx`` and the template are written as XML text built by
:class:`appraisal.outputs.excel_stream.SheetData`; the rows are checked for characters XML does
not allow rather than parsed again (they are well formed by construction: texts and
formulas are escaped, numbers are the texts of finite floats). These tests hold that
construction to account: whatever text, formula and number goes in, the saved part is
well-formed XML (parsed here in full with expat), and the reader gives back exactly what
was written, by its fast path and by its general parser alike.
"""

from __future__ import annotations

import zipfile
from xml.parsers import expat

import numpy as np
import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from appraisal.errors import OutputError
from appraisal.inputs import excel_grid
from appraisal.inputs.excel_grid import open_grid
from appraisal.outputs.excel_stream import SheetData, _float_texts, save_with_sheets

# any text a user may type, but characters XML 1.0 cannot hold (which check_text refuses)
_TEXT = st.text(alphabet=st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters="".join(map(chr, [*range(0, 9), 11, 12, *range(14, 32),
                                           0xFFFE, 0xFFFF]))), max_size=40)
_FORMULA = st.sampled_from(["A1*2", 'IF(A1<B1,"a&b",">")', "SUM($A$1:A2)/3",
                            "'R&D <plan>'!A1+1"])
_NUMBER = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300)


def _save(tmp_path, fill) -> tuple[bytes, openpyxl.Workbook]:
    book = openpyxl.Workbook()
    book.active.title = "Data"
    data = SheetData("Data")
    fill(data)
    out = save_with_sheets(book, {"Data": data}, tmp_path / "s.xlsx", force=True)
    with zipfile.ZipFile(out) as z:
        part = z.read("xl/worksheets/sheet1.xml")
    return part, out


def _both_readers(path, monkeypatch) -> tuple[dict, dict]:
    """The cells as the fast path reads them, and as the general parser does."""
    fast = dict(open_grid(path).sheet("Data").cells)
    with monkeypatch.context() as m:
        m.setattr(excel_grid, "_scan_plain_sheet", lambda data, strings, **_: None)
        slow = dict(open_grid(path).sheet("Data").cells)
    return fast, slow


@example(texts=["=cmd|' /C calc'!A0", " lead", "a\r\nb\rc", "<&>\"'", "]]>"],
         numbers=[-0.0, 1e16, 2.5e-300, 0.1], formula="A1*2", cached=-1.5)
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(_TEXT, min_size=1, max_size=6),
       numbers=st.lists(_NUMBER, min_size=1, max_size=6),
       formula=_FORMULA, cached=_NUMBER)
def test_any_content_is_well_formed_and_reads_back(tmp_path, monkeypatch, texts, numbers,
                                                   formula, cached):
    def fill(data: SheetData) -> None:
        for k, text in enumerate(texts, start=1):
            data.text(2, k, text, 0)
        data.numbers(3, 1, numbers, 0)
        data.formula_row(4, 1, [formula] * len(numbers), numbers, 0)
        data.formula(5, 2, formula, cached, 0)

    part, path = _save(tmp_path, fill)
    expat.ParserCreate().Parse(part, True)  # the whole part, not just its skeleton
    assert excel_grid._scan_plain_sheet(part, []) is not None  # the fast path is taken
    fast, slow = _both_readers(path, monkeypatch)
    assert fast == slow
    for k, text in enumerate(texts, start=1):
        # line endings are written as LF (check_text normalises CR LF and CR)
        assert fast[(2, k)].value == text.replace("\r\n", "\n").replace("\r", "\n")
    for k, number in enumerate(numbers, start=1):
        assert fast[(3, k)].value == number
        assert fast[(4, k)].formula == formula
        assert fast[(4, k)].value == number
    assert fast[(5, 2)].formula == formula
    assert fast[(5, 2)].value == cached


def test_a_character_xml_cannot_hold_is_refused_and_nothing_is_written(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Data"
    data = SheetData("Data")
    data.formula(1, 1, "A2\x01", 1.0, 0)  # formulas come from code, not from users
    with pytest.raises(OutputError, match="a character XML does not allow"):
        save_with_sheets(book, {"Data": data}, tmp_path / "bad.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_written_workbooks_read_the_same_by_both_readers(tmp_path, monkeypatch):
    """The template of the prevention example: every cell, fast path against parser."""
    from appraisal import example_path, load_case
    from appraisal.outputs.excel_template import write_template

    path = write_template(tmp_path / "t.xlsx", load_case(example_path("prevention")))
    grid = open_grid(path)
    for title in grid.sheet_names:
        fast = dict(open_grid(path).sheet(title).cells)
        with monkeypatch.context() as m:
            m.setattr(excel_grid, "_scan_plain_sheet", lambda data, strings, **_: None)
            slow = dict(open_grid(path).sheet(title).cells)
        assert fast == slow, title


@given(st.lists(_NUMBER, max_size=30))
def test_float_texts_are_shortest_and_read_back_exactly(values):
    texts = _float_texts(np.asarray(values, dtype=float))
    assert len(texts) == len(values)
    for text, value in zip(texts, values, strict=True):
        assert float(text) == value
        assert not text.endswith(".0")
        assert text != "-0"
        # Python's shortest repr, without a trailing ".0" (whole numbers as integers)
        assert text == repr(value + 0.0).removesuffix(".0")
