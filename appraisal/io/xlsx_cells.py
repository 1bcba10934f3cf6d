"""Writing workbook cells safely with openpyxl, and saving with cached formula values.

openpyxl turns any string that starts with ``=`` into a formula and ``'#N/A'``
into an error cell, writes NaN and infinities as blank cells, truncates text at
32,767 characters and writes formulas with an empty cached value, so viewers
that do not calculate (previews, pandas, ``data_only=True``) see nothing. The
helpers here close those gaps:

- :func:`write_text` always stores user text as a text cell (``=cmd|...`` stays
  inert) and refuses over-long text or characters Excel rejects;
- :func:`write_number` refuses NaN, infinities and non-numbers, naming the cell;
- :func:`write_formula` writes a formula and records its cached value;
  :func:`save_workbook` then inserts that value as the cell's ``<v>`` element.

How cached values are written
-----------------------------
openpyxl has no API for a formula's cached result (its issue #251 was closed
"wontfix"), and patching its cell writer would change global state. So
:func:`save_workbook` lets openpyxl save into memory and post-processes only
the worksheet parts that hold recorded formulas: an expat parse of the part
gives the byte span of each target ``<c>`` element, which is rebuilt (same
attributes, the formula as written, ``<v>`` holding the value, ``t="str"`` or
``t="b"`` for text or booleans); every other byte of the file is unchanged. The
rebuilt parts are parsed again and each target cell is checked to hold exactly
the formula and value intended, and every text cell that started with a
formula trigger is checked to have no ``<f>`` element, before the file is
written atomically (:func:`appraisal.io.atomic.atomic_write_bytes`). The
workbook is also flagged ``fullCalcOnLoad`` so Excel recalculates on opening;
cached values are for viewers that cannot.
"""

from __future__ import annotations

import hashlib
import io
import math
import numbers
import posixpath
import re
import weakref
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from xml.parsers import expat
from xml.sax.saxutils import escape

from appraisal.errors import AppraisalValidationError, Issue, OutputError
from appraisal.io.atomic import PathLike, atomic_write_bytes

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.cell.cell import Cell
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "CALCULATION_STYLE",
    "INPUT_STYLE",
    "MAX_CELL_CHARS",
    "MAX_EXCEL_NUMBER",
    "MAX_FORMULA_CHARS",
    "META_SHEET",
    "add_dropdown",
    "cell_ref",
    "check_number",
    "check_text",
    "content_hash",
    "define_name",
    "freeze_header",
    "protect_sheet",
    "read_meta",
    "render_workbook",
    "save_workbook",
    "sheet_parts",
    "style_calculation",
    "style_input",
    "write_formula",
    "write_meta",
    "write_number",
    "write_text",
]

#: Excel's limit on the characters in one cell (UTF-16 code units).
MAX_CELL_CHARS = 32_767
#: Largest magnitude Excel stores (its specifications and limits); nearer DBL_MAX,
#: openpyxl's 16-digit output would even read back as infinity.
MAX_EXCEL_NUMBER = 9.99999999999999e307
#: Excel's limit on the length of a formula.
MAX_FORMULA_CHARS = 8_192
#: Name of the hidden key/value sheet that describes a workbook we wrote.
META_SHEET = "_meta"
#: Named style for input cells (FAST: inputs stand out by fill; blue font by convention).
INPUT_STYLE = "Appraisal input"
#: Named style for calculated cells (plain black).
CALCULATION_STYLE = "Appraisal calculation"

_INPUT_FILL, _INPUT_FONT, _CALC_FONT = "FFFFF2CC", "FF0000FF", "FF000000"
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
# XML 1.0 forbids these; Excel refuses them in cells.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_NAME_RE = re.compile(r"[A-Za-z_\\][A-Za-z0-9_.\\]*")
_SIMPLE_SHEET = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_LOOKS_LIKE_REF = re.compile(r"(?i)([A-Z]{1,3}[0-9]+|R[0-9]*C[0-9]*|R[0-9]*|C[0-9]*)")

# Per-worksheet records, kept outside openpyxl's objects (cells have __slots__).
_FORMULAS: weakref.WeakKeyDictionary[Any, dict[str, tuple[str, str, str | None]]] = (
    weakref.WeakKeyDictionary())
_INERT_TEXT: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


def cell_ref(sheet: Worksheet | str, row: int, col: int) -> str:
    """Excel-style location of a cell for messages, e.g. ``Results!B4``.

    Examples
    --------
    >>> cell_ref("Results", 4, 2)
    'Results!B4'
    >>> cell_ref("Cost lines", 1, 28)
    "'Cost lines'!AB1"
    """
    from openpyxl.utils import get_column_letter

    title = sheet if isinstance(sheet, str) else sheet.title
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in (row, col)) or not (
            1 <= row <= 1_048_576 and 1 <= col <= 16_384):
        msg = (f"cell position must be row 1..1048576 and column 1..16384 "
               f"(got row={row!r}, col={col!r} on sheet {title!r})")
        raise AppraisalValidationError([Issue("bad-cell-position", msg, title)], source=title)
    return f"{_quote_sheet(title)}!{get_column_letter(col)}{row}"


