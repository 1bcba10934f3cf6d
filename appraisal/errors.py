"""Exceptions raised by :mod:`appraisal`, in one documented tree.

Every exception the toolkit raises on purpose derives from :class:`AppraisalError`,
and most also derive from the builtin a caller would naturally catch::

    AppraisalError
    ├── AppraisalValidationError(ValueError)   bad input; holds every Issue found, each located
    ├── PriceBaseMismatchError(TypeError)      adding money in different price bases
    ├── ParameterError(KeyError)               unknown parameter, table or key in a pack
    │   ├── UnconfirmedParameterError          a value not confirmed from a primary source,
    │   │                                      used without opting in
    │   └── DeflatorNeededError                prices to convert, and no GDP deflator to do it
    ├── NoSwitchingValueError                  no value of the input changes the decision
    ├── BCRUndefinedError(ZeroDivisionError)   PV costs are zero, so a BCR has no meaning
    ├── UnsafeInputError(ValueError)           a file refused for safety (XML or zip bomb, ...)
    └── OutputError(OSError)                   an output could not be written safely

Errors carry structured fields as well as a message and survive pickling, so
they cross process boundaries (local workers, Dask) intact.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "AppraisalError",
    "AppraisalValidationError",
    "BCRUndefinedError",
    "BackendError",
    "DeflatorNeededError",
    "Expected",
    "Issue",
    "Issues",
    "NoSwitchingValueError",
    "OutputError",
    "ParameterError",
    "PriceBaseMismatchError",
    "Severity",
    "UnconfirmedParameterError",
    "UnsafeInputError",
]


class Severity(enum.Enum):
    """How serious an :class:`Issue` is: errors block a run, warnings are reported."""

    ERROR = "error"
    WARNING = "warning"


class Expected(enum.StrEnum):
    """What a field takes, on a ``wrong-type`` :class:`Issue` (``Issue.expected``): so a
    reader of the problem can say how to type it in its own words without parsing the
    message."""

    NUMBER = "number"
    WHOLE_NUMBER = "whole number"
    TEXT = "text"
    YES_NO = "yes or no"
    LIST = "list"
    MAP = "map"


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in an input, with where it is and how to fix it.

    Parameters
    ----------
    code : str
        Stable reason code, e.g. ``"unknown-key"`` or ``"year-outside-horizon"``.
    message : str
        What is wrong: the field, what was expected and what was got.
    location : str
        Where: ``file:line:column`` for YAML, ``Sheet!Cell`` for workbooks, or a
        field path for Python-built cases.
    field : str
        The field path, e.g. ``lines[2].values.2036``.
    fix : str
        How to put it right.
    severity : Severity
        :attr:`Severity.ERROR` (blocks the run) or :attr:`Severity.WARNING`.
    opt_in : str
        For a value not confirmed from a primary source, the parameter table a case opts
        in to (``parameters: {allow_unconfirmed: [...]}``), so a reader of the problem (the
        workbook's wording, say) can name it without parsing the message; else ``""``.
    expected : str
        For a ``wrong-type`` problem, what the field takes (an :class:`Expected`, e.g.
        ``"whole number"``), for the same reason; else ``""``.

    Examples
    --------
    >>> issue = Issue("unknown-key", "unknown key 'titel'", "case.yaml:2:1", "titel",
    ...               "did you mean 'title'?")
    >>> print(issue)
    case.yaml:2:1: error [unknown-key] titel: unknown key 'titel' (did you mean 'title'?)
    """

    code: str
    message: str
    location: str = ""
    field: str = ""
    fix: str = ""
    severity: Severity = Severity.ERROR
    opt_in: str = ""
    expected: str = ""

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        what = f"{self.field}: " if self.field else ""
        fix = f" ({self.fix})" if self.fix else ""
        return f"{where}{self.severity.value} [{self.code}] {what}{self.message}{fix}"

    def to_dict(self) -> dict[str, str]:
        """Plain-dict form for JSON outputs (``opt_in`` and ``expected`` only when set)."""
        out = {
            "severity": self.severity.value,
            "code": self.code,
            "location": self.location,
            "field": self.field,
            "message": self.message,
            "fix": self.fix,
        }
        if self.opt_in:
            out["opt_in"] = self.opt_in
        if self.expected:
            out["expected"] = str(self.expected)
        return out


