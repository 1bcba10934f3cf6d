"""A workbook being built: openpyxl for its structure, :class:`SheetData` for its cells.

:class:`BookBuilder` is shared by the template writer and the results writer. It keeps
one style catalogue (inputs blue on a light fill, calculations black, headers, help
text), writes table headers from :mod:`appraisal.case.sheets`, adds drop-downs,
named ranges and frozen panes, collects the ``_meta`` items and the protected ranges,
and saves atomically with every formula's cached value.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from appraisal.case.sheets import FIRST_ROW, HEADER_ROW, HELP_ROW, TableSheet
from appraisal.cells import column_letter
from appraisal.outputs.atomic import PathLike
from appraisal.outputs.excel_stream import CellStyle, SheetData, StyleBook
from appraisal.outputs.excel_stream import save_with_sheets as _save
from appraisal.outputs.xlsx_cells import add_dropdown, define_name, protect_sheet, write_meta
from appraisal.outputs.xlsx_furniture import page_fit

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["META_CHUNK", "WORKBOOK_FORMAT", "BookBuilder", "tool_version"]

#: Longest text stored in one ``_meta`` cell (Excel's limit is 32,767 characters).
META_CHUNK = 30_000
_HEADER_FILL, _HELP_COLOUR, _TITLE_COLOUR = "FFD9E1F2", "FF595959", "FF1F3864"


#: The ``format`` recorded in ``_meta`` and on the cover of every workbook this toolkit writes.
WORKBOOK_FORMAT = "appraisal case workbook"


def tool_version() -> str:
    """The installed toolkit's version (``unknown`` in a bare checkout)."""
    from importlib import metadata

    try:
        return metadata.version("appraisal")
    except metadata.PackageNotFoundError:
        return "unknown"


class BookBuilder:
    """A workbook under construction (see the module docstring)."""

    def __init__(self) -> None:
        from openpyxl import Workbook

        self.workbook = Workbook()
        self.workbook.remove(self.workbook.active)
        self._styles = StyleBook(self.workbook)
        self._style_ids: dict[tuple[Any, ...], int] = {}
        self.data: dict[str, SheetData] = {}
        self.meta: dict[str, Any] = {}
        #: What each table sheet holds (its spec's description), by sheet title, in the
        #: order written: the cover lists the workbook's sheets from it.
        self.descriptions: dict[str, str] = {}
        #: Protected ranges: (sheet, first row, last row, first col, last col, kind, digests).
        self.protected: list[dict[str, Any]] = []

    # --- styles -------------------------------------------------------------------------

    def style(self, role: str = "plain", number_format: str = "General", **options: Any) -> int:
        """Format id of a style: ``role`` is ``input``, ``calc`` or ``plain`` (cached)."""
        key = (role, number_format, *sorted(options.items()))
        found = self._style_ids.get(key)
        if found is None:
            found = self._style_ids[key] = self._styles.id(CellStyle(role, number_format,
                                                                     **options))
        return found

    @property
    def header(self) -> int:
        """Table header style."""
        return self.style(bold=True, fill=_HEADER_FILL, wrap=True, border=True)

    @property
    def help(self) -> int:
        """Help-row style (small grey italics)."""
        return self.style(italic=True, size=9, color=_HELP_COLOUR, wrap=True)

    @property
    def title(self) -> int:
        """Sheet title style."""
        return self.style(bold=True, size=15, color=_TITLE_COLOUR)

    @property
    def bold(self) -> int:
        """Bold text."""
        return self.style(bold=True)

    @property
    def text(self) -> int:
        """Plain wrapped text."""
        return self.style(wrap=True)

    # --- sheets -------------------------------------------------------------------------

    def sheet(self, title: str, *, index: int | None = None) -> tuple[Worksheet, SheetData]:
        """Create a sheet and its cell builder."""
        ws = self.workbook.create_sheet(title, index)
        self.data[title] = SheetData(title)
        return ws, self.data[title]

    def table(self, spec: TableSheet, *, index: int | None = None, freeze_cols: int = 0,
              extra_headers: Sequence[tuple[str | None, str, float]] = ()
              ) -> tuple[Worksheet, SheetData]:
        """Create a table sheet with its header row, help row, widths and frozen panes.

        ``extra_headers`` are further ``(header, help, width)`` columns after the spec's.
        """
        ws, data = self.sheet(spec.title, index=index)
        self.descriptions[spec.title] = spec.description
        header, helper = self.header, self.help
        columns = [(c.header, c.help, c.width) for c in spec.columns] + list(extra_headers)
        for col, (text, help_text, width) in enumerate(columns, start=1):
            if text is not None:  # None: the caller writes this header (e.g. a formula)
                data.text(HEADER_ROW, col, text, header)
            data.any(HELP_ROW, col, help_text or None, helper)
            ws.column_dimensions[column_letter(col)].width = width
        data.height(HEADER_ROW, 30)
        data.height(HELP_ROW, 36)
        ws.freeze_panes = f"{column_letter(freeze_cols + 1)}{FIRST_ROW}"
        page_fit(ws, title_rows=f"{HEADER_ROW}:{HELP_ROW}", fit_width=len(columns) <= 24)
        return ws, data

    def dropdown(self, ws: Worksheet, col: int, last_row: int, *,
                 choices: Sequence[str] = (), source: str = "", strict: bool = True) -> None:
        """A drop-down on rows :data:`FIRST_ROW`..``last_row`` of column ``col``.

        ``strict=False`` lets the user type other values (Excel asks to confirm).
        """
        cells = f"{column_letter(col)}{FIRST_ROW}:{column_letter(col)}{last_row}"
        if source:
            rule = add_dropdown(ws, cells, source=source)
        else:
            rule = add_dropdown(ws, cells, list(choices))
        if not strict:
            rule.errorStyle = "information"

    def name(self, name: str, ws: Worksheet, ref: str) -> None:
        """A workbook-scoped named range."""
        define_name(self.workbook, name, ws, ref)

    # --- meta and saving ----------------------------------------------------------------

    def protect_range(self, sheet: str, rows: tuple[int, int], cols: tuple[int, int],
                      kind: str, digests: list[str]) -> None:
        """Record a range whose cells must not change (formulas, or reference values).

        ``digests`` holds one digest per row (see :mod:`appraisal.inputs.excel_changes`).
        """
        self.protected.append({"sheet": sheet, "rows": list(rows), "cols": list(cols),
                               "kind": kind, "digests": digests})

    def put_json(self, key: str, value: Any) -> None:
        """Store *value* as JSON text in ``_meta``, split over several cells if long."""
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        chunks = [text[i:i + META_CHUNK] for i in range(0, len(text), META_CHUNK)] or [""]
        self.meta[f"{key}.parts"] = len(chunks)
        for i, chunk in enumerate(chunks, start=1):
            self.meta[f"{key}.{i}"] = chunk

    def save(self, path: PathLike, *, force: bool = False, protect: Sequence[PathLike] = (),
             hide_meta: bool = True) -> Path:
        """Write ``_meta`` and save atomically."""
        self._styles.close()
        self.put_json("protected", self.protected)
        sheet = write_meta(self.workbook, self.meta)
        protect_sheet(sheet)
        if not hide_meta:
            sheet.sheet_state = "visible"
        return _save(self.workbook, self.data, path, force=force, protect=protect)