def _quote_sheet(title: str) -> str:
    """Quote a sheet name for a reference only when Excel needs it."""
    if _SIMPLE_SHEET.fullmatch(title) and not _LOOKS_LIKE_REF.fullmatch(title):
        return title
    return "'" + title.replace("'", "''") + "'"


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
    if isinstance(value, str):
        return _clean_text(value, where, field, "cached value"), "str"
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


# --- saving with cached values ------------------------------------------------------------


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Map each worksheet title to its part name inside a saved workbook."""
    from defusedxml.ElementTree import fromstring

    def rels_of(part: str) -> dict[str, str]:
        folder, name = posixpath.split(part)
        rels = fromstring(archive.read(posixpath.join(folder, "_rels", name + ".rels")))
        out = {}
        for rel in rels.iter(f"{{{_PKG_REL_NS}}}Relationship"):
            target = rel.get("Target", "")
            out[rel.get("Id", "")] = (target.lstrip("/") if target.startswith("/")
                                      else posixpath.normpath(posixpath.join(folder, target)))
        return out

    root_rels = fromstring(archive.read("_rels/.rels"))
    book = next(r.get("Target", "").lstrip("/") for r in root_rels
                if r.get("Type", "").endswith("/officeDocument"))
    targets = rels_of(book)
    sheets = fromstring(archive.read(book)).iter(f"{{{_MAIN_NS}}}sheet")
    return {s.get("name", ""): targets[s.get(f"{{{_REL_NS}}}id", "")] for s in sheets}


def _scan_cells(xml: bytes) -> dict[str, dict[str, Any]]:
    """Parse a sheet part: for each cell, its byte span, attributes, ``<f>`` and ``<v>`` text."""
    parser = expat.ParserCreate(namespace_separator=" ")
    cells: dict[str, dict[str, Any]] = {}
    state: dict[str, Any] = {"cell": None, "text": None}
    c_tag, f_tag, v_tag = f"{_MAIN_NS} c", f"{_MAIN_NS} f", f"{_MAIN_NS} v"

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == c_tag:
            state["cell"] = {"start": parser.CurrentByteIndex, "attrs": attrs,
                             "f": None, "v": None}
            cells[attrs.get("r", "")] = state["cell"]
        elif name in (f_tag, v_tag) and state["cell"] is not None:
            state["text"] = []

    def end(name: str) -> None:
        cell = state["cell"]
        if name == c_tag and cell is not None:
            at = parser.CurrentByteIndex  # the "</c>" of a cell with children
            cell["end"] = xml.index(b">", at) + 1 if xml.startswith(b"</", at) else None
            state["cell"] = None
        elif name in (f_tag, v_tag) and cell is not None:
            cell[name[-1]] = "".join(state["text"])
            state["text"] = None

    def chars(data: str) -> None:
        if state["text"] is not None:
            state["text"].append(data)

    def no_doctype(*_: Any) -> None:
        msg = "refusing to post-process a worksheet part that has a DOCTYPE"
        raise OutputError(msg)

    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler, parser.StartDoctypeDeclHandler = chars, no_doctype
    parser.Parse(xml, True)
    return cells


def _inject(xml: bytes, targets: Mapping[str, tuple[str, str, str | None]], title: str) -> bytes:
    """Rebuild each target ``<c>`` element of one sheet part with its cached value."""
    cells = _scan_cells(xml)
    spans = []
    for coord, (body, text, kind) in targets.items():
        found = cells.get(coord)
        if found is None or found["f"] != body or found.get("end") is None:
            msg = f"saving {title}!{coord}: openpyxl did not write the expected formula"
            raise OutputError(msg)
        attrs = {k: v for k, v in found["attrs"].items() if k != "t"}
        if any(" " in k for k in attrs):
            msg = f"saving {title}!{coord}: unexpected namespaced attribute on the cell"
            raise OutputError(msg)
        if kind:
            attrs["t"] = kind
        head = "".join(f' {k}="{escape(v, {chr(34): "&quot;"})}"' for k, v in attrs.items())
        new = f"<c{head}><f>{escape(body)}</f><v>{escape(text)}</v></c>".encode()
        spans.append((found["start"], found["end"], new))
    out, last = [], 0
    for start, end, new in sorted(spans):
        out += [xml[last:start], new]
        last = end
    out.append(xml[last:])
    return b"".join(out)


def _verify(xml: bytes, title: str, targets: Mapping[str, tuple[str, str, str | None]],
            inert: Iterable[str]) -> None:
    cells = _scan_cells(xml)
    for coord, (body, text, kind) in targets.items():
        got = cells.get(coord, {})
        if got.get("f") != body or got.get("v") != text or got["attrs"].get("t") != kind:
            msg = f"saving {title}!{coord}: the cached formula value did not verify"
            raise OutputError(msg)
    for coord in inert:
        if coord in cells and cells[coord]["f"] is not None:
            msg = (f"saving {title}!{coord}: text was about to be written as a formula; "
                   "nothing was saved")
            raise OutputError(msg)


def _rendered(workbook: Workbook) -> bytes:
    """Save with openpyxl into memory, then insert cached values and verify every change."""
    jobs = {}
    for sheet in workbook.worksheets:
        records = _FORMULAS.get(sheet, {})
        live = {c: r for c, r in records.items()
                if sheet[c].data_type == "f" and sheet[c].value == "=" + r[0]}
        inert = {c for c in _INERT_TEXT.get(sheet, set()) if sheet[c].data_type == "s"}
        if live or inert:
            jobs[sheet.title] = (live, inert)
    buffer = io.BytesIO()
    workbook.save(buffer)
    if not jobs:
        return buffer.getvalue()
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    parts = _sheet_parts(source)
    changed = {}
    for title, (live, inert) in jobs.items():
        xml = source.read(parts[title])
        new = _inject(xml, live, title) if live else xml
        _verify(new, title, live, inert)
        changed[parts[title]] = new
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w") as target:
        for info in source.infolist():
            target.writestr(info, changed.get(info.filename) or source.read(info))
    if zipfile.ZipFile(io.BytesIO(result.getvalue())).testzip() is not None:
        msg = "the rewritten workbook failed its zip integrity check; nothing was saved"
        raise OutputError(msg)
    return result.getvalue()


def render_workbook(workbook: Workbook, *, full_calc_on_load: bool = True) -> bytes:
    """The bytes :func:`save_workbook` would write, for callers that post-process them.

    Examples
    --------
    >>> import io, zipfile, openpyxl
    >>> book = openpyxl.Workbook()
    >>> write_formula(book.active["A1"], "=1+1", 2)
    >>> data = render_workbook(book)
    >>> b"<v>2</v>" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    True
    """
    if full_calc_on_load:
        workbook.calculation.fullCalcOnLoad = True
    return _rendered(workbook)


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Map each worksheet title of an open ``.xlsx`` zip to its part name.

    Examples
    --------
    >>> import io, zipfile, openpyxl
    >>> buffer = io.BytesIO()
    >>> openpyxl.Workbook().save(buffer)
    >>> sheet_parts(zipfile.ZipFile(buffer))
    {'Sheet': 'xl/worksheets/sheet1.xml'}
    """
    return _sheet_parts(archive)


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


