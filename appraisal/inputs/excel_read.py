"""Read a case workbook: the same plain data as YAML, every problem at its ``Sheet!Cell``.

:func:`read_case_workbook` is what ``appraisal run case.xlsx`` and ``appraisal validate``
call (through :func:`appraisal.load_case`). The workbook's cells are turned into the YAML
layout and checked by :func:`appraisal.case.schema.build_case` with a locator that maps each
field path to its cell, so the checks are the YAML checks. Before that, the workbook
itself is checked, and each problem is reported at its cell, never passed silently:

- numbers stored as text, percentages typed as whole numbers (3.5 for 3.5%), dates in
  number fields, Excel error values;
- formulas in input cells without a calculated value (a formula *with* one is read as
  its value); generated profile amounts typed over, and any edited formula or protected
  reference value the workbook recorded (``_meta``);
- merged cells in a data sheet; hidden sheets; missing sheets; renamed, missing or
  unknown column headers; values outside the year columns;
- macros: the workbook is read without them, and refused unless ``allow_macros=True``.

Every problem is worded for the workbook (:mod:`appraisal.inputs.excel_messages`): the
sheet, the row's option and line and the column, never a YAML field path or fix.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appraisal.case.model import Case
from appraisal.case.schema import build_case
from appraisal.cells import cell_ref, no_gc
from appraisal.errors import AppraisalValidationError, Issue, Issues
from appraisal.inputs.excel_grid import open_grid
from appraisal.inputs.excel_messages import WorkbookWords
from appraisal.inputs.excel_sheets_read import read_sheets
from appraisal.inputs.workbook_cells import CellReader, alternate_path
from appraisal.lenses.catalogue import section_parsers

__all__ = ["WorkbookInput", "read_case_workbook", "read_workbook_data"]

#: The last workbook read, by (path, size, mtime): (allow_macros, what was read). A run reads
#: its workbook, then the change report reads it again; the second read reuses the first.
_CACHE: dict[tuple[Any, ...], tuple[bool, WorkbookInput]] = {}


@dataclass
class WorkbookInput:
    """What was read from a workbook: plain case data, where each field came from, problems."""

    path: Path
    data: dict[str, Any]
    locations: dict[tuple[Any, ...], str]
    issues: Issues
    meta: dict[str, Any]
    sha256: str
    warnings: list[Issue] = field(default_factory=list)
    year_cells: tuple[str, int, int | None] | None = None
    line_rows: dict[int, int] = field(default_factory=dict)
    has_macros: bool = False
    #: What the rows and columns are called, to word problems for the workbook.
    words: WorkbookWords = field(default_factory=WorkbookWords)
    _memo: dict[tuple[Any, ...], str] = field(default_factory=dict, repr=False, compare=False)
    _memo_size: int = field(default=-1, repr=False, compare=False)

    def locate(self, path: tuple[Any, ...]) -> str:
        """``Sheet!Cell`` of a field path (or of its nearest located parent)."""
        probe = tuple(path)
        if (len(probe) == 4 and probe[0] == "lines" and probe[2] == "values"
                and probe not in self.locations and self.year_cells is not None):
            title, first, base = self.year_cells
            row = self.line_rows.get(probe[1]) if isinstance(probe[1], int) else None
            try:
                year = int(probe[3])
            except (TypeError, ValueError):
                year = None
            if row is not None and year is not None and base is not None and year >= base:
                return cell_ref(title, row, first + year - base)
        if len(self._memo) > 200_000 or self._memo_size != len(self.locations):
            self._memo.clear()
            self._memo_size = len(self.locations)
        return self._nearest(probe)

    def _nearest(self, probe: tuple[Any, ...]) -> str:
        """Location of *probe* or of its nearest located parent (memoised by prefix)."""
        found = self._memo.get(probe)
        if found is not None:
            return found
        found = self.locations.get(probe)
        if found is None:
            found = self.locations.get(alternate_path(probe))
        if found is None:
            found = self._nearest(probe[:-1]) if probe else "Case!A1"
        self._memo[probe] = found
        return found

    def meta_json(self, key: str) -> Any:
        """A JSON item stored in ``_meta`` over several cells (None when absent)."""
        parts = self.meta.get(f"{key}.parts")
        if not isinstance(parts, int | float):
            return None
        text = "".join(str(self.meta.get(f"{key}.{i}", "")) for i in range(1, int(parts) + 1))
        try:
            return json.loads(text)
        except ValueError:
            return None


def read_workbook_data(path: str | Path, *, allow_macros: bool = False) -> WorkbookInput:
    """Read a case workbook into plain data (the YAML layout) and cell locations.

    Raises
    ------
    UnsafeInputError, AppraisalValidationError
        For files refused by the safety checks (located at the file).
    """

    p = Path(path)
    try:
        stat = p.stat()
        key = (str(p.resolve()), stat.st_size, stat.st_mtime_ns)
    except OSError:
        key = None
    if key is not None and key in _CACHE:
        allowed, found = _CACHE[key]
        # allow_macros changes what is read only for a workbook that has macros
        if allowed == allow_macros or not found.has_macros:
            return found
    with no_gc():
        found = _read(p, allow_macros)
    _CACHE.clear()  # one entry: the CLI's change report reuses what the run just read
    if key is not None:
        _CACHE[key] = (allow_macros, found)
    return found


def _read(p: Path, allow_macros: bool) -> WorkbookInput:
    grid = open_grid(p)
    try:
        digest = hashlib.sha256(p.read_bytes()).hexdigest()
        reader = CellReader(grid, allow_macros)
        reader.check_book()
        reader.read_meta()
        data = read_sheets(reader)
        if reader.meta.get("inputs_complete") is False or reader.meta.get(
                "inputs_complete") == "no":
            reader.error(reader.loc.get(("_meta", "inputs_complete"), "_meta!A1"), "_meta",
                         "inputs-incomplete", "this results workbook does not hold every input "
                         f"of its case ({reader.meta.get('inputs_omitted', '')})",
                         "run again from the original case file")
        found = WorkbookInput(p, data, reader.loc, reader.issues, reader.meta, digest,
                              reader.warnings, reader.year_cells, reader.line_rows,
                              has_macros=grid.report.has_macros,
                              words=WorkbookWords(reader.row_names, reader.column_names,
                                                  reader.loc, reader.year_cells))
        reader.protected(found.meta_json("protected") or [])
    finally:
        grid.close()
    return found


def read_case_workbook(path: str | Path, *, allow_macros: bool = False) -> Case:
    """Load and validate a case from an ``.xlsx`` workbook made by ``appraisal template``.

    Parameters
    ----------
    path : str or os.PathLike
        The workbook. It is only read, never written.
    allow_macros : bool, default False
        Accept a macro-enabled workbook (its macros are ignored and never run either way).

    Raises
    ------
    AppraisalValidationError
        With every problem found, each at its ``Sheet!Cell`` with its field.
    UnsafeInputError
        For files refused for safety (XML or zip bomb, defusedxml switched off).

    Examples
    --------
    >>> import tempfile
    >>> from appraisal import example_path, load_case
    >>> from appraisal.outputs.excel_template import write_template
    >>> case = load_case(example_path("minimal"))
    >>> book = write_template(Path(tempfile.mkdtemp()) / "case.xlsx", case)
    >>> read_case_workbook(book).lines == case.lines
    True
    """
    found = read_workbook_data(path, allow_macros=allow_macros)
    name = found.path.name
    located = {i.location for i in found.issues.errors}
    say = found.words.all_worded
    try:
        case = build_case(found.data, locate=found.locate, source=name,
                          source_sha256=found.sha256, base_dir=found.path.parent,
                          sections=section_parsers())
    except AppraisalValidationError as exc:
        extra = [i for i in exc.issues if i.location not in located]
        raise AppraisalValidationError(say([*found.issues.items, *extra]),
                                       source=name) from None
    if found.issues.has_errors:
        raise AppraisalValidationError(say(found.issues.items), source=name)
    return case
