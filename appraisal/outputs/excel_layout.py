"""Readable results sheets: column widths from content, printing, and words for headers.

The results workbook's sheets are built cell by cell as XML (:class:`SheetData`), so the
width a column needs is measured here from the cells as written: each cell's text, or
its number as its number format shows it (``#,##0`` shows 1234567.8 as ``1,234,568``).
A column is made wide enough for its widest cell (never ``###``), within bounds, and
:func:`print_setup` sets landscape pages, one page wide, repeated header rows (and
columns), the print area and frozen panes.

The headers and sheet names of tables that come from data frames are given in words
(:data:`HEADERS`, :func:`lens_title`), and each column's number format by what it holds
(:data:`FORMATS`): money as ``£#,##0``, shares as percentages, ratios to 2 d.p.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from appraisal.cells import column_letter
from appraisal.outputs.excel_stream import SheetData
from appraisal.outputs.xlsx_furniture import page_fit

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from appraisal.outputs.excel_book import BookBuilder

__all__ = ["FORMATS", "HEADERS", "MONEY", "PERCENT", "RATIO", "content_widths",
           "fit_columns", "lens_title", "print_setup", "shown"]

#: Number formats of the results sheets.
MONEY = "£#,##0;-£#,##0"
PERCENT = "0.00%"
RATIO = "0.00"

#: Column headers in words, by data-frame column (switching values, parameters, lenses).
HEADERS: dict[str, str] = {
    "target": "Applies to", "subject": "Line or input", "option": "Option",
    "test": "Test", "change": "Change needed", "pv": "Present value (£)", "note": "Note",
    "table_name": "Parameter table", "basis": "Basis", "year": "Year", "value": "Value",
    "unit": "Unit", "price_year": "Price year", "source": "Source", "edition": "Edition",
    "table": "Source table", "confidence": "Confidence", "vintages": "Green Book vintages",
    "notes": "Notes", "origin": "Row in the data file", "pack": "Pack",
    "replaced_value": "Shipped value replaced", "replaced_origin": "Replaced row",
    "code": "Code", "project_type": "Project type", "label": "Label", "measure": "Measure",
    "bound": "Bound", "variant": "Variant", "schedule": "Schedule",
    "from_t": "From year t", "to_t": "To year t", "rule": "Rule", "category": "Category",
    "bcr_from": "BCR from", "bcr_to": "BCR to", "impact": "Impact", "score": "Score",
    "description": "Description", "evidence": "Evidence", "name": "Name", "line": "Line",
    "criterion": "Criterion", "weight": "Weight", "rank": "Rank", "group": "Group",
}
#: Number format of a data-frame column by its name (others: General, or text).
FORMATS: dict[str, str] = {"pv": MONEY, "change": PERCENT, "bcr_from": RATIO,
                           "bcr_to": RATIO, "weight": PERCENT}
#: Sheet titles of the lenses' tables.
_LENS_TITLES = {"non_monetised": "Non-monetised impacts", "mca": "Multi-criteria analysis",
                "long_list": "Long list", "distributional": "Distribution",
                "valuation": "Valuation", "public_value": "Public value ledger",
                "uncertainty": "Uncertainty"}

_CELL = re.compile(r'<c r="([A-Z]+)(\d+)" s="(\d+)"(?: t="(\w+)")?>(.*?)</c>', re.S)
_TEXT = re.compile(r"<t[^>]*>(.*?)</t>", re.S)
_VALUE = re.compile(r"<v>(.*?)</v>", re.S)


def lens_title(name: str) -> str:
    """The sheet title of a lens table, in words (at most 31 characters).

    Examples
    --------
    >>> lens_title("non_monetised"), lens_title("some_new_lens")
    ('Non-monetised impacts', 'Some new lens')
    """
    return _LENS_TITLES.get(name, name.replace("_", " ").capitalize())[:31]


def header(name: str) -> str:
    """A data-frame column's header in words (``pv`` is ``Present value (£)``).

    Examples
    --------
    >>> header("pv"), header("npsv_low")
    ('Present value (£)', 'Npsv low')
    """
    return HEADERS.get(name, name.replace("_", " ").capitalize())


def shown(value: float, number_format: str) -> str:
    """How a number format shows *value* (enough of Excel's rules to measure widths).

    Examples
    --------
    >>> shown(-8866427.169, MONEY), shown(0.9672, PERCENT), shown(1.95412, RATIO)
    ('-£8,866,427', '96.72%', '1.95')
    >>> shown(2025, "0"), shown(0.123456789, "General"), shown(-1e300, '"(none)"')
    ('2025', '0.123456789', '(none)')
    """
    fmt = number_format.split(";")[0]
    if fmt.startswith('"') and fmt.endswith('"'):
        return fmt[1:-1]  # a literal, e.g. "(none)"
    if fmt in ("General", "@", ""):
        text = f"{value:.10g}"
        return text if len(text) <= 11 else f"{value:.5E}"
    if "%" in fmt:
        value *= 100
    decimals = len(fmt.split(".")[1].rstrip("%").rstrip()) if "." in fmt else 0
    body = f"{abs(value):,.{decimals}f}" if "," in fmt else f"{abs(value):.{decimals}f}"
    prefix = "£" if "£" in fmt else ""
    return ("-" if value < 0 and float(body.replace(",", "")) != 0 else "") + prefix + body + (
        "%" if "%" in fmt else "")


def _styles(book: BookBuilder) -> dict[int, Any]:
    return {i: style for style, i in book._styles._ids.items()}


def content_widths(book: BookBuilder, data: SheetData, *, skip_rows: Iterable[int] = ()
                   ) -> dict[int, float]:
    """Width (in characters) each column's widest cell needs, as shown.

    Wrapped text counts its longest word (it wraps within the column); bold and larger
    text count wider. A number cell in a fixed format (anything but ``General`` and
    literal text) is as wide as its column's largest or most negative value in that
    format shows (the shown width never falls as the magnitude grows), so only those two
    are formatted (for the runs of numbers written in bulk, :meth:`SheetData.runs`, the
    extremes are taken over whole arrays); ``General`` cells are formatted one by one,
    and a cell equal to one already measured but for its reference is not measured again.
    """
    skip = set(skip_rows)
    styles = _styles(book)
    out: dict[int, float] = {}
    # (column, style id) -> [largest, smallest] number in a fixed format
    extremes: dict[tuple[int, int], list[float]] = {}
    fixed: dict[int, bool] = {}
    # a cell's XML after its reference (style, type, value) -> its width
    seen: dict[str, float | None] = {}

    def is_fixed(sid: int) -> bool:
        found = fixed.get(sid)
        if found is None:
            style = styles.get(sid)
            fmt = (style.number_format if style is not None else "General").split(";")[0]
            found = fixed[sid] = not (fmt in ("General", "@", "") or (
                fmt.startswith('"') and fmt.endswith('"')))
        return found

    def measure(col: int, xml: str) -> None:
        key = xml[xml.find('"', 6):]
        width = seen.get(key, -1.0)
        if width == -1.0:
            width = seen[key] = _cell_width(xml, styles)
        if width is not None and width > out.get(col, 0.0):
            out[col] = width

    for row, cells in data._rows.items():
        if row in skip:
            continue
        for col, xml in cells:
            if xml.endswith("</v></c>") and ' t="' not in xml and xml.startswith('<c r="'):
                at = xml.find(' s="')
                if at >= 0:  # a number cell (with or without a formula)
                    sid = int(xml[at + 4:xml.index('"', at + 4)])
                    if is_fixed(sid):
                        try:
                            value = float(xml[xml.rindex("<v>") + 3:-8])
                        except ValueError:
                            pass  # not a number: measured as text below
                        else:
                            pair = extremes.get((col, sid))
                            if pair is None:
                                extremes[(col, sid)] = [value, value]
                            elif value > pair[0]:
                                pair[0] = value
                            elif value < pair[1]:
                                pair[1] = value
                            continue
            measure(col, xml)
    # runs in a fixed format: extremes by column over all their rows at once
    blocks: dict[tuple[int, int, int], list[np.ndarray]] = {}
    for row, col, sid, values, xml in data.runs():
        if row in skip:
            continue
        if is_fixed(sid):
            blocks.setdefault((col, values.size, sid), []).append(values)
        else:  # General: cell by cell
            for k, cell in enumerate(xml.split("</c>")[:-1]):
                measure(col + k, cell + "</c>")
    for (col, _, sid), arrays in blocks.items():
        block = np.vstack(arrays) + 0.0  # -0.0 is written (and measured) as 0
        for k, (hi, lo) in enumerate(zip(block.max(axis=0).tolist(),
                                         block.min(axis=0).tolist(), strict=True)):
            pair = extremes.get((col + k, sid))
            if pair is None:
                extremes[(col + k, sid)] = [hi, lo]
            else:
                pair[0], pair[1] = max(pair[0], hi), min(pair[1], lo)
    for (col, sid), pair in extremes.items():
        style = styles.get(sid)
        scale = 1.0 if style is None else (1.1 if style.bold else 1.0) * ((style.size or 11) / 11)
        fmt = style.number_format if style is not None else "General"
        width = max(len(shown(value, fmt)) for value in pair) * scale
        out[col] = max(out.get(col, 0.0), width)
    return out


def _cell_width(xml: str, styles: Mapping[int, Any]) -> float | None:
    """Width one cell's XML needs as shown, or None (not a cell with a value)."""
    match = _CELL.match(xml)
    if match is None:
        return None
    style = styles.get(int(match.group(3)))
    kind, body = match.group(4), match.group(5)
    text = ""
    if kind == "inlineStr":
        found = _TEXT.search(body)
        text = html.unescape(found.group(1)) if found else ""
        if style is not None and style.wrap:
            text = max(text.split(), key=len, default="")
    elif kind == "str" or kind == "e" or kind == "b":
        found = _VALUE.search(body)
        text = html.unescape(found.group(1)) if found else ""
    else:
        found = _VALUE.search(body)
        if found is None:
            return None
        try:
            text = shown(float(found.group(1)),
                         style.number_format if style is not None else "General")
        except ValueError:
            text = found.group(1)
    width = float(len(text))
    if style is not None:
        width *= (1.1 if style.bold else 1.0) * ((style.size or 11) / 11)
    return width


def fit_columns(book: BookBuilder, ws: Worksheet, data: SheetData, *,
                skip_rows: Iterable[int] = (1, 2), minimum: float = 8.0,
                maximum: float = 60.0, fixed: Mapping[int, float] | None = None) -> None:
    """Set each column's width from its content (plus padding), within bounds.

    ``skip_rows`` are left out of the measure (the title and caption, which may run over
    empty neighbours); ``fixed`` widths win.
    """
    widths = content_widths(book, data, skip_rows=skip_rows)
    for col, need in widths.items():
        ws.column_dimensions[column_letter(col)].width = round(
            min(maximum, max(minimum, need + 3.0)), 1)
    for col, width in (fixed or {}).items():
        ws.column_dimensions[column_letter(col)].width = width


def print_setup(ws: Worksheet, data: SheetData, *, title_rows: str = "", title_cols: str = "",
                fit_width: bool = True, freeze: str | None = None) -> None:
    """Landscape A4, one page wide (``fit_width``), repeated titles, print area, panes."""
    page_fit(ws, title_rows=title_rows, fit_width=fit_width)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    if title_cols:
        ws.print_title_cols = title_cols
    ws.print_area = f"A1:{column_letter(max(data.max_col, 1))}{max(data.max_row, 1)}"
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddFooter.center.text = "&A, page &P of &N"
    if freeze:
        ws.freeze_panes = freeze


def wrapped_lines(text: str, width: float) -> int:
    """Lines a wrapped cell of *width* characters needs for *text* (bold counts wider).

    Examples
    --------
    >>> wrapped_lines("NPSV against business as usual", 14), wrapped_lines("NPSV", 14)
    (3, 1)
    """
    import textwrap

    text, chars = str(text), max(1, int(width * 1.1 - 2))
    if len(text) <= chars and "\t" not in text:  # one line (textwrap: one, or none)
        return 1
    return max(1, len(textwrap.wrap(text, chars)))


def fit_row_height(ws: Worksheet, data: SheetData, row: int, texts: Mapping[int, str], *,
                   line: float = 13.0) -> None:
    """Set *row*'s height so that its wrapped *texts* (by column) show in full."""
    lines = 1
    for col, text in texts.items():
        width = ws.column_dimensions[column_letter(col)].width or 8.43
        lines = max(lines, wrapped_lines(text, width))
    data.height(row, line * lines + 2)
