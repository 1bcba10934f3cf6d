"""Reading the cells of a workbook quickly, after the safety checks, with a guarded parser.

openpyxl reads about 50,000 cells a second here, mostly because its defusedxml parser is
pure Python; a 5,000-line case would take many seconds to read. This module reads what
the case reader needs (sheet names and states, cell values, formulas and their cached
values, number formats, merged ranges) with the C expat parser, guarded exactly as
defusedxml guards it:

1. :func:`~appraisal.xlsx_safety.check_workbook_file` runs first: it refuses to work
   unless openpyxl's defusedxml protection is active (``OPENPYXL_DEFUSEDXML`` not switched
   off), checks the zip's declared sizes and compression ratios, refuses encrypted or
   legacy files, and refuses any XML part whose prolog holds a ``DOCTYPE``;
2. every part is then parsed with handlers that raise defusedxml's own exceptions on a
   ``DOCTYPE``, an entity declaration or an external entity reference (defence in depth).

Nothing is ever extracted to disk, and macros are never loaded.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple
from xml.parsers import expat

from appraisal.cells import decode_xstring
from appraisal.errors import AppraisalValidationError, Issue, UnsafeInputError
from appraisal.xlsx_safety import SafetyReport, check_workbook_file

__all__ = ["Cell", "SheetGrid", "WorkbookGrid", "open_grid", "parse_ref"]

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main "
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships "
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships "
_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]+)")
_DATE_IDS = set(range(14, 23)) | set(range(27, 37)) | set(range(45, 48)) | set(range(50, 59))
_PERCENT_IDS = {9, 10}
_INT = re.compile(r"-?[0-9]+")
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_ROW_STARTS = (b"<row ", b"<row>", b"<row/", b"<row\t", b"<row\n", b"<row\r")


def _count_rows(data: bytes) -> int:
    """The number of ``<row>`` elements in a sheet's XML, at C speed.

    ``bytes.count`` of the unprefixed start tags (text cannot hold a raw ``<``); only a
    sheet with namespace-prefixed tags (``<x:row``) takes the slower regular expression.

    Examples
    --------
    >>> _count_rows(b'<sheetData><row r="1"><c/></row><row r="2"/><rowBreaks/></sheetData>')
    2
    >>> _count_rows(b'<x:sheetData><x:row r="1"/></x:sheetData>')
    1
    >>> _count_rows(b'<row r="1"/><row r="2"/>'), _count_rows(b'<row>1</row><rows/>')
    (2, 1)
    """
    if b":row" in data:
        return len(_ROW_TAG.findall(data))
    rows = data.count(b"<row")
    if rows == data.count(b"<row "):  # every one a row tag with attributes: two passes
        return rows
    return sum(data.count(tag) for tag in _ROW_STARTS)


_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\s+ref=[\"']([^\"']*)[\"']")


def _quote_title(title: str) -> str:
    return title if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", title) else (
        "'" + title.replace("'", "''") + "'")


_LETTER_COLS: dict[str, int] = {}
_DIGITS = "0123456789"


def parse_ref(ref: str) -> tuple[int, int]:
    """Row and column numbers of an A1 reference.

    Examples
    --------
    >>> parse_ref("AB12"), parse_ref("$C$4")
    ((12, 28), (4, 3))
    """
    letters = ref.rstrip(_DIGITS)
    col = _LETTER_COLS.get(letters)
    if col is not None and len(letters) < len(ref):
        return int(ref[len(letters):]), col
    match = _REF.fullmatch(ref)
    if match is None:
        msg = f"not a cell reference: {ref!r}"
        raise ValueError(msg)
    col = 0
    for ch in match.group(1).upper():
        col = col * 26 + ord(ch) - 64
    if "$" not in ref and len(_LETTER_COLS) < 20_000:
        _LETTER_COLS[match.group(1)] = col
    return int(match.group(2)), col


class Cell(NamedTuple):
    """One cell as stored.

    ``kind`` is ``n`` (number), ``s`` (text), ``b`` (boolean), ``e`` (error value) or
    ``None`` (no value); for a formula cell ``formula`` holds its text (``""`` for a
    cell that shares another cell's formula) and ``value`` its cached value, if any.
    """

    kind: str | None
    value: Any
    formula: str | None = None
    style: int = 0


@dataclass(slots=True)
class SheetGrid:
    """The cells of one sheet, by ``(row, column)``, and its merged ranges."""

    title: str
    state: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    merged: list[str] = field(default_factory=list)

    @property
    def max_row(self) -> int:
        """Last row holding a cell (0 when empty)."""
        return max((r for r, _ in self.cells), default=0)

    @property
    def max_col(self) -> int:
        """Last column holding a cell (0 when empty)."""
        return max((c for _, c in self.cells), default=0)

    def get(self, row: int, col: int) -> Cell | None:
        """The cell at ``(row, col)``, or None."""
        return self.cells.get((row, col))


def _guarded_parser(*, namespaces: bool = True) -> expat.XMLParserType:
    """An expat parser with defusedxml's guards: no DTD, no entities, no external refs."""
    from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

    parser = expat.ParserCreate(namespace_separator=" ") if namespaces else expat.ParserCreate()

    def doctype(name: str, sysid: str | None, pubid: str | None, *_: Any) -> None:
        raise DTDForbidden(name, sysid, pubid)

    def entity(name: str, *args: Any) -> None:
        raise EntitiesForbidden(name, None, None, None, None, None)

    def external(context: str, base: str | None, sysid: str | None, pubid: str | None) -> None:
        raise ExternalReferenceForbidden(context, base, sysid, pubid)

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = entity
    parser.ExternalEntityRefHandler = external
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    return parser


def _number(text: str) -> int | float:
    if "." in text or "e" in text or "E" in text or "N" in text or "n" in text:
        return float(text)
    try:
        return int(text)
    except ValueError:
        return float(text)


def _is_date_format(code: str) -> bool:
    plain = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code).lower()
    return bool(re.search(r"[dmyhs]", plain)) and "general" not in plain