@dataclass(slots=True)
class Issues:
    """Collects every :class:`Issue` found, so all problems are reported at once.

    Examples
    --------
    >>> found = Issues()
    >>> found.error("bad-year", "year 2040 is after the horizon", location="case.yaml:9:5")
    >>> found.warn("no-source", "line has no source", field="lines[0].source")
    >>> len(found), found.has_errors
    (2, True)
    """

    items: list[Issue] = field(default_factory=list)

    def add(self, issue: Issue) -> None:
        """Add one issue."""
        self.items.append(issue)

    def extend(self, issues: Iterable[Issue]) -> None:
        """Add several issues."""
        self.items.extend(issues)

    def error(self, code: str, message: str, *, location: str = "", field: str = "",
              fix: str = "", opt_in: str = "", expected: str = "") -> None:
        """Record a blocking problem (``opt_in``, ``expected``: see :class:`Issue`)."""
        self.items.append(Issue(code, message, location, field, fix, Severity.ERROR, opt_in,
                                expected))

    def warn(self, code: str, message: str, *, location: str = "", field: str = "",
             fix: str = "", expected: str = "") -> None:
        """Record a problem that does not block the run."""
        self.items.append(Issue(code, message, location, field, fix, Severity.WARNING,
                                expected=expected))

    @property
    def errors(self) -> list[Issue]:
        """The blocking issues."""
        return [i for i in self.items if i.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Issue]:
        """The non-blocking issues."""
        return [i for i in self.items if i.severity is Severity.WARNING]

    @property
    def has_errors(self) -> bool:
        """True when at least one issue blocks the run."""
        return any(i.severity is Severity.ERROR for i in self.items)

    def raise_if_errors(self, source: str = "input") -> None:
        """Raise one :class:`AppraisalValidationError` holding every issue, if any blocks."""
        if self.has_errors:
            raise AppraisalValidationError(self.items, source=source)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return iter(self.items)


class AppraisalError(Exception):
    """Base class of every error the toolkit raises on purpose."""


class AppraisalValidationError(ValueError, AppraisalError):
    """Invalid input. Holds every :class:`Issue` found, not just the first.

    Examples
    --------
    >>> err = AppraisalValidationError([Issue("x", "bad", "f.yaml:1:1")], source="f.yaml")
    >>> print(err)
    f.yaml: 1 problem
      f.yaml:1:1: error [x] bad
    """

    def __init__(self, issues: Sequence[Issue], source: str = "input") -> None:
        self.issues = list(issues)
        self.source = source
        super().__init__(self.issues, source)

    @property
    def errors(self) -> list[Issue]:
        """The blocking issues."""
        return [i for i in self.issues if i.severity is Severity.ERROR]

    def __str__(self) -> str:
        n = len(self.errors)
        head = f"{self.source}: {n} problem{'s' if n != 1 else ''}"
        return "\n".join([head, *(f"  {i}" for i in self.issues)])

    def __reduce__(self):
        return (type(self), (self.issues, self.source))


class PriceBaseMismatchError(TypeError, AppraisalError):
    """Money in two price bases was combined without converting one of them.

    Examples
    --------
    >>> err = PriceBaseMismatchError("capex", "2019 prices, nominal", "opex", "2024 prices, real")
    >>> for part in str(err).split(": "):
    ...     print(part)
    cannot add 'capex' (2019 prices, nominal) to 'opex' (2024 prices, real)
    convert one to the other's price base first
    """

    def __init__(self, left: str, left_base: str, right: str, right_base: str) -> None:
        self.left, self.left_base, self.right, self.right_base = left, left_base, right, right_base
        super().__init__(left, left_base, right, right_base)

    def __str__(self) -> str:
        return (
            f"cannot add '{self.left}' ({self.left_base}) to '{self.right}' ({self.right_base}): "
            "convert one to the other's price base first"
        )


class ParameterError(KeyError, AppraisalError):
    """A parameter table, name or key that the pack does not hold."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):
        return (type(self), (self.message,))


class UnconfirmedParameterError(ParameterError):
    """A parameter not confirmed from a primary source was used without opting in.

    ``problem`` is the message without its advice, for a caller that gives its own fix
    beside it (a located problem of a case), so the advice is not said twice; ``table`` the
    parameter table to opt in to.

    Examples
    --------
    >>> err = UnconfirmedParameterError("x is C2. Opt in.", problem="x is C2", table="x")
    >>> str(err), err.problem, err.table
    ('x is C2. Opt in.', 'x is C2', 'x')
    """

    def __init__(self, message: str, problem: str | None = None, table: str = "") -> None:
        super().__init__(message)
        self.problem = problem or message
        self.table = table

    def __reduce__(self):
        return (type(self), (self.message, self.problem, self.table))


class DeflatorNeededError(ParameterError):
    """Prices that need converting (nominal, or another price year) with no GDP deflator."""


class NoSwitchingValueError(AppraisalError):
    """No value of the input changes the decision (the analogue of numpy-financial's
    ``NoRealSolutionError``)."""


class BCRUndefinedError(ZeroDivisionError, AppraisalError):
    """The benefit-cost ratio is undefined because PV costs are zero."""


class UnsafeInputError(ValueError, AppraisalError):
    """An input file refused for safety: XML or zip bomb, macros, disabled defusedxml."""


class OutputError(OSError, AppraisalError):
    """An output could not be written safely (e.g. it exists and replacing was not asked)."""


class BackendError(ConnectionError, AppraisalError):
    """A parallel backend could not be used (e.g. an unreachable Dask scheduler)."""
