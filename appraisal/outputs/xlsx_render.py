"""Saving a workbook with the cached values of its formulas, verified, atomically.

How cached values are written
-----------------------------
openpyxl has no API for a formula's cached result (its issue #251 was closed
"wontfix"), and patching its cell writer would change global state. So
:func:`save_workbook` lets openpyxl save into memory and post-processes only
the worksheet parts that hold formulas recorded by
:func:`~appraisal.outputs.xlsx_write.write_formula`: an expat parse of the part
gives the byte span of each target ``<c>`` element, which is rebuilt by
:func:`formula_cell` (same attributes, the formula as written, ``<v>`` holding the
value, ``t="str"`` or ``t="b"`` for text or booleans), the function that writes the
streamed formula cells too; every other byte of the part is unchanged. The
rebuilt parts are parsed again and each target cell is checked to hold exactly
the formula and value intended, and every text cell that started with a
formula trigger is checked to have no ``<f>`` element, before the file is
written atomically (:func:`appraisal.outputs.atomic.atomic_write_bytes`). The
workbook is also flagged ``fullCalcOnLoad`` so Excel recalculates on opening;
cached values are for viewers that cannot. Big data sheets are not written
cell by cell through openpyxl at all: :mod:`appraisal.outputs.excel_stream` writes
their formulas and cached values in one pass and its rows are spliced in here, in
the same pass over the parts (``edits`` of :func:`render_workbook`): one openpyxl
save, each sheet part changed once, one archive written.
"""

from __future__ import annotations

import io
import posixpath
import stat
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.parsers import expat

from appraisal.errors import OutputError
from appraisal.outputs.atomic import PathLike, atomic_write_bytes
from appraisal.outputs.xlsx_write import _FORMULAS, _INERT_TEXT

if TYPE_CHECKING:
    from openpyxl import Workbook

__all__ = ["PartEdit", "formula_cell", "render_workbook", "save_workbook", "sheet_parts",
           "xml_escape"]

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


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


def xml_escape(text: str, entities: Mapping[str, str] | None = None) -> str:
    """*text* with ``&``, ``<`` and ``>`` escaped, then each key of *entities* replaced.

    What :func:`xml.sax.saxutils.escape` does, without importing :mod:`xml.sax.saxutils`,
    which imports :mod:`urllib.request` (with :mod:`http.client` and :mod:`ssl`: 12 ms of
    every ``appraisal run``).

    Examples
    --------
    >>> xml_escape('a<b & "c">')
    'a&lt;b &amp; "c"&gt;'
    >>> xml_escape('say "hi"', {'"': "&quot;"})
    'say &quot;hi&quot;'
    """
    text = text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
    for key, value in (entities or {}).items():
        text = text.replace(key, value)
    return text


def formula_cell(head: str, body: str, value: str, kind: str | None = None) -> str:
    """The XML of a formula cell with its cached value: the one way both writers write one.

    *head* is the cell's attributes (`` r="C3" s="2"``, already escaped), *body* the
    formula without ``=``, *value* the cached value's text and *kind* its ``t`` type
    (``str``, ``b``, or None for a number); *body* and *value* are escaped here.

    Examples
    --------
    >>> formula_cell(' r="C3" s="2"', 'IF(A3>0,"a&b","")', "a&b", "str")
    '<c r="C3" s="2" t="str"><f>IF(A3&gt;0,"a&amp;b","")</f><v>a&amp;b</v></c>'
    """
    kind_attr = f' t="{kind}"' if kind else ""
    return f"<c{head}{kind_attr}><f>{xml_escape(body)}</f><v>{xml_escape(value)}</v></c>"


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
        head = "".join(f' {k}="{xml_escape(v, {chr(34): "&quot;"})}"' for k, v in attrs.items())
        new = formula_cell(head, body, text, kind).encode()
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


#: A change to one sheet part's XML, applied after its cached values are in (e.g. the rows
#: :mod:`appraisal.outputs.excel_stream` splices into an empty ``sheetData``).
PartEdit = Callable[[bytes], bytes]


