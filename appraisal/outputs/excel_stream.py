"""Fast, safe writing of large cell grids into a workbook openpyxl lays out.

openpyxl spends about ten microseconds on every cell it writes, so a 5,000-line,
60-year case (hundreds of thousands of cells, many of them formulas) takes it many
seconds, and it cannot store a formula's cached value at all. Here openpyxl still builds
the workbook's structure (sheets, column widths, frozen panes, drop-downs, names,
protection, styles) with empty data sheets; each data sheet's cells are built by a
:class:`SheetData` as XML text and spliced into the sheet part openpyxl saved.

The same safety rules as :mod:`appraisal.outputs.xlsx_cells` hold, by construction:

- text is always an inline string (``t="inlineStr"``), never a formula or an error value,
  whatever it starts with; over-long text and characters Excel refuses are rejected
  (:func:`~appraisal.outputs.xlsx_cells.check_text`);
- numbers must be finite and within Excel's range (checked for whole arrays at once);
  they are written with ``repr``, the shortest text that reads back to the same double;
- a formula is written together with its cached value (``<f>`` and ``<v>``), so viewers
  that do not calculate still show numbers;
- every spliced part is parsed again before anything is written, and the file is written
  atomically (:func:`~appraisal.outputs.atomic.atomic_write_bytes`).
"""

from __future__ import annotations

import itertools
import math
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.parsers import expat

import numpy as np

from appraisal.cells import column_letter, encode_xstring
from appraisal.errors import AppraisalValidationError, Issue, OutputError
from appraisal.outputs.atomic import PathLike, atomic_write_bytes
from appraisal.outputs.xlsx_cells import (
    MAX_EXCEL_NUMBER,
    MAX_FORMULA_CHARS,
    check_number,
    check_text,
    render_workbook,
    style_calculation,
    style_input,
)
from appraisal.outputs.xlsx_render import formula_cell
from appraisal.outputs.xlsx_render import xml_escape as escape  # (not xml.sax's: startup2)

if TYPE_CHECKING:
    from openpyxl import Workbook

__all__ = ["CellStyle", "SheetData", "StyleBook", "save_with_sheets"]



@dataclass(frozen=True, slots=True)
class CellStyle:
    """A cell style: a base named style (input or calculation) plus formatting.

    ``role`` is ``input`` (named style ``Appraisal input``), ``calc`` (``Appraisal
    calculation``) or ``plain``; input cells are unlocked so a protected sheet stays
    editable where it should.
    """

    role: str = "plain"
    number_format: str = "General"
    bold: bool = False
    italic: bool = False
    size: float | None = None
    color: str | None = None
    fill: str | None = None
    wrap: bool = False
    align: str | None = None
    border: bool = False


class StyleBook:
    """Turns :class:`CellStyle` values into the workbook's cell-format ids (cached).

    openpyxl gives a styled cell an index into the workbook's cell formats; a scratch
    sheet holds the cell while it is styled and is removed again by :meth:`close`.
    """

    def __init__(self, workbook: Workbook) -> None:
        self._workbook = workbook
        self._ids: dict[CellStyle, int] = {}
        self._sheet = workbook.create_sheet("__styles__")

    def id(self, style: CellStyle) -> int:
        """The format id of *style* in this workbook."""
        found = self._ids.get(style)
        if found is not None:
            return found
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

        # a fresh cell per style: openpyxl keeps a reference to the cell's style array
        cell = self._sheet.cell(len(self._ids) + 1, 1)
        if style.role in ("input", "calc"):
            (style_input if style.role == "input" else style_calculation)(cell)
        base_color = {"input": "FF0000FF", "calc": "FF000000"}.get(style.role)
        cell.font = Font(name="Calibri", bold=style.bold, italic=style.italic,
                         size=style.size or 11, color=style.color or base_color)
        if style.fill:
            cell.fill = PatternFill("solid", start_color=style.fill, end_color=style.fill)
        cell.number_format = style.number_format
        if style.wrap or style.align:
            cell.alignment = Alignment(wrap_text=style.wrap, horizontal=style.align,
                                       vertical="top" if style.wrap else None)
        if style.border:
            thin = Side(style="thin", color="FF808080")
            cell.border = Border(bottom=thin)
        cell.protection = Protection(locked=style.role != "input")
        self._ids[style] = cell.style_id
        return self._ids[style]

    def close(self) -> None:
        """Remove the scratch sheet (the formats stay registered)."""
        if self._sheet.title in self._workbook.sheetnames:
            self._workbook.remove(self._sheet)


