"""Checks that run on a workbook file before openpyxl parses any of it.

An ``.xlsx`` file is a zip of XML parts. openpyxl streams zip members without a
size cap and, unless defusedxml is installed and active, parses XML without
protection against entity expansion ("billion laughs") or external entities.
:func:`check_workbook_file` therefore looks at the raw file first:

- defusedxml must be importable and active (``openpyxl.DEFUSEDXML is True``);
- an OLE compound file (magic ``D0 CF 11 E0``) is a password-protected
  (encrypted) ``.xlsx`` or a legacy ``.xls``: refused with advice;
- something that is not a zip is refused as corrupt or not an ``.xlsx``;
- from the zip's central directory only (nothing is decompressed): the number
  of entries, each part's declared uncompressed size, the total, the
  compression ratio of large parts, path-traversal or duplicate names, and
  encrypted entries;
- the prolog of every XML part is streamed (a few KB at most) and a
  ``<!DOCTYPE`` (which is where entity declarations live) is refused, as
  defence in depth behind defusedxml;
- macros (``vbaProject.bin``), external links and data connections are
  recorded in the :class:`SafetyReport` so the reader can say they were ignored.

:func:`open_workbook_safely` runs these checks and then opens the workbook with
openpyxl, mapping every parser or zip failure to a located toolkit error that
names the file and says what to do.

The limits are policy, not published parameters, so they are module constants.
"""

from __future__ import annotations

import codecs
import dataclasses
import hashlib
import os
import posixpath
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from appraisal.errors import AppraisalValidationError, Issue, Severity, UnsafeInputError

if TYPE_CHECKING:
    from openpyxl import Workbook

__all__ = [
    "MAX_ENTRIES",
    "MAX_PART_BYTES",
    "MAX_RATIO",
    "MAX_TOTAL_BYTES",
    "PROLOG_LIMIT_BYTES",
    "RATIO_MIN_BYTES",
    "SafetyReport",
    "check_workbook_file",
    "ensure_defusedxml",
    "open_workbook_safely",
]

#: Most zip entries accepted (a large real workbook has a few hundred).
MAX_ENTRIES = 10_000
#: Largest declared uncompressed size of one part, in bytes.
MAX_PART_BYTES = 100 * 2**20
#: Largest declared uncompressed size of all parts together, in bytes.
MAX_TOTAL_BYTES = 200 * 2**20
#: Highest compression ratio accepted for a part larger than :data:`RATIO_MIN_BYTES`.
MAX_RATIO = 100
#: Parts smaller than this are not ratio-checked (small XML compresses well legitimately).
RATIO_MIN_BYTES = 2**20
#: How far into an XML part the prolog may extend before the root element.
PROLOG_LIMIT_BYTES = 64 * 1024

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK"
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_ACCEPTED_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm")
_CHUNK = 1024
# What reading a damaged zip can raise (RuntimeError covers unsupported compression methods).
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
               zlib.error, RuntimeError)


@dataclass(frozen=True, slots=True)
class SafetyReport:
    """What :func:`check_workbook_file` found in a workbook it accepted.

    Attributes
    ----------
    path : pathlib.Path
        The file checked.
    entries : int
        Number of zip entries.
    total_uncompressed : int
        Sum of the declared uncompressed sizes, in bytes.
    has_macros : bool
        The file holds a VBA project (``vbaProject.bin``); it is never run
        and never kept.
    vba_sha256 : str or None
        SHA-256 of the VBA project, for the run log.
    external_links : tuple of str
        External-link parts (``xl/externalLinks/...``); they are not loaded.
    has_data_connections : bool
        The file holds data connections or query tables; they are not refreshed.
    parser_warnings : tuple of str
        Warnings openpyxl raised while loading (features it drops), filled in by
        :func:`open_workbook_safely`.
    """

    path: Path
    entries: int
    total_uncompressed: int
    has_macros: bool = False
    vba_sha256: str | None = None
    external_links: tuple[str, ...] = ()
    has_data_connections: bool = False
    parser_warnings: tuple[str, ...] = ()
    manual_calculation: bool = False

    def issues(self) -> list[Issue]:
        """Warnings for the run log: ignored macros, links, connections, dropped features.

        Examples
        --------
        >>> from pathlib import Path
        >>> report = SafetyReport(Path("case.xlsm"), 12, 40_000, has_macros=True)
        >>> print(report.issues()[0].message)
        the workbook contains macros (VBA); they were ignored and never run
        """
        # (present, code, message, fix) of each ignored feature, in the order they are told
        features = (
            (self.has_macros, "macros-ignored",
             "the workbook contains macros (VBA); they were ignored and never run", ""),
            (bool(self.external_links), "external-links-ignored",
             f"the workbook links to other files ({len(self.external_links)} link part(s)); "
             "linked values were not refreshed",
             "paste the linked values into the workbook if they are inputs"),
            (self.has_data_connections, "data-connections-ignored",
             "the workbook has data connections or query tables; they were not refreshed", ""),
            (self.manual_calculation, "manual-calculation",
             "the workbook is set to manual calculation, so the values Excel stored for its "
             "formulas may be out of date; they were read as stored",
             "in Excel press F9 (or Formulas > Calculation Options > Automatic), save, and "
             "run again"),
        )
        where = str(self.path)
        found = [Issue(code, message, where, fix=fix, severity=Severity.WARNING)
                 for present, code, message, fix in features if present]
        found.extend(Issue("parser-warning", text, where, severity=Severity.WARNING)
                     for text in self.parser_warnings)
        return found