def save_workbook(
    workbook: Workbook,
    path: PathLike,
    *,
    force: bool = False,
    protect: Sequence[PathLike] = (),
    full_calc_on_load: bool = True,
) -> Path:
    """Save *workbook* atomically, with the cached values of formulas from :func:`write_formula`.

    Parameters
    ----------
    workbook : openpyxl.Workbook
        The workbook to save.
    path : str or os.PathLike
        Destination (see :func:`appraisal.io.atomic.atomic_write`).
    force : bool, default False
        Replace an existing file.
    protect : sequence of paths, default ()
        Input files that must never be written over.
    full_calc_on_load : bool, default True
        Ask Excel to recalculate every formula when it opens the file.

    Returns
    -------
    pathlib.Path
        The destination.

    Raises
    ------
    OutputError
        As :func:`~appraisal.io.atomic.atomic_write`, or if a cached value or an
        inert text cell failed verification (then nothing is written).

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> from pathlib import Path
    >>> book = openpyxl.Workbook()
    >>> sheet = book.active
    >>> _ = write_number(sheet["A1"], 2), write_number(sheet["A2"], 3)
    >>> write_formula(sheet["A3"], "=A1*A2", 6)
    >>> out = save_workbook(book, Path(tempfile.mkdtemp()) / "out.xlsx")
    >>> openpyxl.load_workbook(out, data_only=True).active["A3"].value
    6
    """
    if full_calc_on_load:
        workbook.calculation.fullCalcOnLoad = True
    data = _rendered(workbook)
    return atomic_write_bytes(path, data, force=force, protect=protect)


