"""Workbook furniture: named styles, defined names, drop-downs, panes, page fit, protection.

Finance teams' conventions (FAST): inputs in one named style (blue text on a light
fill), calculations in another (plain black); named ranges for key inputs; drop-down
lists where a value must come from a list; frozen headers; parameter sheets protected
against accidental edits (a guard rail, not security).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from appraisal.cells import LOOKS_LIKE_REF, cell_ref, quote_sheet
from appraisal.outputs.xlsx_write import _refuse

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.cell.cell import Cell
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "CALCULATION_STYLE",
    "INPUT_STYLE",
    "add_dropdown",
    "define_name",
    "freeze_header",
    "page_fit",
    "protect_sheet",
    "style_calculation",
    "style_input",
]

#: Named style for input cells (FAST: inputs stand out by fill; blue font by convention).
INPUT_STYLE = "Appraisal input"
#: Named style for calculated cells (plain black).
CALCULATION_STYLE = "Appraisal calculation"

_INPUT_FILL, _INPUT_FONT, _CALC_FONT = "FFFFF2CC", "FF0000FF", "FF000000"
_NAME_RE = re.compile(r"[A-Za-z_\\][A-Za-z0-9_.\\]*")


def _iter_cells(cells: Any) -> Iterator[Cell]:
    """Flatten a cell, a row of cells or a block (``sheet["A1:B3"]``) into cells."""
    if hasattr(cells, "coordinate"):
        yield cells
        return
    for item in cells:
        yield from _iter_cells(item)


def _ensure_style(workbook: Workbook, name: str) -> str:
    from openpyxl.styles import Font, NamedStyle, PatternFill

    if name not in workbook.style_names:
        style = NamedStyle(name=name)
        if name == INPUT_STYLE:
            style.font = Font(color=_INPUT_FONT)
            style.fill = PatternFill("solid", start_color=_INPUT_FILL, end_color=_INPUT_FILL)
        else:
            style.font = Font(color=_CALC_FONT)
        workbook.add_named_style(style)
    return name


def style_input(cells: Any) -> None:
    """Mark cells as inputs: named style ``Appraisal input`` (blue text on a light fill).

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> sheet = Workbook().active
    >>> style_input(sheet["B2:B3"])
    >>> sheet["B3"].style, sheet["B3"].fill.fgColor.rgb
    ('Appraisal input', 'FFFFF2CC')
    """
    for cell in _iter_cells(cells):
        cell.style = _ensure_style(cell.parent.parent, INPUT_STYLE)


def style_calculation(cells: Any) -> None:
    """Mark cells as calculations: named style ``Appraisal calculation`` (black, no fill).

    Examples
    --------
    >>> import openpyxl
    >>> cell = openpyxl.Workbook().active["C2"]
    >>> style_calculation(cell)
    >>> cell.style
    'Appraisal calculation'
    """
    for cell in _iter_cells(cells):
        cell.style = _ensure_style(cell.parent.parent, CALCULATION_STYLE)


def define_name(workbook: Workbook, name: str, sheet: Worksheet, ref: str) -> DefinedName:
    """Add a workbook-scoped named range, e.g. ``discount_rate`` -> ``'Parameters'!$B$4``.

    Raises
    ------
    AppraisalValidationError
        If *name* breaks Excel's rules (letters, digits, ``_`` and ``.``; not a
        cell reference; at most 255 characters) or is already defined.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> book = Workbook()
    >>> book.active.title = "Parameters"
    >>> define_name(book, "discount_rate", book.active, "B4").attr_text
    'Parameters!$B$4'
    >>> define_name(book, "AB12", book.active, "B5")
    Traceback (most recent call last):
    ...
    appraisal.errors.AppraisalValidationError: defined names: 1 problem
      defined names: error [bad-defined-name] AB12: ...
    """
    from openpyxl.utils import absolute_coordinate, range_boundaries
    from openpyxl.workbook.defined_name import DefinedName

    problem = None
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name) or len(name) > 255:
        problem = "must start with a letter or '_' and hold only letters, digits, '_' and '.'"
    elif LOOKS_LIKE_REF.fullmatch(name):
        problem = "looks like a cell reference, which Excel does not allow as a name"
    elif name.lower() in (n.lower() for n in workbook.defined_names):
        problem = "is already defined in this workbook"
    if problem:
        _refuse("defined names", str(name), "bad-defined-name", f"name {name!r} {problem}",
                "choose another name, e.g. 'discount_rate'")
    try:
        range_boundaries(ref)
        target = f"{quote_sheet(sheet.title)}!{absolute_coordinate(ref)}"
    except (ValueError, TypeError):
        _refuse("defined names", name, "bad-defined-name", f"range {ref!r} is not a cell or "
                "range reference", "give a reference like 'B4' or 'B4:B20'")
    defined = DefinedName(name, attr_text=target)
    workbook.defined_names[name] = defined
    return defined


def add_dropdown(
    sheet: Worksheet,
    cells: str,
    choices: Sequence[str] | None = None,
    *,
    source: str | None = None,
    allow_blank: bool = True,
) -> DataValidation:
    """Add a drop-down list (list data validation) to *cells* of *sheet*.

    Give either *choices* (written into the rule: no commas or double quotes,
    at most 255 characters in all) or *source*, a range or defined name
    holding the choices (e.g. ``"Lists!$A$2:$A$9"``).

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> sheet = Workbook().active
    >>> add_dropdown(sheet, "C2:C50", ["cost", "benefit"]).formula1
    '"cost,benefit"'
    """
    from openpyxl.worksheet.datavalidation import DataValidation

    where = f"{sheet.title}!{cells}"
    if (choices is None) == (source is None):
        _refuse(where, "choices", "bad-dropdown", "give exactly one of choices or source",
                "pass choices=[...] or source='Sheet!$A$1:$A$9'")
    if choices is not None:
        bad = [c for c in choices if not isinstance(c, str) or not c or set(c) & {",", '"'}]
        formula = '"' + ",".join(map(str, choices)) + '"'
        if bad or not choices or len(formula) > 257:
            _refuse(where, "choices", "bad-dropdown",
                    f"in-cell choices must be non-empty texts without commas or double quotes, "
                    f"255 characters at most in all (got {list(choices)!r})",
                    "put the choices in a range and pass source=")
        listed = "; ".join(choices)
    else:
        formula = str(source).removeprefix("=")
        listed = f"the list in {source}"
    rule = DataValidation(type="list", formula1=formula, allow_blank=allow_blank,
                          showErrorMessage=True, errorTitle="Not in the list",
                          error=f"Choose one of: {listed}"[:255])
    sheet.add_data_validation(rule)
    rule.add(cells)
    return rule


def freeze_header(sheet: Worksheet, rows: int = 1, cols: int = 0) -> None:
    """Keep the first *rows* rows and *cols* columns in view while scrolling.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> sheet = Workbook().active
    >>> freeze_header(sheet, rows=2, cols=1)
    >>> sheet.freeze_panes
    'B3'
    """
    sheet.freeze_panes = cell_ref(sheet, rows + 1, cols + 1).rsplit("!", 1)[1]


def page_fit(ws: Worksheet, *, title_rows: str = "", fit_width: bool = True) -> None:
    """Landscape, one page wide when ``fit_width``, rows ``title_rows`` on every printed page.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> ws = Workbook().active
    >>> page_fit(ws, title_rows="1:2")
    >>> ws.page_setup.orientation, ws.page_setup.fitToWidth, ws.print_title_rows
    ('landscape', 1, '$1:$2')
    """
    ws.page_setup.orientation = "landscape"
    if fit_width:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows


def protect_sheet(sheet: Worksheet, *, editable: Iterable[str] = ()) -> None:
    """Protect *sheet* against accidental edits, leaving the *editable* ranges unlocked.

    This is a guard rail for parameter sheets, not security: no password is
    set and Excel's sheet protection is easily removed.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> sheet = Workbook().active
    >>> protect_sheet(sheet, editable=["B2:B5"])
    >>> sheet.protection.sheet, sheet["B3"].protection.locked, sheet["A1"].protection.locked
    (True, False, True)
    """
    from openpyxl.styles import Protection

    for ref in editable:
        for cell in _iter_cells(sheet[ref]):
            cell.protection = Protection(locked=False)
    sheet.protection.sheet = True