_LETTERS: list[str] = []


def _letters() -> list[str]:
    """Column letters, index 0 for column 1 (filled on first use).

    Excel's columns are the one-, two- and three-letter words in alphabetical order
    (A..Z, AA..ZZ, AAA..XFD), so they are built as products of the alphabet: a few
    milliseconds, where calling :func:`~appraisal.cells.column_letter` 16,384 times
    took about 40 ms of every workbook written.

    Examples
    --------
    >>> letters = _letters()
    >>> letters == [column_letter(i) for i in range(1, 16385)]
    True
    >>> letters[0], letters[25], letters[26], letters[-1]
    ('A', 'Z', 'AA', 'XFD')
    """
    if not _LETTERS:
        alphabet = string.ascii_uppercase
        words = itertools.chain(alphabet, map("".join, itertools.product(alphabet, repeat=2)),
                                map("".join, itertools.product(alphabet, repeat=3)))
        _LETTERS.extend(itertools.islice(words, 16384))
    return _LETTERS


def _float_texts(values: np.ndarray) -> list[str]:
    """Shortest texts of finite floats that read back to them (integers without ``.0``).

    Made from the list's repr, cut up: one C-level pass for the whole row.

    Examples
    --------
    >>> _float_texts(np.array([2.0, -0.0, 0.1, 1e16, -2.5e-07, 123456.78]))
    ['2', '0', '0.1', '1e+16', '-2.5e-07', '123456.78']
    """
    if not values.size:
        return []
    values = values.astype(np.float64, copy=False)
    key = values.tobytes() if values.size >= _FLOAT_CACHE_MIN else None
    text = _FLOAT_TEXTS.get(key) if key is not None else None
    if text is None:
        # + 0.0 turns -0.0 into 0.0; repr of a list of floats is the shortest text of each
        text = (repr((values + 0.0).tolist())[1:-1] + ", ").replace(".0, ", ", ")
        if key is not None:
            if len(_FLOAT_TEXTS) >= _FLOAT_CACHE_SIZE:
                _FLOAT_TEXTS.clear()
            _FLOAT_TEXTS[key] = text
    return text.split(", ")[:-1]


#: Texts of recent arrays of floats (:func:`_float_texts`), by the arrays' bytes, each as
#: one string: a results workbook writes many arrays twice (a line's amounts on the
#: ``Profiles`` sheet are often its real flows on ``Calculation``), and ``repr`` of a float
#: is the costliest step of writing a number. Bounded; cleared when full and when a
#: workbook has been rendered (:func:`render_with_sheets`).
_FLOAT_TEXTS: dict[bytes, str] = {}
_FLOAT_CACHE_SIZE = 20_000
_FLOAT_CACHE_MIN = 8


def _xml_texts(texts: Sequence[str]) -> list[str]:
    """:func:`_xml_text` of many formulas at once (one pass over their joined text)."""
    joined = "\x00".join(texts)
    if joined.startswith("=") or "\x00=" in joined or joined.count("\x00") != len(texts) - 1:
        return [_xml_text(t) for t in texts]
    if "&" in joined or "<" in joined or ">" in joined:
        joined = joined.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return joined.split("\x00") if texts else []


def _xml_text(text: str) -> str:
    """Formula text as XML character data (without a leading ``=``)."""
    text = text.removeprefix("=")
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


#: Skeletons of rows of formula cells (:meth:`SheetData.formula_pieces`), by (first
#: column, cells, pieces). Bounded; cleared when full.
_SKELETONS: dict[tuple[int, int, int], str] = {}


