"""Helpers that build hostile workbooks by rewriting one sheet's XML in a template."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def sheet_part(book: Path, title: str) -> str:
    """The zip part holding sheet *title* of *book*."""
    with zipfile.ZipFile(book) as z:
        wb = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet [^>]*name="{re.escape(title)}"[^>]*r:id="([^"]+)"', wb)
    assert rid is not None, title
    target = re.search(rf'<Relationship [^>]*Id="{rid.group(1)}"[^>]*Target="([^"]+)"', rels)
    if target is None:
        target = re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid.group(1)}"',
                           rels)
    name = target.group(1).lstrip("/")
    return name if name.startswith("xl/") else "xl/" + name


def replace_part(book: Path, out: Path, part: str, data: bytes) -> Path:
    """Copy *book* to *out* with *part* replaced by *data*."""
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, data if info.filename == part else src.read(info.filename))
    return out


def many_rows_sheet(rows: int, first: int = 2) -> bytes:
    """A sheet of inline-string rows ``Option k`` in column A, from row *first*."""
    body = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>Option %d</t></is></c></row>' % (r, r, r)
        for r in range(first, first + rows))
    head = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet '
            f'xmlns="{_NS}"><dimension ref="A1:A{first + rows - 1}"/><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>').encode()
    return head + body + b"</sheetData></worksheet>"