class WorkbookGrid:
    """An opened workbook: sheet names and states, styles, and sheets parsed on demand."""

    def __init__(self, path: Path, report: SafetyReport) -> None:
        self.path = path
        self.report = report
        self._zip = zipfile.ZipFile(path)
        self._parts: dict[str, str] = {}
        self.states: dict[str, str] = {}
        self._strings: list[str] | None = None
        self._sheets: dict[str, SheetGrid] = {}
        self.percent_styles: set[int] = set()
        self.date_styles: set[int] = set()
        self._read_workbook()
        self._read_styles()

    @property
    def sheet_names(self) -> list[str]:
        """Sheet titles in workbook order."""
        return list(self.states)

    def _parse(self, part: str, start: Any = None, end: Any = None, chars: Any = None, *,
               parser: Any = None, data: bytes | None = None) -> None:
        parser = parser or _guarded_parser()
        if start:
            parser.StartElementHandler = start
        if end:
            parser.EndElementHandler = end
        if chars:
            parser.CharacterDataHandler = chars
        try:
            parser.Parse(self._zip.read(part) if data is None else data, True)
        except expat.ExpatError as exc:
            raise AppraisalValidationError([Issue(
                "not-xlsx", f"corrupt or not an .xlsx: part {part!r} is not valid XML ({exc})",
                str(self.path), fix="save the workbook again from Excel as 'Excel Workbook "
                "(*.xlsx)'")], source=self.path.name) from exc
        except AppraisalValidationError:
            raise
        except (KeyError, IndexError, ValueError, zipfile.BadZipFile, OSError) as exc:
            raise AppraisalValidationError([Issue(
                "not-xlsx", f"corrupt or not an .xlsx: cannot read part {part!r} ({exc})",
                str(self.path), fix="get a fresh copy of the workbook")],
                source=self.path.name) from exc
        except Exception as exc:
            from defusedxml import DefusedXmlException

            if isinstance(exc, DefusedXmlException):
                msg = (f"refusing {str(self.path)!r}: part {part!r} contains entity "
                       "declarations or external references (possible XML bomb); ask the "
                       "sender for a clean copy")
                raise UnsafeInputError(msg) from exc
            raise

    def _book_part(self) -> str:
        rels: dict[str, str] = {}

        def start(name: str, attrs: dict[str, str]) -> None:
            if name == _PKG + "Relationship" and attrs.get("Type", "").endswith(
                    "/officeDocument"):
                rels["book"] = attrs.get("Target", "").lstrip("/")

        self._parse("_rels/.rels", start)
        if "book" not in rels:
            raise AppraisalValidationError([Issue(
                "not-xlsx", "corrupt or not an .xlsx: no workbook part", str(self.path))],
                source=self.path.name)
        return rels["book"]

    def _read_workbook(self) -> None:
        book = self._book_part()
        folder, name = posixpath.split(book)
        targets: dict[str, str] = {}

        def rel(name_: str, attrs: dict[str, str]) -> None:
            if name_ == _PKG + "Relationship":
                target = attrs.get("Target", "")
                targets[attrs.get("Id", "")] = (target.lstrip("/") if target.startswith("/")
                                                else posixpath.normpath(
                                                    posixpath.join(folder, target)))

        self._parse(posixpath.join(folder, "_rels", name + ".rels"), rel)
        self._rels = targets

        def sheet(name_: str, attrs: dict[str, str]) -> None:
            if name_ == _NS + "sheet":
                title = attrs.get("name", "")
                self.states[title] = attrs.get("state", "visible")
                self._parts[title] = targets.get(attrs.get(_REL + "id", ""), "")

        self._parse(book, sheet)
        for target in targets.values():
            if target.endswith("sharedStrings.xml"):
                self._strings_part = target
                break
        else:
            self._strings_part = ""
        self._styles_part = next((t for t in targets.values() if t.endswith("styles.xml")), "")

    def _read_styles(self) -> None:
        if not self._styles_part or self._styles_part not in self._zip.namelist():
            return
        custom: dict[int, str] = {}
        formats: list[int] = []
        state = {"xfs": False}

        def start(name: str, attrs: dict[str, str]) -> None:
            if name == _NS + "numFmt":
                custom[int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "")
            elif name == _NS + "cellXfs":
                state["xfs"] = True
            elif name == _NS + "xf" and state["xfs"]:
                formats.append(int(attrs.get("numFmtId", "0")))

        def end(name: str) -> None:
            if name == _NS + "cellXfs":
                state["xfs"] = False

        self._parse(self._styles_part, start, end)
        for index, fmt in enumerate(formats):
            code = custom.get(fmt)
            if fmt in _PERCENT_IDS or (code is not None and "%" in re.sub(r'"[^"]*"', "", code)):
                self.percent_styles.add(index)
            elif fmt in _DATE_IDS or (code is not None and _is_date_format(code)):
                self.date_styles.add(index)

    def _tree(self, part: str) -> Any:
        """Iterate ``end`` events of a part, after a guarded pass proved it has no DTD.

        The guarded expat pass (no content handlers, so it runs at C speed) raises on any
        DOCTYPE, entity declaration or external reference; only then does the C
        ElementTree parser read the part.
        """
        import io
        import xml.etree.ElementTree as ET

        self._parse(part)
        try:
            yield from ET.iterparse(io.BytesIO(self._zip.read(part)), events=("end",))
        except ET.ParseError as exc:
            raise AppraisalValidationError([Issue(
                "not-xlsx", f"corrupt or not an .xlsx: part {part!r} is not valid XML ({exc})",
                str(self.path), fix="save the workbook again from Excel")],
                source=self.path.name) from exc

    def _shared_strings(self) -> list[str]:
        if self._strings is not None:
            return self._strings
        strings: list[str] = []
        if self._strings_part and self._strings_part in self._zip.namelist():
            si = _ET_NS + "si"
            for _, el in self._tree(self._strings_part):
                if el.tag == si:
                    strings.append(_rich_text(el))
                    el.clear()
        self._strings = strings
        return strings

    def _check_rows(self, title: str, data: bytes) -> None:
        """Refuse a sheet with more rows than an input sheet may hold, before parsing it.

        The rows are counted in the XML (``<row>`` elements, at C speed); the declared
        ``<dimension>`` is quoted in the message but not trusted (it may be missing or
        wrong).
        """
        from appraisal.limits import MAX_SHEET_ROWS

        rows = _count_rows(data)
        if rows <= MAX_SHEET_ROWS:
            return
        declared = _DIMENSION.search(data[:4096])
        extent = f", declared extent {declared.group(1).decode('ascii', 'replace')}" if (
            declared) else ""
        where = f"{_quote_title(title)}!A{MAX_SHEET_ROWS + 1}"
        raise AppraisalValidationError([Issue(
            "too-many-rows", f"sheet '{title}' has {rows:,} rows{extent}; an input sheet may "
            f"hold at most {MAX_SHEET_ROWS:,} rows (limits: README, Validation)", where,
            fix="delete the rows below the table (select them, right-click > Delete), or "
                "split the appraisal into smaller cases")], source=self.path.name)

    def _check_declared(self, title: str, part: str) -> bytes | None:
        """Refuse a sheet with more rows than an input sheet may hold, before anything else
        of the workbook is parsed: the part is decompressed in 1 MB pieces and its
        ``<row>`` tags counted, stopping at the first row over the limit, so a
        million-row sheet costs a few MB and milliseconds. The declared extent
        (``<dimension ref=...>``) is quoted in the message but not trusted either way (a
        sheet formatted to the last row declares 1,048,576 rows and may hold ten).

        Returns the part's bytes when it is within the limit (decompressed once, for
        the parse), or None when it cannot be read (the full read reports it, located)."""
        from appraisal.limits import MAX_SHEET_ROWS

        rows, head, tail = 0, b"", b""
        blocks: list[bytes] = []
        try:
            with self._zip.open(part) as handle:
                while rows <= MAX_SHEET_ROWS:
                    block = handle.read(2**20)
                    if not block:
                        return b"".join(blocks)
                    blocks.append(block)
                    if not head:
                        head = block[:4096]
                    window = tail + block
                    # a tag cut at the block boundary is counted once: the overlap holds
                    # less than one whole tag
                    rows += _count_rows(window) - _count_rows(tail)
                    tail = window[-7:]
        except (KeyError, zipfile.BadZipFile, OSError, RuntimeError, EOFError, zlib.error):
            return None  # the full read below reports it, located
        declared = _DIMENSION.search(head)
        last = re.search(rb"(\d+)$", declared.group(1)) if declared else None
        extent = (f" (it declares {int(last.group(1)):,} rows, extent "
                  f"{declared.group(1).decode('ascii', 'replace')})") if last else ""
        raise AppraisalValidationError([Issue(
            "too-many-rows", f"sheet '{title}' has more than {MAX_SHEET_ROWS:,} rows{extent}; "
            f"an input sheet may hold at most {MAX_SHEET_ROWS:,} rows (limits: README, "
            "Validation)", f"{_quote_title(title)}!A{MAX_SHEET_ROWS + 1}",
            fix="delete the rows below the table (select them, right-click > Delete), or "
                "split the appraisal into smaller cases")], source=self.path.name)

    def sheet(self, title: str) -> SheetGrid:
        """The parsed cells of sheet *title* (parsed once, then cached)."""
        if title in self._sheets:
            return self._sheets[title]
        grid = SheetGrid(title, self.states[title])
        part = self._parts.get(title, "")
        # rows counted while decompressing (refused over the limit before any parse)
        data = self._check_declared(title, part) if part else None
        strings = self._shared_strings()
        if data is None:
            try:
                data = self._zip.read(part)
            except (KeyError, zipfile.BadZipFile, OSError):
                data = None  # let the guarded parse below report it, located
            if data is not None:
                self._check_rows(title, data)
        if data is not None:
            # the plain form proves its sheetData well formed itself and hands the rest of
            # the part (its root, no DTD before it) to a guarded pass at C speed; any other
            # part goes to the guarded parser below
            scanned = _scan_plain_sheet(data, strings,
                                        guard=lambda xml: self._parse(part, data=xml))
            if scanned is not None:
                grid.cells, grid.merged = scanned
                self._sheets[title] = grid
                return grid
        cells = grid.cells
        parser = _guarded_parser(namespaces=False)
        local: dict[str, str] = {}
        texts: list[str] = []
        inline: list[str] = []
        # row, col, type, style, value, formula, in <is>, in <rPh>
        st: list[Any] = [0, 0, "n", 0, None, None, False, 0]

        def start(name: str, attrs: dict[str, str]) -> None:
            n = local.get(name)
            if n is None:
                n = local[name] = name.rsplit(":", 1)[-1]
            if n == "c":
                ref = attrs.get("r")
                if ref:
                    st[0], st[1] = parse_ref(ref)
                else:
                    st[1] += 1
                st[2], st[3] = attrs.get("t", "n"), int(attrs.get("s", "0"))
                st[4] = st[5] = None
            elif n == "v" or n == "f":
                texts.clear()
                parser.CharacterDataHandler = texts.append
            elif n == "row":
                ref = attrs.get("r")
                st[0] = int(ref) if ref else st[0] + 1
                st[1] = 0
            elif n == "is":
                st[6] = True
                inline.clear()
            elif n == "t" and st[6] and not st[7]:
                parser.CharacterDataHandler = inline.append
            elif n == "rPh":
                st[7] += 1
            elif n == "mergeCell":
                grid.merged.append(attrs.get("ref", ""))

        def end(name: str) -> None:
            n = local[name]
            if n == "v":
                st[4] = "".join(texts)
                parser.CharacterDataHandler = None
            elif n == "f":
                st[5] = "".join(texts)
                parser.CharacterDataHandler = None
            elif n == "c":
                kind, value, formula = st[2], st[4], st[5]
                if kind == "n" and value:
                    cells[(st[0], st[1])] = Cell("n", _number(value), formula, st[3])
                    return
                raw = {"t": kind, "s": st[3], "v": value, "f": formula,
                       "is": ["".join(inline)] if st[6] else None}
                st[6] = False
                built = _cell(raw, strings)
                if built is not None:
                    cells[(st[0], st[1])] = built
            elif n == "t":
                parser.CharacterDataHandler = None
            elif n == "rPh":
                st[7] -= 1

        self._parse(part, start, end, parser=parser, data=data)
        self._sheets[title] = grid
        return grid

    def close(self) -> None:
        """Close the underlying zip file."""
        self._zip.close()


