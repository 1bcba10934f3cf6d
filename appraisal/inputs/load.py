"""Load a case from any supported front end, chosen by file extension."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from appraisal._resources import data_dir
from appraisal.case.model import Case
from appraisal.case.schema import SCHEMA_VERSION, build_case
from appraisal.errors import AppraisalValidationError, Issue
from appraisal.lenses.catalogue import section_parsers

__all__ = ["EXAMPLES", "case_from_records", "example_path", "in_input_words", "load_case"]

#: Embedded example cases: name -> file in ``data/examples``.
EXAMPLES = {
    "minimal": "minimal.yaml",
    "prevention": "early_help_prevention.yaml",
    "capital": "capital_project.yaml",
    "falls": "falls_prevention.yaml",
}


def example_path(name: str = "prevention") -> Path:
    """Path of an embedded example case (``minimal``, ``prevention``, ``capital`` or ``falls``).

    Examples
    --------
    >>> example_path("minimal").name
    'minimal.yaml'
    """
    if name not in EXAMPLES:
        msg = f"unknown example {name!r}; choose one of {', '.join(EXAMPLES)}"
        raise KeyError(msg)
    return data_dir() / "examples" / EXAMPLES[name]


def _not_a_file(p: Path) -> Issue:
    """The problem with a case path that is not a regular file: say what it is.

    Examples
    --------
    >>> _not_a_file(Path(".")).message
    "'.' is a folder, not a case file"
    """
    import stat

    try:
        mode = p.stat().st_mode
    except FileNotFoundError:
        if p.is_symlink():
            return Issue("not-found", f"{str(p)!r} is a symbolic link to a missing file",
                         location=str(p), fix="check the link's target")
        return Issue("not-found", f"no such file: {str(p)!r}", location=str(p),
                     fix="check the path")
    except OSError as exc:
        return Issue("not-found", f"cannot read {str(p)!r}: {exc.strerror or exc}",
                     location=str(p), fix="check the path and its permissions")
    kinds = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
             (stat.S_ISSOCK, "a socket"))
    what = next((name for test, name in kinds if test(mode)), "not a regular file")
    return Issue("not-a-file", f"{str(p)!r} is {what}, not a case file", location=str(p),
                 fix="give a .yaml case or an .xlsx workbook")


def load_case(path: str | Path) -> Case:
    """Load and validate a case from YAML (``.yaml``/``.yml``) or a workbook (``.xlsx``).

    Raises
    ------
    AppraisalValidationError
        With every problem found, each located (``file:line:column`` or ``Sheet!Cell``).
    """
    p = Path(path)
    if not p.is_file():
        raise AppraisalValidationError([_not_a_file(p)], source=str(p))
    suffix = p.suffix.lower()
    if suffix in (".yaml", ".yml"):
        from appraisal.inputs.yaml_case import load_yaml_case

        return load_yaml_case(p)
    if suffix in (".xlsx", ".xlsm"):
        from appraisal.inputs.excel_read import read_case_workbook

        return read_case_workbook(p)
    issue = Issue("file-type", f"cannot read '{p.suffix}' files", location=p.name,
                  fix="give a .yaml case or an .xlsx workbook made with 'appraisal template'")
    raise AppraisalValidationError([issue], source=p.name)


@contextmanager
def in_input_words(path: str | Path) -> Iterator[None]:
    """Problems found while a loaded case runs, in the words of the file it came from.

    :func:`load_case` words a workbook's problems for the workbook. Some checks can only
    run with the case: parameters looked up when it is compiled (an optimism-bias project
    type, a deflator, a unit value), and the lenses' own checks (an unknown VAT agency).
    Those problems are located at their ``Sheet!Cell`` but name YAML field paths; inside
    this block they are re-raised with the sheet, the row and the column instead. For a
    YAML case nothing changes.

    Raises
    ------
    AppraisalValidationError
        The problems of the block, worded for the workbook when *path* is one.

    Examples
    --------
    >>> import tempfile
    >>> from appraisal.outputs.excel_template import write_template
    >>> book = write_template(Path(tempfile.mkdtemp()) / "case.xlsx",
    ...                       load_case(example_path("minimal")))
    >>> problem = Issue("bad-choice", "no such kind", "Lines!C4", "lines[1].kind")
    >>> try:
    ...     with in_input_words(book):
    ...         raise AppraisalValidationError([problem], source=book.name)
    ... except AppraisalValidationError as exc:
    ...     print(exc.issues[0].field)
    Lines row 4 (New service / Avoided costs), Kind
    """
    try:
        yield
    except AppraisalValidationError as exc:
        p = Path(path)
        if p.suffix.lower() not in (".xlsx", ".xlsm"):
            raise
        from appraisal.inputs.excel_read import read_workbook_data

        words = read_workbook_data(p, allow_macros=True).words  # the read of load_case
        raise AppraisalValidationError(words.all_worded(exc.issues),
                                       source=exc.source) from None


def case_from_records(**data: Any) -> Case:
    """Build and validate a case from plain Python data (the YAML layout), every lens's
    section included.

    Raises
    ------
    AppraisalValidationError
        With every problem found, each located by its field path.

    Examples
    --------
    >>> case = case_from_records(
    ...     title="T", base_year=2025, horizon_years=1,
    ...     options=[{"name": "BAU", "counterfactual": True}, {"name": "Do"}],
    ...     lines=[{"name": "c", "option": "Do", "kind": "cost",
    ...             "profile": {"type": "one_off", "amount": 100, "year": 2025}}])
    >>> [o.name for o in case.options]
    ['BAU', 'Do']
    """
    return build_case({"schema_version": SCHEMA_VERSION, **data}, source="<python>",
                      sections=section_parsers())