def _rendered(workbook: Workbook, edits: Mapping[str, PartEdit] | None = None) -> bytes:
    """Save with openpyxl into memory (parts stored), then change each sheet part once, in
    one pass, compressing each part once.

    A part with formulas from :func:`~appraisal.outputs.xlsx_write.write_formula` gets
    their cached values (and is verified); a part with an entry in *edits* (by sheet
    title) is then passed through it. The archive is written once, its parts in their
    original order; zlib releases the GIL while it compresses, so one thread compresses
    a part while this one builds and verifies the next.
    """
    edits = dict(edits or {})
    jobs = {}
    for sheet in workbook.worksheets:
        records = _FORMULAS.get(sheet, {})
        live = {c: r for c, r in records.items()
                if sheet[c].data_type == "f" and sheet[c].value == "=" + r[0]}
        inert = {c for c in _INERT_TEXT.get(sheet, set()) if sheet[c].data_type == "s"}
        if live or inert:
            jobs[sheet.title] = (live, inert)
    source = zipfile.ZipFile(io.BytesIO(_saved_uncompressed(workbook)))
    titles = {part: title for title, part in _sheet_parts(source).items()}
    lost = sorted(set(edits) - set(titles.values()))
    if lost:
        msg = f"cannot save: no part for sheet(s) {', '.join(map(repr, lost))}"
        raise OutputError(msg)

    def changed(part: str) -> bytes | None:
        title = titles.get(part)
        if title not in jobs and title not in edits:
            return None
        xml = source.read(part)
        if title in jobs:
            live, inert = jobs[title]
            xml = _inject(xml, live, title) if live else xml
            _verify(xml, title, live, inert)
        return edits[title](xml) if title in edits else xml

    result = io.BytesIO()
    with zipfile.ZipFile(result, "w", compression=zipfile.ZIP_DEFLATED) as target:
        with _OneWriter(target) as writer:
            for info in source.infolist():
                new = changed(info.filename)
                data = source.read(info) if new is None else new  # (openpyxl stored its parts)
                writer.put(info, data)
    if not edits and zipfile.ZipFile(io.BytesIO(result.getvalue())).testzip() is not None:
        # (parts changed by *edits* are verified by the edit, before compression)
        msg = "the rewritten workbook failed its zip integrity check; nothing was saved"
        raise OutputError(msg)
    return result.getvalue()


class _OneWriter:
    """One thread writing parts into *target* in the order they are put, compressed.

    What ``ThreadPoolExecutor(max_workers=1)`` did here, without importing
    :mod:`concurrent.futures` (with :mod:`logging`: 5 ms of every run). Leaving the ``with``
    block waits for every part put, then raises the first error of the thread, if any.

    Examples
    --------
    >>> buffer = io.BytesIO()
    >>> with zipfile.ZipFile(buffer, "w") as target, _OneWriter(target) as writer:
    ...     writer.put(zipfile.ZipInfo("a.txt"), b"a" * 100)
    ...     writer.put(zipfile.ZipInfo("b.txt"), b"b")
    >>> archive = zipfile.ZipFile(buffer)
    >>> archive.namelist(), archive.getinfo("a.txt").compress_type == zipfile.ZIP_DEFLATED
    (['a.txt', 'b.txt'], True)
    >>> with _OneWriter(archive) as writer:  # doctest: +ELLIPSIS
    ...     writer.put(zipfile.ZipInfo("c.txt"), b"c")  # (opened for reading: an error)
    Traceback (most recent call last):
    ValueError: ...requires mode 'w', 'x', or 'a'
    """

    def __init__(self, target: zipfile.ZipFile) -> None:
        import queue
        import threading

        self._target = target
        self._parts: queue.SimpleQueue = queue.SimpleQueue()
        self._errors: list[BaseException] = []
        self._thread = threading.Thread(target=self._write, name="xlsx-writer", daemon=True)

    def __enter__(self) -> _OneWriter:
        self._thread.start()
        return self

    def put(self, info: zipfile.ZipInfo, data: bytes) -> None:
        """Write *data* as the part *info* (after the parts put before it)."""
        self._parts.put((info, data))

    def _write(self) -> None:
        while (part := self._parts.get()) is not None:
            if self._errors:
                continue  # (the archive is abandoned: drain the queue)
            info, data = part
            try:
                self._target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED,
                                      compresslevel=_level(len(data)))
            except BaseException as error:  # (re-raised by __exit__)
                self._errors.append(error)

    def __exit__(self, *exc: object) -> None:
        self._parts.put(None)
        self._thread.join()
        if self._errors and exc[0] is None:
            raise self._errors[0]


#: Parts larger than this are compressed at zlib level 1, smaller ones at level 6: on the
#: 5,000-line benchmark's 100 MB of sheet XML, level 1 takes 0.56 s and level 6 for the parts
#: from 1 to 4 MB 0.81 s, for a file 2 % larger.
_FAST_COMPRESSION_BYTES = 2**20


def _level(size: int) -> int:
    """The zlib level of a part of *size* bytes.

    Examples
    --------
    >>> _level(2**20), _level(2**20 + 1)
    (6, 1)
    """
    return 1 if size > _FAST_COMPRESSION_BYTES else 6


def _saved_uncompressed(workbook: Workbook) -> bytes:
    """openpyxl's save of *workbook* into memory, its parts stored, not compressed.

    The same parts as :meth:`openpyxl.Workbook.save` writes (its ``ExcelWriter``, and the
    modified time it sets); :func:`_rendered` compresses each part once as it writes the
    archive, instead of openpyxl compressing them and this module inflating and
    compressing them again.

    Examples
    --------
    >>> import openpyxl
    >>> archive = zipfile.ZipFile(io.BytesIO(_saved_uncompressed(openpyxl.Workbook())))
    >>> {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_STORED}
    True
    """
    import datetime

    buffer = io.BytesIO()
    archive = zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED, allowZip64=True)
    workbook.properties.modified = datetime.datetime.now(
        tz=datetime.UTC).replace(tzinfo=None)
    _in_memory_writer()(workbook, archive).save()  # (closes the archive)
    return buffer.getvalue()