def _pieces_skeleton(col: int, n: int, k: int) -> str:
    """The XML of *n* formula cells from *col* on, each ``<c r="L\\x1f<f>P0 L P1 .. L
    P(k-1)</f><v>\\x0f</v></c>``: the row's reference and style stand as ``\\x1f``,
    piece *i* as the character ``0x10 + i``, each value as ``\\x0f`` (control
    characters: never in a formula or a value)."""
    key = (col, n, k)
    found = _SKELETONS.get(key)
    if found is None:
        marks = [chr(0x10 + i) for i in range(k)]
        found = "".join(f'<c r="{x}\x1f<f>{x.join(marks)}</f><v>\x0f</v></c>'
                        for x in _letters()[col - 1:col - 1 + n])
        if len(_SKELETONS) >= 64:
            _SKELETONS.clear()
        _SKELETONS[key] = found
    return found


def _refuse(where: str, field: str, code: str, message: str, fix: str) -> AppraisalValidationError:
    return AppraisalValidationError([Issue(code, message, where, field, fix)], source=where)


#: Checked texts and the XML of their cell after its attributes (bounded; cleared when full).
_TEXT_XML: dict[str, str] = {}
_TEXT_CACHE_SIZE = 100_000
#: Checked texts cached by formulas, as written in their ``<v>`` (bounded; cleared when full).
_CACHED_TEXT: dict[str, str] = {}
_SUSPECT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\r\ufffe\uffff\ud800-\udfff]")


def _fast_number(value: Any) -> str | None:
    """Text of a plain finite float or int in Excel's range, or None (check it fully)."""
    kind = type(value)
    if kind is float:
        if math.isfinite(value) and abs(value) <= MAX_EXCEL_NUMBER:
            return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
        return None
    if kind is int and abs(value) < 2**53:
        return str(value)
    return None


def _number_text(value: Any, where: str, field: str) -> str:
    number = check_number(value, where, field)
    if isinstance(number, int) and abs(number) < 2**53:
        return str(number)
    return repr(float(number))