def _invalid(path: Path, code: str, message: str, fix: str) -> AppraisalValidationError:
    return AppraisalValidationError([Issue(code, message, str(path), fix=fix)], source=str(path))


def ensure_defusedxml() -> None:
    """Refuse to parse workbooks unless openpyxl uses defusedxml.

    Raises
    ------
    UnsafeInputError
        If defusedxml is not installed, or ``OPENPYXL_DEFUSEDXML`` switched it off.

    Examples
    --------
    >>> ensure_defusedxml()  # silent when openpyxl parses through defusedxml
    """
    import openpyxl
    from openpyxl.xml import functions

    active = openpyxl.DEFUSEDXML is True and functions.iterparse.__module__.startswith(
        "defusedxml")
    if active:
        return
    try:
        import defusedxml  # noqa: F401
    except ImportError:
        msg = ("refusing to read workbooks: the 'defusedxml' package is not installed, so "
               "openpyxl would parse XML without protection against entity-expansion attacks; "
               "run `pip install defusedxml`")
        raise UnsafeInputError(msg) from None
    msg = ("refusing to read workbooks: openpyxl's defusedxml protection is switched off "
           f"(OPENPYXL_DEFUSEDXML={os.environ.get('OPENPYXL_DEFUSEDXML', '')!r}); "
           "unset that environment variable and start again")
    raise UnsafeInputError(msg)


def _sniff_format(path: Path) -> None:
    """Refuse files that are not zip-based workbooks, with advice for each kind."""
    if not path.exists():
        raise _invalid(path, "file-not-found", "the workbook file does not exist",
                       "check the path and the file name")
    if not path.is_file():
        raise _invalid(path, "not-a-file", "the path is a folder, not a workbook file",
                       "give the path of an .xlsx file")
    with open(path, "rb") as handle:
        head = handle.read(len(_OLE_MAGIC))
    if head == _OLE_MAGIC:
        raise _invalid(
            path, "password-protected-or-legacy",
            "this is a password-protected or legacy workbook (an OLE compound file, not a "
            "zip-based .xlsx), which cannot be read",
            "remove the password (Excel: File > Info > Protect Workbook > Encrypt with "
            "Password, clear it) or save as 'Excel Workbook (*.xlsx)', then try again")
    suffix = path.suffix.lower()
    if suffix not in _ACCEPTED_SUFFIXES:
        raise _invalid(path, "unsupported-format",
                       f"'{suffix or path.name}' files are not supported; expected one of "
                       f"{', '.join(_ACCEPTED_SUFFIXES)}",
                       "open the file in Excel or LibreOffice and save it as "
                       "'Excel Workbook (*.xlsx)'")
    if not head.startswith(_ZIP_MAGIC):
        what = "the file is empty" if not head else "the file is not a zip-based workbook"
        raise _invalid(path, "not-xlsx", f"corrupt or not an .xlsx: {what}",
                       "save the workbook again from Excel as 'Excel Workbook (*.xlsx)'")


def _unsafe_name(name: str) -> bool:
    """True for zip member names that could escape a folder if ever extracted."""
    if not name or "\x00" in name or "\\" in name or name.startswith("/"):
        return True
    if len(name) > 1 and name[1] == ":":  # drive letter
        return True
    return ".." in name.split("/")


