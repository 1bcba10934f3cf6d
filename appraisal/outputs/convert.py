"""A case as YAML, and conversion between YAML and workbooks.

:func:`convert_case` turns a YAML case into a workbook and back (``appraisal convert IN
OUT``) without losing anything the case holds. The plain data it writes comes from
:func:`~appraisal.case.case_data.case_to_data` (re-exported here with
:func:`~appraisal.case.case_data.plain`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from appraisal.case.case_data import case_to_data, plain
from appraisal.case.model import Case
from appraisal.case.schema import CASE_FIELDS
from appraisal.errors import AppraisalValidationError, Issue
from appraisal.outputs.atomic import PathLike, atomic_write_text, check_destination

__all__ = ["case_to_data", "case_to_yaml", "convert_case", "plain", "read_case_data"]


def case_to_yaml(case: Case, *, note: str = "") -> str:
    """YAML text of a case (safe dumper, schema order), readable by :func:`appraisal.load_case`.

    Examples
    --------
    >>> from appraisal import case_from_records
    >>> case = case_from_records(title="yes", base_year=2025, horizon_years=1,
    ...     options=[{"name": "BAU", "counterfactual": True}], lines=[])
    >>> print(case_to_yaml(case).splitlines()[1])
    title: 'yes'
    """
    return _yaml_text(case_to_data(case), note)


def read_case_data(path: PathLike) -> tuple[Case, dict[str, Any]]:
    """Load and validate a case file, and return it with its plain data as written.

    The plain data keeps case sections exactly as the file gives them, so writing it
    out again loses nothing, whatever a section's parsed form.

    Raises
    ------
    AppraisalValidationError
        As :func:`appraisal.load_case`.
    """
    from appraisal.inputs.load import load_case

    p = Path(path)
    case = load_case(p)
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        from appraisal.inputs.excel_read import read_workbook_data

        return case, read_workbook_data(p, allow_macros=True).data
    from appraisal.yaml_safety import parse_yaml

    data, _, _ = parse_yaml(p.read_text(encoding="utf-8"), p.name)
    return case, data


def _yaml_text(data: Mapping[str, Any], note: str = "") -> str:
    import yaml

    text = yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True,
                          default_flow_style=False, width=100)
    return "".join(f"# {line}\n" for line in note.splitlines()) + text


def convert_case(source: PathLike, target: PathLike, *, force: bool = False) -> Path:
    """Convert a case between YAML (``.yaml``/``.yml``) and a workbook (``.xlsx``).

    The source is read and validated exactly as ``appraisal run`` would; the target is
    written atomically and never over the source.

    Raises
    ------
    AppraisalValidationError
        If the source is not a valid case, or the target's type is not supported.
    OutputError
        If the target exists (without ``force``) or is the source.
    """
    src, dst = Path(source), Path(target)
    suffix = dst.suffix.lower()
    if suffix not in (".xlsx", ".yaml", ".yml"):
        raise AppraisalValidationError([Issue(
            "file-type", f"cannot write '{dst.suffix or dst.name}' files", dst.name,
            fix="give an output ending in .xlsx, .yaml or .yml")], source=dst.name)
    check_destination(dst, force=force, protect=[src])  # before the work
    kind = {".yml": "YAML", ".yaml": "YAML", ".xlsx": "a workbook", ".xlsm": "a workbook"}
    if kind.get(src.suffix.lower()) == kind[suffix]:
        raise AppraisalValidationError([Issue(
            "same-format", f"{src.name} is already {kind[suffix]}; convert changes the format "
            f"(YAML to a workbook, or a workbook to YAML)", dst.name,
            fix="copy the file to duplicate it, or give a target ending in "
            + (".xlsx" if kind[suffix] == "YAML" else ".yaml"))], source=dst.name)
    case, data = read_case_data(src)
    if suffix == ".xlsx":
        from appraisal.outputs.excel_template import write_template

        return write_template(dst, case=case, data=_ordered(data), force=force, protect=[src])
    note = f"Converted from {src.name} by appraisal convert."
    return atomic_write_text(dst, _yaml_text(_ordered(data), note), force=force, protect=[src])


def _ordered(data: Mapping[str, Any]) -> dict[str, Any]:
    """Plain case data with the top-level keys in schema order (others after)."""
    order = [f.name for f in CASE_FIELDS]
    keys = sorted(data, key=lambda k: order.index(k) if k in order else len(order))
    return {k: data[k] for k in keys}
