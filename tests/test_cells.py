"""Cell addresses (:mod:`appraisal.cells`): the same letters as openpyxl, Excel's limits."""

from __future__ import annotations

import pytest
from openpyxl.utils import column_index_from_string, get_column_letter

from appraisal.cells import cell_ref, column_letter, quote_sheet
from appraisal.errors import AppraisalValidationError


def test_every_column_matches_openpyxl_both_ways():
    """All 16,384 columns of a sheet (Excel's limit is XFD) read back to their number."""
    for col in range(1, 16_385):
        letters = column_letter(col)
        assert letters == get_column_letter(col)
        assert column_index_from_string(letters) == col


@pytest.mark.parametrize("col", [0, -1, 16_385, 2.0, True])
def test_columns_outside_the_grid_are_refused(col):
    with pytest.raises(ValueError, match=r"column must be 1\.\.16384"):
        column_letter(col)


@pytest.mark.parametrize(("title", "quoted"), [
    ("Results", "Results"), ("Cost lines", "'Cost lines'"), ("A1", "'A1'"),
    ("R1C1", "'R1C1'"), ("O'Brien", "'O''Brien'"), ("_meta", "_meta")])
def test_sheet_names_are_quoted_only_when_excel_needs_it(title, quoted):
    assert quote_sheet(title) == quoted


def test_cell_ref_names_the_sheet_and_the_cell():
    assert cell_ref("Lines", 7, 3) == "Lines!C7"
    assert cell_ref("Cost lines", 1_048_576, 16_384) == "'Cost lines'!XFD1048576"


@pytest.mark.parametrize(("row", "col"), [(0, 1), (1, 0), (1_048_577, 1), (1, 16_385)])
def test_cell_ref_outside_the_grid_is_a_located_error(row, col):
    with pytest.raises(AppraisalValidationError, match="bad-cell-position"):
        cell_ref("Lines", row, col)