def _check_central_directory(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    """Zip-bomb and traversal checks from declared sizes only (no decompression)."""
    advice = "the file may be malicious; do not open it, ask the sender for a clean copy"
    if len(infos) > MAX_ENTRIES:
        msg = (f"refusing {str(path)!r}: {len(infos):,} zip entries (limit {MAX_ENTRIES:,}); "
               f"{advice}")
        raise UnsafeInputError(msg)
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        if _unsafe_name(name):
            msg = f"refusing {str(path)!r}: zip entry {name!r} has an unsafe path; {advice}"
            raise UnsafeInputError(msg)
        if name.lower() in seen:
            msg = f"refusing {str(path)!r}: zip entry {name!r} appears twice; {advice}"
            raise UnsafeInputError(msg)
        seen.add(name.lower())
        if info.flag_bits & 0x1:
            raise _invalid(path, "password-protected-or-legacy",
                           f"zip entry {name!r} is encrypted (password-protected)",
                           "remove the password and save as 'Excel Workbook (*.xlsx)'")
        if info.file_size > MAX_PART_BYTES:
            msg = (f"refusing {str(path)!r}: part {name!r} declares {info.file_size:,} bytes "
                   f"uncompressed (limit {MAX_PART_BYTES:,}); {advice}")
            raise UnsafeInputError(msg)
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            msg = (f"refusing {str(path)!r}: parts declare more than {MAX_TOTAL_BYTES:,} bytes "
                   f"uncompressed in total; {advice}")
            raise UnsafeInputError(msg)
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_MIN_BYTES and ratio > MAX_RATIO:
            msg = (f"refusing {str(path)!r}: part {name!r} is compressed {ratio:,.0f}:1 "
                   f"(limit {MAX_RATIO}:1), the mark of a zip bomb; {advice}")
            raise UnsafeInputError(msg)


def _decoder_for(head: bytes) -> tuple[codecs.IncrementalDecoder, int]:
    """Pick the XML part's encoding from its first bytes (BOM or ``<?`` pattern)."""
    for bom, enc in ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
                     (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                     (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            return codecs.getincrementaldecoder(enc)(errors="replace"), len(bom)
    for pattern, enc in ((b"<\x00\x00\x00", "utf-32-le"), (b"\x00\x00\x00<", "utf-32-be"),
                         (b"<\x00", "utf-16-le"), (b"\x00<", "utf-16-be")):
        if head.startswith(pattern):
            return codecs.getincrementaldecoder(enc)(errors="replace"), 0
    return codecs.getincrementaldecoder("utf-8")(errors="replace"), 0


def _prolog_verdict(text: str) -> str | None:
    """Scan an XML prolog: "doctype", "ok" (root element reached) or None (need more text)."""
    i, n = 0, len(text)
    while i < n:
        if text[i] in " \t\r\n":
            i += 1
        elif text.startswith("<?", i):
            end = text.find("?>", i + 2)
            if end < 0:
                return None
            i = end + 2
        elif text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            if end < 0:
                return None
            i = end + 3
        elif text.startswith("<!", i):
            if n - i < 9:
                return None
            return "doctype"  # <!DOCTYPE or a stray <!ENTITY: both refused
        else:
            return "ok"  # root element (or junk the parser will reject)
    return None


def _check_xml_prolog(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Stream the start of one XML part and refuse a DOCTYPE (entity declarations)."""
    with archive.open(info) as member:
        raw = member.read(_CHUNK)
        decoder, skip = _decoder_for(raw)
        text = decoder.decode(raw[skip:])
        read = len(raw)
        while (verdict := _prolog_verdict(text)) is None:
            chunk = member.read(_CHUNK)
            if not chunk:
                return
            read += len(chunk)
            if read > PROLOG_LIMIT_BYTES:
                msg = (f"refusing {str(path)!r}: XML part {info.filename!r} has a prolog longer "
                       f"than {PROLOG_LIMIT_BYTES:,} bytes; the file may be malicious, ask the "
                       "sender for a clean copy")
                raise UnsafeInputError(msg)
            text += decoder.decode(chunk)
    if verdict == "doctype":
        msg = (f"refusing {str(path)!r}: XML part {info.filename!r} contains a DOCTYPE or "
               "ENTITY declaration (possible XML bomb or external-entity attack); Excel never "
               "writes these, so the file was altered: ask the sender for a clean copy")
        raise UnsafeInputError(msg)


_CALC_PR = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?calcPr\b[^>]*>")
_MANUAL = re.compile(rb"""\bcalcMode\s*=\s*["']manual["']""")


def check_workbook_file(path: str | os.PathLike[str]) -> SafetyReport:
    """Check a workbook file for safety before anything parses it.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.xlsx`` / ``.xlsm`` file.

    Returns
    -------
    SafetyReport
        What was found (macros, external links, connections), for the run log.

    Raises
    ------
    UnsafeInputError
        defusedxml inactive; zip bomb (entries, declared sizes, ratio); unsafe or
        duplicate member names; a DOCTYPE/ENTITY in an XML part.
    AppraisalValidationError
        Missing file, password-protected or legacy workbook, unsupported
        format, corrupt or not an ``.xlsx``. The issue is located at the file.

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "case.xlsx"
    >>> openpyxl.Workbook().save(path)
    >>> report = check_workbook_file(path)
    >>> report.has_macros, report.external_links
    (False, ())
    >>> _ = path.write_bytes(b"name,value\\n")
    >>> check_workbook_file(path)
    Traceback (most recent call last):
    ...
    appraisal.errors.AppraisalValidationError: ...case.xlsx: 1 problem
      ...case.xlsx: error [not-xlsx] corrupt or not an .xlsx: ...
    """
    ensure_defusedxml()
    path = Path(path)
    _sniff_format(path)
    try:
        archive = zipfile.ZipFile(path)
    except _ZIP_ERRORS as exc:
        raise _invalid(path, "not-xlsx", f"corrupt or not an .xlsx: {exc}",
                       "the file may be truncated; save it again from Excel or get a fresh "
                       "copy") from exc
    with archive:
        infos = archive.infolist()
        _check_central_directory(path, infos)
        names = {info.filename.lower(): info for info in infos}
        if "[content_types].xml" not in names:
            raise _invalid(path, "not-xlsx",
                           "corrupt or not an .xlsx: the zip has no [Content_Types].xml part",
                           "save the workbook from Excel as 'Excel Workbook (*.xlsx)'")
        vba_hash = None
        manual = False
        try:
            book = names.get("xl/workbook.xml")
            if book is not None and book.file_size <= 2**22:  # a workbook part is a few KB
                calc = _CALC_PR.search(archive.read(book))
                manual = bool(calc and _MANUAL.search(calc.group(0)))
            for info in infos:
                if info.filename.lower().endswith(_XML_SUFFIXES):
                    _check_xml_prolog(path, archive, info)
            vba = [i for i in infos if posixpath.basename(i.filename.lower()) == "vbaproject.bin"]
            if vba:
                with archive.open(vba[0]) as member:
                    vba_hash = hashlib.file_digest(member, "sha256").hexdigest()
        except _ZIP_ERRORS as exc:
            if isinstance(exc, UnsafeInputError):
                raise
            raise _invalid(path, "not-xlsx", f"corrupt or not an .xlsx: {exc}",
                           "save the workbook again from Excel or get a fresh copy") from exc
    return SafetyReport(
        path=path,
        entries=len(infos),
        total_uncompressed=sum(i.file_size for i in infos),
        has_macros=vba_hash is not None,
        vba_sha256=vba_hash,
        external_links=tuple(sorted(i.filename for i in infos
                                    if i.filename.lower().startswith("xl/externallinks/")
                                    and i.filename.lower().endswith(".xml"))),
        has_data_connections=any(n == "xl/connections.xml" or n.startswith("xl/querytables/")
                                 for n in names),
        manual_calculation=manual,
    )


def _is_defused_error(exc: BaseException) -> bool:
    from defusedxml import DefusedXmlException

    seen: set[int] = set()
    node: BaseException | None = exc
    while node is not None and id(node) not in seen:
        if isinstance(node, DefusedXmlException):
            return True
        seen.add(id(node))
        node = node.__cause__ or node.__context__
    return False


def open_workbook_safely(
    path: str | os.PathLike[str], *, data_only: bool
) -> tuple[Workbook, SafetyReport]:
    """Check a workbook file, then open it with openpyxl (never running or keeping macros).

    Parameters
    ----------
    path : str or os.PathLike
        The workbook file.
    data_only : bool
        True to read formula cells' cached values, False to read the formulas.

    Returns
    -------
    workbook : openpyxl.Workbook
        Opened with ``read_only=False, keep_vba=False, keep_links=False``.
    report : SafetyReport
        The pre-check's findings plus openpyxl's warnings (dropped features).

    Raises
    ------
    UnsafeInputError, AppraisalValidationError
        As :func:`check_workbook_file`; also when openpyxl cannot parse the file
        (a defusedxml refusal is an ``UnsafeInputError``).

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "case.xlsx"
    >>> book = openpyxl.Workbook()
    >>> book.active["A1"] = 42
    >>> book.save(path)
    >>> workbook, report = open_workbook_safely(path, data_only=True)
    >>> workbook.active["A1"].value, report.has_macros
    (42, False)
    """
    import openpyxl

    report = check_workbook_file(path)
    path = report.path
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            workbook = openpyxl.load_workbook(path, read_only=False, keep_vba=False,
                                              data_only=data_only, keep_links=False)
    except (KeyboardInterrupt, MemoryError):
        raise
    except Exception as exc:  # untrusted input: any parser failure becomes a located error
        if _is_defused_error(exc):
            msg = (f"refusing {str(path)!r}: its XML contains entity declarations or external "
                   "references (possible XML bomb); ask the sender for a clean copy")
            raise UnsafeInputError(msg) from exc
        raise _invalid(path, "unreadable-workbook",
                       f"corrupt or not an .xlsx: openpyxl could not read it "
                       f"({type(exc).__name__}: {exc})",
                       "open it in Excel, check it, and save it again as 'Excel Workbook "
                       "(*.xlsx)'") from exc
    texts = tuple(dict.fromkeys(str(w.message) for w in caught))
    return workbook, dataclasses.replace(report, parser_warnings=texts)