_ET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _rich_text(el: Any) -> str:
    """Text of a shared or inline string: its ``t`` and run ``t`` elements, not phonetics,
    with the OOXML escapes decoded (:func:`decode_xstring`)."""
    out = []
    for child in el:
        tag = child.tag
        if tag == _ET_NS + "t":
            out.append(child.text or "")
        elif tag == _ET_NS + "r":
            out += [t.text or "" for t in child if t.tag == _ET_NS + "t"]
    return decode_xstring("".join(out))




def _cell(raw: dict[str, Any], strings: list[str]) -> Cell | None:
    kind, v, formula, style = raw["t"], raw["v"], raw["f"], raw["s"]
    if raw["is"] is not None:
        return Cell("s", decode_xstring("".join(raw["is"])), formula, style)
    if v is None:
        return Cell(None, None, formula, style) if formula is not None else None
    if kind == "s":
        return Cell("s", strings[int(v)], formula, style)
    if kind in ("str", "inlineStr"):
        return Cell("s", decode_xstring(v), formula, style)
    if kind == "b":
        return Cell("b", v.strip() in ("1", "true"), formula, style)
    if kind == "e":
        return Cell("e", v, formula, style)
    if kind == "d":
        return Cell("s", v, formula, style)
    if v == "":
        return Cell(None, None, formula, style)
    return Cell("n", _number(v), formula, style)


