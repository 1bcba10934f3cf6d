"""Load a case from any supported front end, chosen by file extension."""

from __future__ import annotations

from pathlib import Path

from appraisal._resources import data_dir
from appraisal.errors import AppraisalValidationError, Issue
from appraisal.model import Case

__all__ = ["EXAMPLES", "example_path", "load_case"]

#: Embedded example cases: name -> file in ``data/examples``.
EXAMPLES = {
    "minimal": "minimal.yaml",
    "prevention": "early_help_prevention.yaml",
    "capital": "capital_project.yaml",
}


def example_path(name: str = "prevention") -> Path:
    """Path of an embedded example case (``minimal``, ``prevention`` or ``capital``).

    Examples
    --------
    >>> example_path("minimal").name
    'minimal.yaml'
    """
    if name not in EXAMPLES:
        msg = f"unknown example {name!r}; choose one of {', '.join(EXAMPLES)}"
        raise KeyError(msg)
    return data_dir() / "examples" / EXAMPLES[name]


def load_case(path: str | Path) -> Case:
    """Load and validate a case from YAML (``.yaml``/``.yml``) or a workbook (``.xlsx``).

    Raises
    ------
    AppraisalValidationError
        With every problem found, each located (``file:line:column`` or ``Sheet!Cell``).
    """
    p = Path(path)
    if not p.is_file():
        issue = Issue("not-found", f"no such file: {p}", location=str(p.name),
                      fix="check the path")
        raise AppraisalValidationError([issue], source=p.name)
    suffix = p.suffix.lower()
    if suffix in (".yaml", ".yml"):
        from appraisal.io.yaml_case import load_yaml_case

        return load_yaml_case(p)
    if suffix in (".xlsx", ".xlsm"):
        from appraisal.io.excel_read import read_case_workbook

        return read_case_workbook(p)
    issue = Issue("file-type", f"cannot read '{p.suffix}' files", location=p.name,
                  fix="give a .yaml case or an .xlsx workbook made with 'appraisal template'")
    raise AppraisalValidationError([issue], source=p.name)
