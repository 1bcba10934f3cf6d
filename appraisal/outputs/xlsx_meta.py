"""The hidden ``_meta`` sheet (key | value) and the workbook content fingerprint."""

from __future__ import annotations

import hashlib
import numbers
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from appraisal.cells import cell_ref
from appraisal.errors import AppraisalValidationError, Issue
from appraisal.outputs.xlsx_write import _refuse, write_number, write_text

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["META_SHEET", "content_hash", "read_meta", "write_meta"]

#: Name of the hidden key/value sheet that describes a workbook we wrote.
from appraisal.case.sheets import META_SHEET


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