# --- fast path: sheet parts written in the plain form (this toolkit, Excel, LibreOffice) ---

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_ROOT = re.compile(r'\s*(?:<\?xml[^>]*\?>\s*)?<worksheet\b([^>]*)>')
# one token of sheetData: a cell (r, s, t attributes in that order; plain <f>, <v>, <is><t>)
# or a row tag; anything else sends the sheet to the general parser
_TOKEN = (r'\s*(?:<c r="([A-Z]{1,3})([0-9]{1,7})"(?: s="([0-9]{1,9})")?(?: t="([a-zA-Z]{1,9})")?'
          r'(?:/>|>(<f>[^<]*</f>|<f/>)?(<v>[^<]*</v>|<v/>)?'
          r'(<is><t(?: xml:space="preserve")?>[^<]*</t></is>)?</c>)'
          r'|<row(?: [a-zA-Z:]{1,20}="[^"<>]*")*/?>|</row>)')
# the tokens, or any other single character (the last group: the part is not plain); one
# findall both reads the cells and proves every character belongs to a token
_CELLS = re.compile(f"{_TOKEN}|([\\s\\S])")
_MERGE = re.compile(r'<mergeCell\sref="([^"]*)"')
_CHAR_REF = re.compile(r"&#(x[0-9a-fA-F]{1,6}|[0-9]{1,7});")
#: A predefined entity or a character reference (:func:`_unescape`).
_REFERENCE = re.compile(r"&(lt|gt|amp|quot|apos|#x[0-9a-fA-F]{1,6}|#[0-9]{1,7});")
_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def _resolved(match: re.Match[str]) -> str:
    name = match.group(1)
    if name[0] != "#":
        return _ENTITIES[name]
    return chr(int(name[2:], 16) if name[1] == "x" else int(name[1:]))