# --- presentation helpers -----------------------------------------------------------------


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
    >>> from openpyxl import Workbook
    >>> sheet = Workbook().active
    >>> style_calculation(sheet["C2"])
    >>> sheet["C2"].style
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
    elif _LOOKS_LIKE_REF.fullmatch(name):
        problem = "looks like a cell reference, which Excel does not allow as a name"
    elif name.lower() in (n.lower() for n in workbook.defined_names):
        problem = "is already defined in this workbook"
    if problem:
        _refuse("defined names", str(name), "bad-defined-name", f"name {name!r} {problem}",
                "choose another name, e.g. 'discount_rate'")
    try:
        range_boundaries(ref)
        target = f"{_quote_sheet(sheet.title)}!{absolute_coordinate(ref)}"
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


# --- metadata and fingerprint -------------------------------------------------------------


def write_meta(workbook: Workbook, items: Mapping[str, Any]) -> Worksheet:
    """Write (or replace) the hidden ``_meta`` sheet: one ``key | value`` row per item.

    Values may be text, numbers or booleans; anything else is written as its text.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> book = Workbook()
    >>> sheet = write_meta(book, {"schema_version": "1", "base_year": 2025})
    >>> sheet.sheet_state, read_meta(book)
    ('hidden', {'schema_version': '1', 'base_year': 2025})
    """
    if META_SHEET in workbook.sheetnames:
        workbook.remove(workbook[META_SHEET])
    sheet = workbook.create_sheet(META_SHEET)
    write_text(sheet["A1"], "key")
    write_text(sheet["B1"], "value")
    for row, (key, value) in enumerate(items.items(), start=2):
        write_text(sheet.cell(row, 1), key, field=f"_meta.{key}")
        target = sheet.cell(row, 2)
        if isinstance(value, bool):
            target.value = value
        elif isinstance(value, numbers.Real):
            write_number(target, value, field=f"_meta.{key}")
        else:
            write_text(target, str(value), field=f"_meta.{key}")
    sheet.sheet_state = "hidden"
    return sheet


def read_meta(workbook: Workbook) -> dict[str, Any]:
    """Read the ``_meta`` sheet back into a dict (see :func:`write_meta`).

    Raises
    ------
    AppraisalValidationError
        If the sheet is missing, its header is not ``key | value``, or a key is
        empty or repeated; every problem is located at its cell.
    """
    if META_SHEET not in workbook.sheetnames:
        _refuse(META_SHEET, "", "missing-meta-sheet", "the workbook has no _meta sheet",
                "use a workbook written by this toolkit (e.g. `appraisal template`)")
    sheet = workbook[META_SHEET]
    found: list[Issue] = []
    if (sheet["A1"].value, sheet["B1"].value) != ("key", "value"):
        found.append(Issue("bad-meta-header", "expected headers 'key' and 'value'",
                           cell_ref(sheet, 1, 1), fix="do not edit the _meta sheet"))
    meta: dict[str, Any] = {}
    for row in range(2, sheet.max_row + 1):
        key, value = sheet.cell(row, 1).value, sheet.cell(row, 2).value
        if key is None and value is None:
            continue
        if not isinstance(key, str) or not key or key in meta:
            found.append(Issue("bad-meta-key", f"empty, non-text or repeated key {key!r}",
                               cell_ref(sheet, row, 1), fix="do not edit the _meta sheet"))
            continue
        meta[key] = value
    if found:
        raise AppraisalValidationError(found, source=META_SHEET)
    return meta


def content_hash(workbook: Workbook, *, exclude: Iterable[str] = (META_SHEET,)) -> str:
    """SHA-256 fingerprint of every sheet's cell values and formulas (``"sha256:<hex>"``).

    Numbers are hashed as ``%.16g`` text, the precision openpyxl saves, so the
    fingerprint of a workbook equals the fingerprint of the same workbook
    saved and read back. Styles, widths and sheet states are not included.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> book = Workbook()
    >>> before = content_hash(book)
    >>> _ = write_number(book.active["A1"], 0.1 + 0.2)
    >>> content_hash(book) != before, content_hash(book).startswith("sha256:")
    (True, True)
    """
    digest = hashlib.sha256()
    skip = set(exclude)
    for sheet in workbook.worksheets:
        if sheet.title in skip:
            continue
        digest.update(b"\x1e\x1e" + sheet.title.encode("utf-8", "surrogatepass"))
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if value is None:
                    continue
                if isinstance(value, bool):
                    text = str(int(value))
                elif isinstance(value, numbers.Real):
                    text = "%.16g" % (float(value) + 0.0)
                elif hasattr(value, "isoformat"):
                    text = value.isoformat()
                else:
                    text = str(getattr(value, "text", value))
                digest.update(f"\x1e{cell.coordinate}\x1f{cell.data_type}\x1f{text}"
                              .encode("utf-8", "surrogatepass"))
    return "sha256:" + digest.hexdigest()