class SheetData:
    """The cells of one data sheet, built as XML text.

    Examples
    --------
    >>> data = SheetData("Lines")
    >>> data.text(3, 1, "=cmd|' /C calc'!A0", 0)
    >>> data.number(3, 2, 2.5, 0)
    >>> data.formula(3, 3, "B3*2", 5.0, 0)
    >>> xml = data.xml().decode()
    >>> '<f>' in xml.split('r="C3"')[1], '<f>' in xml.split('r="A3"')[1].split('</c>')[0]
    (True, False)
    """

    def __init__(self, title: str) -> None:
        self.title = title
        self._rows: dict[int, list[tuple[int, str]]] = {}
        #: Runs of numeric cells written in bulk: row -> [(first column, style, values,
        #: the run's cells as one XML string)]; see :meth:`runs`.
        self._runs: dict[int, list[tuple[int, int, np.ndarray, str]]] = {}
        self._heights: dict[int, float] = {}
        self._prefix: str | None = None
        self.max_col = 1

    def _check_numbers(self, arr: np.ndarray, row: int, col: int, field: str) -> None:
        """Refuse, at its cell, the first value of *arr* (from *col* on) that is not a
        finite number within Excel's range. Two reductions prove a row fine (a NaN makes
        both comparisons false); only a row that is not is looked at value by value."""
        if not arr.size or (arr.max() <= MAX_EXCEL_NUMBER and arr.min() >= -MAX_EXCEL_NUMBER):
            return
        bad = ~np.isfinite(arr) | (np.abs(arr) > MAX_EXCEL_NUMBER)
        k = int(np.flatnonzero(bad)[0])
        _number_text(float(arr[k]), self._where(row, col + k), field)  # raises, located

    def height(self, row: int, points: float) -> None:
        """Set the height of *row* in points (openpyxl's row heights live in the same XML)."""
        self._heights[row] = float(points)
        self._rows.setdefault(row, [])

    def _put(self, row: int, col: int, xml: str) -> None:
        self._rows.setdefault(row, []).append((col, xml))
        if col > self.max_col:
            self.max_col = col

    def _where(self, row: int, col: int) -> str:
        if self._prefix is None:
            from appraisal.cells import cell_ref

            self._prefix = cell_ref(self.title, 1, 1)[:-3]
        return f"{self._prefix}!{column_letter(col)}{row}"

    def text(self, row: int, col: int, value: str, style: int, *, field: str = "") -> None:
        """A text cell (inline string): inert whatever it starts with."""
        body = _TEXT_XML.get(value) if type(value) is str else None
        if body is None:
            if isinstance(value, str) and len(value) < 4096 and not _SUSPECT.search(value):
                text = value  # the common case, checked without building a location
            else:
                text = check_text(value, self._where(row, col), field)
            space = ' xml:space="preserve"' if text != text.strip() else ""
            body = f"<is><t{space}>{escape(encode_xstring(text))}</t></is></c>"
            if type(value) is str and len(value) < 256:  # repeated texts: names, kinds
                if len(_TEXT_XML) >= _TEXT_CACHE_SIZE:
                    _TEXT_XML.clear()
                _TEXT_XML[value] = body
        self._rows.setdefault(row, []).append(
            (col, f'<c r="{(_LETTERS or _letters())[col - 1]}{row}" s="{style}" '
                  f't="inlineStr">{body}'))
        if col > self.max_col:
            self.max_col = col

    def number(self, row: int, col: int, value: Any, style: int, *, field: str = "") -> None:
        """A number cell; NaN, infinities and non-numbers are refused."""
        text = _fast_number(value)
        if text is None:
            text = _number_text(value, self._where(row, col), field)
        self._rows.setdefault(row, []).append(
            (col, f'<c r="{(_LETTERS or _letters())[col - 1]}{row}" s="{style}"><v>{text}</v></c>'))
        if col > self.max_col:
            self.max_col = col

    def numbers(self, row: int, col: int, values: Sequence[float] | np.ndarray, style: int,
                *, field: str = "", skip_zero: bool = False) -> None:
        """Consecutive number cells from *col* on; checked all at once."""
        arr = np.asarray(values, dtype=np.float64)
        self._check_numbers(arr, row, col, field)
        if skip_zero:
            tail = f'{row}" s="{style}"><v>'
            letters = _letters()
            self._rows.setdefault(row, []).extend(
                (c, f'<c r="{letters[c - 1]}{tail}{text}</v></c>')
                for c, value, text in zip(range(col, col + arr.size), arr.tolist(),
                                          _float_texts(arr), strict=True)
                if value != 0.0)
        elif arr.size:
            self._run(row, col, style, arr, ("<v>", _float_texts(arr), "</v></c>"))
        self.max_col = max(self.max_col, col + arr.size - 1)

    def _run(self, row: int, col: int, style: int, values: np.ndarray,
             pieces: tuple[Any, ...]) -> None:
        """Record consecutive cells from *col* on as one XML string (built by slices).

        *pieces* follow each cell's ``<c r=".." s="..">``: constant strings, or lists with
        one text per cell (already escaped).
        """
        n = values.size
        head = f'{row}" s="{style}">'
        parts: list[str] = [""] * (n * (len(pieces) + 3))
        step = len(pieces) + 3
        parts[0::step] = ['<c r="'] * n
        parts[1::step] = _letters()[col - 1:col - 1 + n]
        parts[2::step] = [head] * n
        for k, piece in enumerate(pieces, start=3):
            parts[k::step] = [piece] * n if isinstance(piece, str) else piece
        self._runs.setdefault(row, []).append((col, style, values, "".join(parts)))

    def boolean(self, row: int, col: int, value: bool, style: int) -> None:
        """A TRUE/FALSE cell."""
        self._put(row, col, f'<c r="{column_letter(col)}{row}" s="{style}" t="b">'
                            f"<v>{int(bool(value))}</v></c>")

    def blank(self, row: int, col: int, style: int) -> None:
        """An empty cell that carries a style (e.g. an input cell left for the user)."""
        self._rows.setdefault(row, []).append(
            (col, f'<c r="{(_LETTERS or _letters())[col - 1]}{row}" s="{style}"/>'))
        if col > self.max_col:
            self.max_col = col

    def formula(self, row: int, col: int, formula: str, cached: Any, style: int, *,
                field: str = "") -> None:
        """A live formula with its cached value (number, text or bool)."""
        body = formula.removeprefix("=")
        if not body or len(body) + 1 > MAX_FORMULA_CHARS:
            msg = f"formula must be 1 to {MAX_FORMULA_CHARS - 1} characters (got {len(body)})"
            raise _refuse(self._where(row, col), field, "bad-formula", msg,
                          "check the formula text")
        head = f' r="{(_LETTERS or _letters())[col - 1]}{row}" s="{style}"'
        if isinstance(cached, bool):
            value, kind = str(int(cached)), "b"
        elif isinstance(cached, str):
            value = _CACHED_TEXT.get(cached) if type(cached) is str else None
            if value is None:
                value = encode_xstring(check_text(cached, self._where(row, col), field,
                                                  "cached value"))
                if type(cached) is str and len(cached) < 256:  # "OK", "n/a", notes
                    if len(_CACHED_TEXT) >= _TEXT_CACHE_SIZE:
                        _CACHED_TEXT.clear()
                    _CACHED_TEXT[cached] = value
            kind = "str"
        else:
            value, kind = _fast_number(cached) or _number_text(
                cached, self._where(row, col), field), None
        self._put(row, col, formula_cell(head, body, value, kind))

    def formula_row(self, row: int, col: int, formulas: Sequence[str],
                    cached: Sequence[float] | np.ndarray, style: int, *, field: str = "") -> None:
        """Consecutive formula cells from *col* on, with numeric cached values (bulk)."""
        arr = np.asarray(cached, dtype=np.float64)
        self._check_numbers(arr, row, col, field)
        if len(formulas) != arr.size or max(map(len, formulas), default=0) >= MAX_FORMULA_CHARS:
            raise _refuse(self._where(row, col), field, "bad-formula", "formulas and cached "
                          "values do not match, or a formula is too long", "report this")
        if arr.size:
            self._run(row, col, style, arr, ("<f>", _xml_texts(formulas), "</f><v>",
                                             _float_texts(arr), "</v></c>"))
        self.max_col = max(self.max_col, col + arr.size - 1)

    def formula_pieces(self, row: int, col: int, pieces: Sequence[str],
                       cached: Sequence[float] | np.ndarray, style: int, *,
                       field: str = "") -> None:
        """Consecutive formula cells from *col* on, each ``letter.join(pieces)`` with its
        column letter, with numeric cached values: :meth:`formula_row` of those formulas.

        The row's XML is made from a skeleton of its cells built once per set of columns
        (:func:`_pieces_skeleton`): the escaped pieces and the row's reference go in with
        one ``str.replace`` each, and the values between, instead of building, escaping
        and joining every formula (a generated profile's or a ``Calculation`` row's).

        Examples
        --------
        >>> a, b = SheetData("S"), SheetData("S")
        >>> a.formula_pieces(7, 3, ["IF(", "$4<1,", "$4,=0)"], [1.5, 2.0], 4)
        >>> b.formula_row(7, 3, ["IF(C$4<1,C$4,=0)", "IF(D$4<1,D$4,=0)"], [1.5, 2.0], 4)
        >>> a.xml() == b.xml()
        True
        """
        arr = np.asarray(cached, dtype=np.float64)
        joined = "".join(pieces)
        letters = _letters()[col - 1:col - 1 + arr.size]
        if (not pieces or len(pieces) > 12 or pieces[0].startswith("=") or _SUSPECT.search(
                joined) or "\x1f" in joined or len(letters) != arr.size):
            self.formula_row(row, col, [x.join(pieces) for x in letters], arr, style,
                             field=field)
            return
        self._check_numbers(arr, row, col, field)
        # the last column's letters are the longest
        if arr.size and len(joined) + (len(pieces) - 1) * len(letters[-1]) >= (
                MAX_FORMULA_CHARS):
            raise _refuse(self._where(row, col), field, "bad-formula", "formulas and cached "
                          "values do not match, or a formula is too long", "report this")
        self.max_col = max(self.max_col, col + arr.size - 1)
        if not arr.size:
            return
        xml = _pieces_skeleton(col, arr.size, len(pieces)).replace(
            "\x1f", f'{row}" s="{style}">')
        for i, piece in enumerate(pieces):
            if "&" in piece or "<" in piece or ">" in piece:  # as _xml_text, "=" kept
                piece = piece.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            xml = xml.replace(chr(0x10 + i), piece)
        parts = xml.split("\x0f")
        texts = _float_texts(arr)
        out: list[str] = [""] * (2 * arr.size + 1)
        out[0::2] = parts
        out[1::2] = texts
        self._runs.setdefault(row, []).append((col, style, arr, "".join(out)))

    def any(self, row: int, col: int, value: Any, style: int, *, field: str = "") -> None:
        """A cell whose type follows the value: text, bool, number, or blank for None."""
        if value is None:
            self.blank(row, col, style)
        elif isinstance(value, str):
            self.text(row, col, value, style, field=field)
        elif isinstance(value, bool):
            self.boolean(row, col, value, style)
        else:
            self.number(row, col, value, style, field=field)

    @property
    def max_row(self) -> int:
        """Last row with a cell (1 when empty)."""
        return max(max(self._rows, default=1), max(self._runs, default=1))

    def runs(self) -> list[tuple[int, int, int, np.ndarray, str]]:
        """The numeric runs written in bulk: (row, first column, style, values, XML).

        A run's *k*-th value is the cell of column ``first + k``; its XML is its cells'
        (each ending ``</c>``), as in :meth:`xml` and :meth:`cells`.
        """
        return [(row, col, style, values, xml) for row, runs in self._runs.items()
                for col, style, values, xml in runs]

    def cells(self, *, runs: bool = True) -> dict[int, list[tuple[int, str]]]:
        """Each row's cells as ``(column, XML)``, in the order written (runs last when
        *runs*; without, the cells not written in bulk).

        Examples
        --------
        >>> data = SheetData("S")
        >>> data.numbers(2, 3, [1.5, 2.0], 0)
        >>> data.text(2, 1, "a", 0)
        >>> [(c, x[:12]) for c, x in data.cells()[2]]
        [(1, '<c r="A2" s='), (3, '<c r="C2" s='), (4, '<c r="D2" s=')]
        """
        out = {row: list(cells) for row, cells in self._rows.items()}
        if runs:
            for row, found in self._runs.items():
                put = out.setdefault(row, [])
                for col, _, _, xml in found:
                    put.extend(enumerate((cell + "</c>" for cell in xml.split("</c>")[:-1]),
                                         start=col))
        return out

    def xml(self) -> bytes:
        """The ``<row>`` elements, rows and cells in order."""
        out = []
        col, xml = itemgetter(0), itemgetter(1)
        runs = self._runs
        for row in sorted(self._rows.keys() | runs.keys()) if runs else sorted(self._rows):
            cells = self._rows.get(row, [])
            if row in runs:  # a run counts as one entry at its first column
                cells = cells + [(c, text) for c, _, _, text in runs[row]]
            columns = list(map(col, cells))
            if columns != sorted(set(columns)):  # out of order, or a column written twice
                cells.sort(key=col)
            height = self._heights.get(row)
            attrs = f' ht="{height:g}" customHeight="1"' if height else ""
            # encoded row by row: one row with a character beyond Latin-1 (an arrow in a
            # header) would otherwise widen the whole sheet's text before encoding
            out.append((f'<row r="{row}"{attrs}>' + "".join(map(xml, cells)) + "</row>"
                        ).encode("utf-8"))
        return b"".join(out)