def _unescape(text: str) -> str:
    """Resolve the predefined entities and character references of XML text.

    Each reference is resolved once: what a character reference stands for is text, even
    when it reads as an entity (``&#38;lt;`` is ``&lt;``, as the parser reads it).

    Examples
    --------
    >>> _unescape("a &gt; b &amp;lt; c"), _unescape("&#38;lt; &#x3C; &lt;")
    ('a > b &lt; c', '&lt; < <')
    """
    if "&" not in text:
        return text
    if "&#" in text:  # one pass, so a resolved reference is not read again
        return _REFERENCE.sub(_resolved, text)
    # the two commonest (generated formulas compare years) first, the rest only if left
    text = text.replace("&lt;", "<").replace("&gt;", ">")
    if "&" not in text:
        return text
    return text.replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")


def _column(letters: str) -> int:
    col = _LETTER_COLS.get(letters)
    if col is None:
        col = parse_ref(letters + "1")[1]
    return col


#: The bytes XML 1.0 allows in UTF-8 text: all but the control characters other than tab,
#: LF and CR (which never occur inside a multi-byte sequence).
_XML_BYTES = bytes(b for b in range(256) if b >= 0x20 or b in (0x09, 0x0A, 0x0D))
#: An ``&`` that does not start a predefined entity or a character reference.
_BAD_AMP = re.compile(r"&(?!(?:lt|gt|amp|quot|apos);|#[0-9]{1,7};|#x[0-9a-fA-F]{1,6};)")
_ROW_ATTRS = re.compile(r'<row((?: [a-zA-Z:]{1,20}="[^"<>]*")*)/?>')
_ATTR_NAME = re.compile(r' ([a-zA-Z:]{1,20})="')


