"""Safe cell writers: user text stays text, numbers are finite, formulas carry their value.

openpyxl turns any string that starts with ``=`` into a formula and ``'#N/A'`` into an
error cell, writes NaN and infinities as blank cells, truncates text at 32,767
characters and writes formulas with an empty cached value. The writers here close
those gaps:

- :func:`write_text` always stores user text as a text cell (``=cmd|...`` stays inert)
  and refuses over-long text or characters Excel rejects;
- :func:`write_number` refuses NaN, infinities and non-numbers, naming the cell;
- :func:`write_formula` writes a formula and records its cached value, which
  :func:`appraisal.outputs.xlsx_render.save_workbook` inserts on saving;
- :func:`check_text` and :func:`check_number` apply the same checks to values written
  any other way (e.g. :mod:`appraisal.outputs.excel_stream`).

The records of formulas and inert texts are kept per worksheet, outside openpyxl's
objects (its cells have ``__slots__``), and read by :mod:`appraisal.outputs.xlsx_render`.
"""

from __future__ import annotations

import math
import numbers
import re
import weakref
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NoReturn

from appraisal.cells import cell_ref, encode_xstring
from appraisal.errors import AppraisalValidationError, Issue
from appraisal.limits import EXCEL_CELL_CHARS

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell

__all__ = [
    "MAX_CELL_CHARS",
    "MAX_EXCEL_NUMBER",
    "MAX_FORMULA_CHARS",
    "cell_ref",
    "check_number",
    "check_text",
    "write_formula",
    "write_number",
    "write_text",
]

#: Excel's limit on the characters in one cell (UTF-16 code units): the one in
#: :mod:`appraisal.limits`.
MAX_CELL_CHARS = EXCEL_CELL_CHARS
#: Largest magnitude Excel stores (its specifications and limits); nearer DBL_MAX,
#: openpyxl's 16-digit output would even read back as infinity.
MAX_EXCEL_NUMBER = 9.99999999999999e307
#: Excel's limit on the length of a formula.
MAX_FORMULA_CHARS = 8_192

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
# XML 1.0 forbids these; Excel refuses them in cells.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_NAME_RE = re.compile(r"[A-Za-z_\\][A-Za-z0-9_.\\]*")

# Per-worksheet records, kept outside openpyxl's objects (cells have __slots__).
_FORMULAS: weakref.WeakKeyDictionary[Any, dict[str, tuple[str, str, str | None]]] = (
    weakref.WeakKeyDictionary())
_INERT_TEXT: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()



def _where(cell: Cell) -> str:
    return cell_ref(cell.parent, cell.row, cell.column)


def _refuse(where: str, field: str, code: str, message: str, fix: str) -> NoReturn:
    raise AppraisalValidationError([Issue(code, message, where, field, fix)], source=where)


def _clean_text(text: Any, where: str, field: str, what: str = "text") -> str:
    """Check text for Excel and normalise line endings (XML turns CR into LF anyway)."""
    if not isinstance(text, str):
        _refuse(where, field, "not-text", f"expected {what} (str), got {type(text).__name__} "
                f"{text!r}", "pass the value as a string")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = _ILLEGAL.search(text)
    if bad:
        _refuse(where, field, "illegal-character",
                f"{what} contains the character U+{ord(bad.group()):04X} at position "
                f"{bad.start()}, which Excel does not accept", "remove control characters")
    units = len(text.encode("utf-16-le", "surrogatepass")) // 2
    if units > MAX_CELL_CHARS:
        _refuse(where, field, "text-too-long",
                f"{what} is {units:,} characters long; an Excel cell holds at most "
                f"{MAX_CELL_CHARS:,}", "shorten it or put the full text in a separate file")
    return text


def write_text(cell: Cell, value: str, *, field: str = "") -> str:
    """Store user text in *cell* as a text cell, never as a formula or error value.

    Line endings are normalised to ``\\n`` (XML would turn a CR into LF on
    reading anyway), so the returned string is exactly what reads back.

    Parameters
    ----------
    cell : openpyxl.cell.Cell
        Target cell.
    value : str
        The text. Texts starting with ``=``, ``+``, ``-``, ``@``, tab or CR stay text.
    field : str, optional
        Field path for error messages, e.g. ``options[2].name``.

    Returns
    -------
    str
        The text stored.

    Raises
    ------
    AppraisalValidationError
        Not a string, longer than 32,767 characters, or holding a control
        character Excel rejects; located at ``Sheet!Cell``.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> sheet = Workbook().active
    >>> write_text(sheet["A1"], '=HYPERLINK("http://example.invalid","x")')
    '=HYPERLINK("http://example.invalid","x")'
    >>> sheet["A1"].data_type
    's'
    >>> write_text(sheet["A2"], "bell\\x07", field="options[0].name")
    Traceback (most recent call last):
    ...
    appraisal.errors.AppraisalValidationError: Sheet!A2: 1 problem
      Sheet!A2: error [illegal-character] options[0].name: text contains the character U+0007 ...
    """
    text = _clean_text(value, _where(cell), field)
    cell.value = text
    cell.data_type = "s"  # openpyxl made "=..." a formula and "#N/A" an error: undo that
    if text.startswith(_TRIGGERS):
        _INERT_TEXT.setdefault(cell.parent, set()).add(cell.coordinate)
    _forget_formula(cell)
    return text


