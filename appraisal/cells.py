"""Excel cell addresses (column letters, ``Sheet!Cell`` references) and cell text escapes.

Shared by everything that names a cell: the readers' located messages (``Lines!C7``), the
writers' formulas, and the unit-value packs read from workbooks. Pure text; no openpyxl.
"""

from __future__ import annotations

import contextlib
import gc
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from appraisal.errors import AppraisalValidationError, Issue

__all__ = ["cell_ref", "column_letter", "decode_xstring", "encode_xstring", "no_gc",
           "quote_sheet"]

#: Excel's grid: 1,048,576 rows and 16,384 columns (XFD).
MAX_ROW = 1_048_576
MAX_COLUMN = 16_384

_SIMPLE_SHEET = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
LOOKS_LIKE_REF = re.compile(r"(?i)([A-Z]{1,3}[0-9]+|R[0-9]*C[0-9]*|R[0-9]*|C[0-9]*)")
_XSTRING = re.compile(r"_x([0-9A-Fa-f]{4})_")
#: An underscore that starts an escape; escapes may overlap (``_x005F_x0041_``).
_LEADS_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")


def decode_xstring(text: str) -> str:
    r"""Decode the ``_xHHHH_`` escapes of an OOXML string (ECMA-376 Part 1, 22.9.2.19
    ``ST_Xstring``), as Excel shows the cell.

    Excel writes a character XML 1.0 cannot hold, and a carriage return, as ``_x`` and its
    UTF-16 code in four hex digits and ``_`` (``_x000D_``), and keeps a literal ``_xHHHH_``
    by escaping its first underscore (``_x005F_x000D_`` is the text ``_x000D_``). One
    left-to-right pass decodes both; a pair of escaped surrogates is one character. The
    decoded text then meets the case's own rules (a control character in a name is
    refused, located at its cell). openpyxl 3.1 leaves these escapes undecoded in cell
    values (it only drops ``x005F_`` from shared strings); the workbook reader decodes them,
    and :func:`encode_xstring` is the writers' inverse.

    Examples
    --------
    >>> decode_xstring("Line one_x000D_")
    'Line one\r'
    >>> decode_xstring("_x005F_x000D_ is the escape of a carriage return")
    '_x000D_ is the escape of a carriage return'
    >>> decode_xstring("tab_x0009_bell_x0007_, _xD83D__xDE00_ and _x00e9_")
    'tab\tbell\x07, 😀 and é'
    >>> decode_xstring("_x12_ and _xZZZZ_ stay as written")
    '_x12_ and _xZZZZ_ stay as written'
    """
    if "_x" not in text:
        return text
    decoded = _XSTRING.sub(lambda m: chr(int(m.group(1), 16)), text)
    if any("\ud800" <= ch <= "\udfff" for ch in decoded):
        # UTF-16 code units: join surrogate pairs; a lone one becomes U+FFFD
        decoded = decoded.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return decoded


def encode_xstring(text: str) -> str:
    r"""Escape the first underscore of every ``_xHHHH_`` in a text to be written to a cell,
    so Excel (and :func:`decode_xstring`) read the text back as written.

    Examples
    --------
    >>> encode_xstring("literal _x000D_ here")
    'literal _x005F_x000D_ here'
    >>> encode_xstring("_x005F_x0041_")
    '_x005F_x005F_x005F_x0041_'
    >>> decode_xstring(_) == "_x005F_x0041_"
    True
    >>> encode_xstring("no escapes_x12_")
    'no escapes_x12_'
    """
    return _LEADS_ESCAPE.sub("_x005F_", text) if "_x" in text else text


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


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building large grids of cells.

    Building a million small objects triggers many collections that find nothing to
    free (cells hold no reference cycles); pausing them saves a large share of the time.
    Reference counting still frees memory as usual. (Here rather than with the workbook
    reader, so the writers use it without importing the reader.)

    Examples
    --------
    >>> with no_gc():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