def _xml_char(code: int) -> bool:
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or (
        0xE000 <= code <= 0xFFFD) or 0x10000 <= code <= 0x10FFFF


def _only_xml_characters(data: bytes) -> bool:
    """True when UTF-8 *data* holds no character XML 1.0 forbids (a byte scan at C speed).

    Examples
    --------
    >>> _only_xml_characters("a\tb é €".encode()), _only_xml_characters(b"a\x01")
    (True, False)
    >>> _only_xml_characters("\ufffe".encode())
    False
    """
    return not data.translate(None, _XML_BYTES) and not (
        b"\xef\xbf" in data and (b"\xef\xbf\xbe" in data or b"\xef\xbf\xbf" in data))


def _tokens_well_formed(body: str) -> bool:
    """True when the tokens of a plain ``sheetData`` (every character already matched by
    the token pattern, and only XML characters: :func:`_only_xml_characters`) are
    well-formed XML as expat reads it: every ``&`` a predefined entity or a reference to
    an XML character, no ``]]>`` in text, and row tags with distinct, unprefixed
    attributes. False sends the part to the parser.

    Examples
    --------
    >>> _tokens_well_formed('<row r="1"><c r="A1"><f>"a&amp;b"&lt;&#x41;</f></c></row>')
    True
    >>> [_tokens_well_formed(f'<row r="1"><c r="A1"><f>{t}</f></c></row>')
    ...  for t in ("a & b", "&nbsp;", "&#0;", "a]]>b")]
    [False, False, False, False]
    >>> _tokens_well_formed('<row r="1" r="2"></row>'), _tokens_well_formed('<row x:r="1"/>')
    (False, False)
    """
    if "]]>" in body:
        return False
    if "&" in body:
        if _BAD_AMP.search(body):
            return False
        if "&#" in body and not all(_xml_char(int(ref[1:], 16) if ref[0] == "x" else int(ref))
                                    for ref in set(_CHAR_REF.findall(body))):
            return False
    for attrs in set(_ROW_ATTRS.findall(body)):
        names = _ATTR_NAME.findall(attrs)
        if len(set(names)) != len(names) or any(":" in name for name in names):
            return False
    return True