def _finite_number(value: Any, where: str, field: str, what: str = "number") -> int | float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        _refuse(where, field, "not-a-number", f"expected a {what}, got "
                f"{type(value).__name__} {value!r}", "pass an int or float")
    number = int(value) if isinstance(value, numbers.Integral) else float(value)
    if isinstance(number, float) and not math.isfinite(number):
        _refuse(where, field, "non-finite-number",
                f"{what} is {number!r}; NaN and infinities cannot be written to a workbook "
                "(openpyxl would leave the cell blank)",
                "find where the non-finite value comes from (e.g. a division by zero)")
    if abs(number) > MAX_EXCEL_NUMBER:
        _refuse(where, field, "number-too-large",
                f"{what} is {Decimal(number):.6g}; Excel cannot hold numbers beyond "
                f"±{MAX_EXCEL_NUMBER:g}", "check the units or the scale of this value")
    return number


def write_number(cell: Cell, value: numbers.Real, *, field: str = "") -> int | float:
    """Store a finite number in *cell*, refusing NaN, infinities, booleans and text.

    openpyxl writes floats with 16 significant digits, so a value reads back
    within a relative 1e-15 of what was written.

    Raises
    ------
    AppraisalValidationError
        Located at ``Sheet!Cell`` and naming *field*.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> sheet = Workbook().active
    >>> sheet.title = "Results"
    >>> write_number(sheet["B4"], 1250.5)
    1250.5
    >>> write_number(sheet["B5"], float("nan"), field="npsv")
    Traceback (most recent call last):
    ...
    appraisal.errors.AppraisalValidationError: Results!B5: 1 problem
      Results!B5: error [non-finite-number] npsv: number is nan; NaN and infinities ...
    """
    number = _finite_number(value, _where(cell), field)
    cell.value = number
    _forget_formula(cell)
    return number


def _cached_xml(value: Any, where: str, field: str) -> tuple[str, str | None]:
    """The ``<v>`` text and ``t`` attribute for a formula's cached value."""
    if isinstance(value, bool):
        return ("1" if value else "0"), "b"
    if isinstance(value, str):  # ``_xHHHH_`` escaped as in text cells, so it reads back
        return encode_xstring(_clean_text(value, where, field, "cached value")), "str"
    number = _finite_number(value, where, field, "cached value")
    if isinstance(number, int) and abs(number) < 2**53:
        return str(number), None
    return repr(float(number)), None  # shortest text that reads back to the same double


def write_formula(cell: Cell, formula: str, cached_value: Any, *, field: str = "") -> None:
    """Write a live formula in *cell* together with the value it evaluates to.

    The cached value is what viewers that do not calculate will show; it is
    inserted when the workbook is saved with :func:`save_workbook` (a plain
    ``Workbook.save`` writes the formula without it).

    Parameters
    ----------
    cell : openpyxl.cell.Cell
        Target cell.
    formula : str
        Formula text, with or without the leading ``=``, e.g. ``"=SUM(B2:B9)"``.
    cached_value : int, float, bool or str
        The formula's value as the toolkit computed it; must be finite.
    field : str, optional
        Field path for error messages.

    Raises
    ------
    AppraisalValidationError
        Empty or over-long formula, or a cached value that is NaN, infinite or
        not a number, bool or text.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> sheet = Workbook().active
    >>> write_formula(sheet["C2"], "=A2*B2", 6.0)
    >>> sheet["C2"].value, sheet["C2"].data_type
    ('=A2*B2', 'f')
    """
    where = _where(cell)
    body = _clean_text(formula, where, field, "formula").removeprefix("=")
    if not body.strip() or len(body) + 1 > MAX_FORMULA_CHARS:
        _refuse(where, field, "bad-formula", f"formula must be 1 to {MAX_FORMULA_CHARS - 1:,} "
                f"characters after '=' (got {len(body):,})", "check the formula text")
    text, kind = _cached_xml(cached_value, where, field)
    cell.value = "=" + body
    _FORMULAS.setdefault(cell.parent, {})[cell.coordinate] = (body, text, kind)
    _INERT_TEXT.get(cell.parent, set()).discard(cell.coordinate)


def _forget_formula(cell: Cell) -> None:
    records = _FORMULAS.get(cell.parent)
    if records:
        records.pop(cell.coordinate, None)



def check_text(text: Any, where: str, field: str = "", what: str = "text") -> str:
    """Check user text before it is written anywhere but through :func:`write_text`.

    Returns the text with line endings normalised; raises like :func:`write_text`.

    Examples
    --------
    >>> check_text("a\\r\\nb", "Lines!A3")
    'a\\nb'
    """
    return _clean_text(text, where, field, what)


def check_number(value: Any, where: str, field: str = "", what: str = "number") -> int | float:
    """Check a number before it is written anywhere but through :func:`write_number`.

    Examples
    --------
    >>> check_number(2.5, "Lines!B3")
    2.5
    """
    return _finite_number(value, where, field, what)