#: The mode openpyxl's temporary sheet files have (``tempfile`` creates them 0600, a regular
#: file), which ``ZipFile.write`` records in each sheet's ``external_attr``.
_SHEET_FILE_MODE = stat.S_IFREG | 0o600


class _WriteOnlyBuffer(io.BytesIO):
    """An in-memory file that says it cannot be read.

    openpyxl's XML writer wraps its output in a text stream; over a readable buffer that
    stream keeps a decoder too and resets it on every write (7,800 calls of Python code for
    the minimal case's workbook), which a file opened for writing, as openpyxl's temporary
    files are, does not.

    Examples
    --------
    >>> out = _WriteOnlyBuffer()
    >>> out.write(b"<x/>"), out.readable(), out.getvalue()
    (4, False, b'<x/>')
    """

    def readable(self) -> bool:
        return False


@cache
def _in_memory_writer() -> type:
    """openpyxl's ``ExcelWriter`` with each worksheet serialised into memory.

    openpyxl writes every worksheet of an ordinary (not write-only) workbook into a
    temporary file, copies it into the archive and deletes it: on a disk mounted with
    ``discard`` the deletions alone took 3 ms a sheet (0.1 s for the 34 sheets of the
    minimal case's results.xlsx). This writer gives the same ``WorksheetWriter`` an in-memory
    buffer instead and stores its bytes under the same name, with the same zip header
    fields ``ZipFile.write`` takes from the temporary file (its mode; the modified time,
    now), so the archive is the same, byte for byte apart from the time stamps.

    Examples
    --------
    >>> import openpyxl
    >>> book = openpyxl.Workbook()
    >>> book.active["A1"] = 7
    >>> stored = zipfile.ZipFile(io.BytesIO(_saved_uncompressed(book)))
    >>> info = stored.getinfo("xl/worksheets/sheet1.xml")
    >>> oct(info.external_attr >> 16), b"<v>7</v>" in stored.read(info)
    ('0o100600', True)
    """
    import time

    from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
    from openpyxl.worksheet._writer import WorksheetWriter
    from openpyxl.writer.excel import ExcelWriter

    class InMemoryWriter(ExcelWriter):
        def write_worksheet(self, ws: Any) -> None:
            if self.workbook.write_only:  # (its sheets are already serialised)
                super().write_worksheet(ws)
                return
            # As ExcelWriter.write_worksheet, the sheet written into a buffer, not a file.
            ws._drawing = SpreadsheetDrawing()
            ws._drawing.charts = ws._charts
            ws._drawing.images = ws._images
            writer = WorksheetWriter(ws, out=_WriteOnlyBuffer())
            writer.write()
            ws._rels = writer._rels
            info = zipfile.ZipInfo(ws.path[1:], time.localtime(time.time())[:6])
            info.external_attr = _SHEET_FILE_MODE << 16
            self._archive.writestr(info, writer.out.getvalue())
            self.manifest.append(ws)

    return InMemoryWriter


def render_workbook(workbook: Workbook, *, full_calc_on_load: bool = True,
                    edits: Mapping[str, PartEdit] | None = None) -> bytes:
    """The bytes :func:`save_workbook` would write; *edits* change sheet parts on the way.

    *edits* maps a sheet title to a function of its part's XML (after the cached values
    are in) that returns the new XML: one save, one pass over the parts, one archive.

    Examples
    --------
    >>> import io, zipfile, openpyxl
    >>> from appraisal.outputs.xlsx_write import write_formula
    >>> book = openpyxl.Workbook()
    >>> write_formula(book.active["A1"], "=1+1", 2)
    >>> data = render_workbook(book)
    >>> b"<v>2</v>" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    True
    """
    if full_calc_on_load:
        workbook.calculation.fullCalcOnLoad = True
    return _rendered(workbook, edits)


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
        Destination (see :func:`appraisal.outputs.atomic.atomic_write`).
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
        As :func:`~appraisal.outputs.atomic.atomic_write`, or if a cached value or an
        inert text cell failed verification (then nothing is written).

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> from pathlib import Path
    >>> from appraisal.outputs.xlsx_write import write_formula, write_number
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
    try:
        data = _rendered(workbook)
    except OSError as exc:  # openpyxl spools sheets to temporary files: disk full, EFBIG
        msg = (f"could not write output {str(path)!r}: {exc.strerror or exc} (while building "
               "the workbook); nothing was changed")
        raise OutputError(msg) from exc
    return atomic_write_bytes(path, data, force=force, protect=protect)
