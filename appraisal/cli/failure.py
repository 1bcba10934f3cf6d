"""How a command reports a failure: the message on stderr and exit status 1."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from appraisal.errors import AppraisalValidationError

if TYPE_CHECKING:
    from appraisal.case.model import Case

__all__ = ["LATER_CHECKS", "CaseNotRead", "fail", "nothing_written", "read_case"]

#: Said after the problems of a case file that was read but not accepted: the checks that
#: need a whole case (its compiled arrays) run only when those problems are fixed.
LATER_CHECKS = ("When these are fixed, the case is also checked against the parameter "
                "tables (optimism-bias project types, deflator years, discount schedules, "
                "unconfirmed values).")


class CaseNotRead(AppraisalValidationError):
    """The problems of a case file that was read but not accepted (:func:`read_case`); its
    message ends with :data:`LATER_CHECKS`, so the user knows more may follow.

    Examples
    --------
    >>> from appraisal.errors import Issue
    >>> print(CaseNotRead([Issue("x", "bad", "f.yaml:1:1", field="title")], "f.yaml"))
    ... # doctest: +ELLIPSIS
    f.yaml: 1 problem
      f.yaml:1:1: error [x] title: bad
    When these are fixed, the case is also checked against the parameter tables (...).
    """

    def __str__(self) -> str:
        return f"{super().__str__()}\n{LATER_CHECKS}"


def read_case(path: str | Path) -> Case:
    """:func:`~appraisal.inputs.load.load_case` for a command: problems with the case's
    content raise :class:`CaseNotRead` (problems with the file itself, such as a missing
    file, stay as they are).

    Raises
    ------
    AppraisalValidationError
        As :func:`~appraisal.inputs.load.load_case`.
    """
    from appraisal.inputs.load import load_case

    try:
        return load_case(path)
    except AppraisalValidationError as exc:
        if any(issue.field for issue in exc.issues):  # the content, not the file
            raise CaseNotRead(exc.issues, exc.source) from None
        raise


def nothing_written(message: str) -> int:
    """Print ``message`` and that no output was written on stderr; return exit status 1.

    Examples
    --------
    >>> import contextlib, io
    >>> err = io.StringIO()
    >>> with contextlib.redirect_stderr(err):
    ...     status = nothing_written("case.yaml: 1 problem")
    >>> status, err.getvalue()
    (1, 'case.yaml: 1 problem\\nNothing was written.\\n')
    """
    print(message, file=sys.stderr)
    print("Nothing was written.", file=sys.stderr)
    return 1


def fail(exc: Exception) -> int:
    """Print a command's error on stderr and return exit status 1.

    A problem with the input (:class:`~appraisal.errors.AppraisalValidationError`) is
    found before anything is written, so the message says that nothing was.

    Examples
    --------
    >>> import contextlib, io
    >>> from appraisal.errors import OutputError
    >>> err = io.StringIO()
    >>> with contextlib.redirect_stderr(err):
    ...     status = fail(OutputError("disk full"))
    >>> status, err.getvalue()
    (1, 'disk full\\n')
    """
    if isinstance(exc, AppraisalValidationError):
        return nothing_written(str(exc))
    print(str(exc), file=sys.stderr)
    return 1