def _scan_plain_sheet(data: bytes, strings: list[str], *,
                      guard: Callable[[bytes], None] | None = None,
                      ) -> tuple[dict[tuple[int, int], Cell], list[str]] | None:
    """Cells and merged ranges of a sheet part in the plain form, or None (use the parser).

    Without *guard*, runs only after the guarded expat pass has proved the part well
    formed, free of a DTD and of entity declarations. With *guard* (that pass, as a
    function of XML bytes), the scan proves it here at C speed instead: the part must
    open with its root element (nothing before it but an XML declaration, so no DTD),
    its ``sheetData`` must pass :func:`_tokens_well_formed`, and the rest of the part
    (the root and everything outside ``sheetData``, a few KB) goes through *guard*; if
    the tokens fail, None is returned and the guarded parser reads the whole part. The
    plain form is what this toolkit, Excel and
    LibreOffice write: unprefixed elements in the main namespace, cells with ``r``,
    ``s`` and ``t`` attributes in that order, plain ``<f>``, ``<v>`` and ``<is><t>``
    children. Every character of ``sheetData`` must belong to such a token (the one
    C-level ``findall`` that reads the tokens also yields any character outside them),
    or None is returned and the general parser reads the part; the cells are the same
    either way (tests/test_excel_io_speed.py compares them). Cells are built without a
    Python-level constructor call.

    Examples
    --------
    >>> xml = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    ...        b'<sheetData><row r="2"><c r="B2" s="3"><f>A2*2</f><v>5</v></c>'
    ...        b'<c r="C2" t="inlineStr"><is><t>a &amp;lt; b</t></is></c></row></sheetData>'
    ...        b'<mergeCells><mergeCell ref="D2:E2"/></mergeCells></worksheet>')
    >>> cells, merged = _scan_plain_sheet(xml, [])
    >>> cells[(2, 2)], cells[(2, 3)].value, merged
    (Cell(kind='n', value=5, formula='A2*2', style=3), 'a &lt; b', ['D2:E2'])
    >>> _scan_plain_sheet(xml.replace(b'<f>', b'<f t="shared" si="0">'), []) is None
    True
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    root = _ROOT.match(text)
    if (root is None or f' xmlns="{_MAIN}"' not in root.group(1) or "\r" in text
            or "<!--" in text or "<![CDATA[" in text or text.count("<sheetData") != 1):
        return None
    at = text.find("<sheetData>")
    if at < 0:
        if not re.search(r"<sheetData\s*/>", text):
            return None
        if guard is not None:
            guard(data)  # no rows: the whole part through the guarded pass
        return {}, _MERGE.findall(text)
    begin = at + len("<sheetData>")
    stop = text.find("</sheetData>", begin)
    if stop < 0 or ":mergeCell" in text[stop:]:
        return None
    body = text[begin:stop]
    if guard is not None:
        if not (_only_xml_characters(data) and _tokens_well_formed(body)):
            return None
        # the part without its rows: root, declarations, sheetData tags, everything after
        opened = data.index(b"<sheetData>") + len(b"<sheetData>")
        guard(data[:opened] + data[data.index(b"</sheetData>", opened):])
    cells: dict[tuple[int, int], Cell] = {}
    columns, rows, styles = _LETTER_COLS, {}, {"": 0}
    new, cell_type = tuple.__new__, Cell
    for letters, row, style, kind, f, v, inline, stray in _CELLS.findall(body):
        if not (f or v or inline):
            if stray:
                return None  # a character outside the plain tokens: the parser reads it
            continue  # a row tag or a styled empty cell
        r = rows.get(row)
        if r is None:
            r = rows[row] = int(row)
        c = columns.get(letters) or _column(letters)
        s = styles.get(style)
        if s is None:
            s = styles[style] = int(style)
        if f:
            formula = "" if f == "<f/>" else f[3:-4]
            if "&" in formula:
                formula = _unescape(formula)
        else:
            formula = None
        if v and v != "<v/>" and (not kind or kind == "n"):
            value = v[3:-4]
            if "." in value or "e" in value or "E" in value or "N" in value or "n" in value:
                number: int | float = float(value)
            else:
                try:
                    number = int(value)
                except ValueError:
                    number = float(value)
            cells[(r, c)] = new(cell_type, ("n", number, formula, s))
            continue
        if kind == "s" and v and v != "<v/>" and not inline:
            cells[(r, c)] = new(cell_type, ("s", strings[int(v[3:-4])], formula, s))
            continue
        value = None if not v else ("" if v == "<v/>" else v[3:-4])
        built = _cell({"t": kind or "n", "s": s, "f": formula,
                       "v": None if value is None else _unescape(value),
                       "is": None if not inline else
                       [_unescape(inline[inline.index(">", 5) + 1:-9])]}, strings)
        if built is not None:
            cells[(r, c)] = built
    return cells, _MERGE.findall(text, stop)


def open_grid(path: str | Path) -> WorkbookGrid:
    """Check a workbook file for safety, then open it for fast reading.

    Raises
    ------
    UnsafeInputError, AppraisalValidationError
        As :func:`~appraisal.xlsx_safety.check_workbook_file`; also for a part that
        is not valid XML (located at the file).

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> path = Path(tempfile.mkdtemp()) / "g.xlsx"
    >>> book = openpyxl.Workbook()
    >>> book.active["B2"] = 2.5
    >>> book.active["C2"] = "=B2*2"
    >>> book.save(path)
    >>> grid = open_grid(path)
    >>> sheet = grid.sheet("Sheet")
    >>> sheet.get(2, 2).value, sheet.get(2, 3).formula, sheet.get(2, 3).value
    (2.5, 'B2*2', None)
    """
    report = check_workbook_file(path)
    try:
        return WorkbookGrid(report.path, report)
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        if isinstance(exc, AppraisalValidationError):
            raise
        raise AppraisalValidationError([Issue(
            "not-xlsx", f"corrupt or not an .xlsx: {exc}", str(report.path),
            fix="save the workbook again from Excel as 'Excel Workbook (*.xlsx)'")],
            source=report.path.name) from exc