_EMPTY_DATA = (b"<sheetData />", b"<sheetData/>", b"<sheetData></sheetData>")


def _splice(xml: bytes, data: SheetData) -> bytes:
    """Put *data*'s rows into an openpyxl sheet part whose ``sheetData`` is empty."""
    for empty in _EMPTY_DATA:
        at = xml.find(empty)
        if at >= 0:
            break
    else:
        msg = (f"saving sheet {data.title!r}: it already holds cells written another way; "
               "nothing was saved")
        raise OutputError(msg)
    head, tail = xml[:at], xml[at + len(empty):]
    ref = f"A1:{column_letter(data.max_col)}{data.max_row}".encode()
    start = head.find(b"<dimension ref=\"")
    if start >= 0:
        end = head.index(b'"', start + 16)
        head = head[:start + 16] + ref + head[end:]
    rows = data.xml()
    _check_well_formed(head + b"<sheetData/>" + tail, data.title)
    _check_characters(rows, data.title)
    return b"".join((head, b"<sheetData>", rows, b"</sheetData>", tail))


#: The bytes XML 1.0 allows: all but the control characters other than tab, LF and CR. In
#: UTF-8 those never occur inside a multi-byte sequence, so a byte scan finds them.
_XML_ALLOWED_BYTES = bytes(b for b in range(256) if b >= 0x20 or b in (0x09, 0x0A, 0x0D))


