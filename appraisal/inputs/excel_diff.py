"""Which inputs of a workbook changed: since the tool wrote it, or against a previous file.

Every workbook the toolkit writes keeps its inputs as written in ``_meta``; re-running on
an edited copy reports each changed input at its ``Sheet!Cell``. With a previous file
(``--against``; a workbook or a YAML case) the comparison is with that file's inputs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from appraisal.inputs.excel_changes import Change, describe, diff_data

__all__ = ["WorkbookChange", "workbook_changes"]


@dataclass(frozen=True, slots=True)
class WorkbookChange:
    """One changed input: where it is now, its field, old and new values."""

    location: str
    field: str
    old: Any
    new: Any
    what: str = "changed"
    text: str = ""

    def __str__(self) -> str:
        return f"{self.location}: {self.text}" if self.location else self.text


def _data_of(path: Path) -> Any:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from appraisal.inputs.excel_read import read_workbook_data

        return read_workbook_data(path, allow_macros=True).data
    from appraisal.yaml_safety import parse_yaml

    data, _, _ = parse_yaml(path.read_text(encoding="utf-8"), path.name)
    return data


def workbook_changes(path: str | os.PathLike[str],
                     against: str | os.PathLike[str] | None = None) -> list[WorkbookChange]:
    """The inputs of workbook *path* that differ from what the tool wrote (or from *against*).

    Parameters
    ----------
    path : str or os.PathLike
        A workbook written by the toolkit (template, converted case or ``results.xlsx``).
    against : str or os.PathLike, optional
        A previous workbook or YAML case to compare with instead of the workbook's own
        record of what was written.

    Returns
    -------
    list of WorkbookChange
        Empty when nothing changed (or the workbook holds no record to compare with).

    Examples
    --------
    >>> import tempfile
    >>> from appraisal import example_path, load_case
    >>> from appraisal.outputs.excel_template import write_template
    >>> book = write_template(Path(tempfile.mkdtemp()) / "c.xlsx",
    ...                       load_case(example_path("minimal")))
    >>> workbook_changes(book)
    []
    """
    from appraisal.inputs.excel_read import read_workbook_data

    found = read_workbook_data(path, allow_macros=True)
    old = found.meta_json("snapshot") if against is None else _data_of(Path(against))
    if old is None:
        return []
    out = []
    for change in diff_data(old, found.data):
        where = "" if change.what == "removed" else found.locate(_located(change))
        out.append(WorkbookChange(where, change.field, change.old, change.new, change.what,
                                  describe(change, found.words.place(
                                      where, column=change.what != "added"))))
    return out


def _located(change: Change) -> tuple[Any, ...]:
    return tuple(int(p) if isinstance(p, str) and p.lstrip("-").isdigit() else p
                 for p in change.path)
