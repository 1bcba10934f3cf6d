"""Excel cell addresses: column letters and ``Sheet!Cell`` references.

Shared by everything that names a cell: the readers' located messages (``Lines!C7``), the
writers' formulas, and the unit-value packs read from workbooks. Pure text; no openpyxl.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from appraisal.errors import AppraisalValidationError, Issue

__all__ = ["cell_ref", "column_letter", "quote_sheet"]

#: Excel's grid: 1,048,576 rows and 16,384 columns (XFD).
MAX_ROW = 1_048_576
MAX_COLUMN = 16_384

_SIMPLE_SHEET = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
LOOKS_LIKE_REF = re.compile(r"(?i)([A-Z]{1,3}[0-9]+|R[0-9]*C[0-9]*|R[0-9]*|C[0-9]*)")


def column_letter(col: int) -> str:
    """Excel column letters of a 1-based column number.

    Examples
    --------
    >>> column_letter(1), column_letter(26), column_letter(28), column_letter(16384)
    ('A', 'Z', 'AB', 'XFD')
    """
    if isinstance(col, bool) or not (isinstance(col, int) and 1 <= col <= MAX_COLUMN):
        msg = f"column must be 1..{MAX_COLUMN} (got {col!r})"
        raise ValueError(msg)
    return _letters(col)


@lru_cache(maxsize=MAX_COLUMN)
def _letters(col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def quote_sheet(title: str) -> str:
    """Quote a sheet name for a reference only when Excel needs it.

    Examples
    --------
    >>> quote_sheet("Results"), quote_sheet("Cost lines"), quote_sheet("A1")
    ('Results', "'Cost lines'", "'A1'")
    """
    if _SIMPLE_SHEET.fullmatch(title) and not LOOKS_LIKE_REF.fullmatch(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def cell_ref(sheet: Any, row: int, col: int) -> str:
    """Excel-style location of a cell for messages, e.g. ``Results!B4``.

    ``sheet`` is a sheet name or anything with a ``title`` (an openpyxl worksheet).

    Examples
    --------
    >>> cell_ref("Results", 4, 2)
    'Results!B4'
    >>> cell_ref("Cost lines", 1, 28)
    "'Cost lines'!AB1"
    """
    title = sheet if isinstance(sheet, str) else sheet.title
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in (row, col)) or not (
            1 <= row <= MAX_ROW and 1 <= col <= MAX_COLUMN):
        msg = (f"cell position must be row 1..{MAX_ROW} and column 1..{MAX_COLUMN} "
               f"(got row={row!r}, col={col!r} on sheet {title!r})")
        raise AppraisalValidationError([Issue("bad-cell-position", msg, title)], source=title)
    return f"{quote_sheet(title)}!{column_letter(col)}{row}"