def _check_characters(rows: bytes, title: str) -> None:
    """Refuse rows holding a character XML does not allow.

    The rows are well formed by construction (every text and formula goes through
    :func:`~xml.sax.saxutils.escape`, every number is the text of a finite float), so
    this byte scan, not a full parse, is what they need: on the 38 MB of rows of a
    5,000-line ``Calculation`` sheet it takes about 0.08 s where expat takes 0.44 s.

    Examples
    --------
    >>> _check_characters(b'<row r="1"><c r="A1"><v>1</v></c></row>', "S")
    >>> _check_characters(b'<row r="1"><c r="A1"><f>1\x01</f></c></row>', "S")
    Traceback (most recent call last):
    ...
    appraisal.errors.OutputError: saving sheet 'S': the sheet XML did not verify (a character \
XML does not allow); nothing was saved
    """
    if rows.translate(None, _XML_ALLOWED_BYTES) or (
            b"\xef\xbf" in rows and (b"\xef\xbf\xbe" in rows or b"\xef\xbf\xbf" in rows)):
        msg = (f"saving sheet {title!r}: the sheet XML did not verify (a character XML does "
               "not allow); nothing was saved")
        raise OutputError(msg)


def _check_well_formed(xml: bytes, title: str) -> None:
    parser = expat.ParserCreate()

    def refuse(*_: Any) -> None:
        msg = f"saving sheet {title!r}: refusing to write a part with a DOCTYPE"
        raise OutputError(msg)

    parser.StartDoctypeDeclHandler = refuse
    try:
        parser.Parse(xml, True)
    except expat.ExpatError as exc:
        msg = f"saving sheet {title!r}: the sheet XML did not verify ({exc}); nothing was saved"
        raise OutputError(msg) from exc


