"""How a command reports a failure: the message on stderr and exit status 1."""

from __future__ import annotations

import sys

from appraisal.errors import AppraisalValidationError

__all__ = ["fail", "nothing_written"]


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