def render_with_sheets(workbook: Workbook, sheets: Mapping[str, SheetData]) -> bytes:
    """Save *workbook* into memory and splice the cells of *sheets* into their parts.

    Each named sheet must exist in the workbook and hold no cells of its own.
    """
    missing = [t for t in sheets if t not in workbook.sheetnames]
    if missing:
        msg = f"cannot save: sheet(s) {', '.join(map(repr, missing))} are not in the workbook"
        raise OutputError(msg)
    # one save, one pass over the parts: cached values of openpyxl's formula cells first
    # (xlsx_render), then these rows spliced in and verified, each part compressed once
    try:
        return render_workbook(workbook, edits={
            title: partial(_splice, data=data) for title, data in sheets.items()})
    finally:
        _FLOAT_TEXTS.clear()  # the texts of this workbook's arrays: not kept once it is saved


def save_with_sheets(
    workbook: Workbook,
    sheets: Mapping[str, SheetData],
    path: PathLike,
    *,
    force: bool = False,
    protect: Sequence[PathLike] = (),
) -> Path:
    """Save *workbook* with the cells of *sheets*, atomically (see :func:`render_with_sheets`).

    Raises
    ------
    OutputError
        If the destination is refused (see :func:`~appraisal.outputs.atomic.atomic_write`) or a
        spliced part does not verify; nothing is written then.
    """
    try:
        data = render_with_sheets(workbook, sheets)
    except OSError as exc:  # openpyxl spools sheets to temporary files: disk full, EFBIG
        msg = (f"could not write output {str(path)!r}: {exc.strerror or exc} (while building "
               "the workbook); nothing was changed")
        raise OutputError(msg) from exc
    return atomic_write_bytes(path, data, force=force, protect=protect)
