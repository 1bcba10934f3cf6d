"""Field paths and suggestions: how every message names a field and proposes a fix.

One :data:`FieldPath` type, one way to write it (:func:`field_path`, e.g.
``lines[2].profile.amount``), one "did you mean" helper (:func:`did_you_mean`) and one way
to report a problem of plain input data (:class:`FieldReader`: ``error(path, code,
message, fix)``), used by every reader (YAML, the lens sections, the report context) and by
the case's checks. The workbook's cell reader reports at a cell first
(:meth:`appraisal.inputs.workbook_cells.CellReader.error`), then the same four arguments.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from appraisal.errors import Issues

__all__ = ["FieldPath", "FieldReader", "closest", "did_you_mean", "field_path"]


#: A path to a field of the input: keys of maps and indices of lists,
#: e.g. ``("lines", 2, "profile", "amount")``.
FieldPath = tuple[str | int, ...]


def field_path(path: Sequence[object]) -> str:
    """The dotted name of a field path, as every message names fields.

    Examples
    --------
    >>> field_path(("lines", 2, "profile", "amount"))
    'lines[2].profile.amount'
    >>> field_path(("mca", "scores", "New service", "relational"))
    'mca.scores.New service.relational'
    >>> field_path(())
    ''
    """
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def closest(word: object, choices: Iterable[object], *, n: int = 1,
            cutoff: float = 0.6) -> list[str]:
    """The choices closest to ``word`` (at most ``n``), those :func:`did_you_mean` offers.

    A reader uses it to tell that a misspelt key and the key it stands for are one
    mistake (an unknown key, not also a missing one).

    Examples
    --------
    >>> closest("trust_in_servise", ["continuity", "trust_in_service"])
    ['trust_in_service']
    """
    return difflib.get_close_matches(str(word), [str(c) for c in choices], n=n, cutoff=cutoff)


def did_you_mean(word: object, choices: Iterable[object], *, n: int = 1,
                 cutoff: float = 0.6) -> str:
    """``"did you mean 'x'?"`` for the choices closest to ``word``, or ``""`` when none is close.

    The one suggestion helper of every reader's messages.

    Examples
    --------
    >>> did_you_mean("benifit", ["cost", "benefit"])
    "did you mean 'benefit'?"
    >>> did_you_mean("zzz", ["cost", "benefit"])
    ''
    >>> did_you_mean("ILL-CSC-1", ["ILL-CSC-01", "ILL-CSC-02", "ILL-NHS-01"], n=2)
    "did you mean 'ILL-CSC-01' or 'ILL-CSC-02'?"
    """
    close = closest(word, choices, n=n, cutoff=cutoff)
    return ("did you mean " + " or ".join(f"'{c}'" for c in close) + "?") if close else ""


class FieldReader:
    """Records located problems of plain input data, each at its field path.

    The one error-reporting signature of the readers of case data: ``error(path, code,
    message, fix)``. ``path`` is relative to ``prefix`` (the section being read), the
    location comes from ``locate`` (``case.yaml:12:5``, or a workbook cell) and the field
    is written by :func:`field_path`.

    Parameters
    ----------
    locate : callable
        Maps a full field path to where it is in the input.
    issues : Issues
        Where problems are recorded.
    prefix : FieldPath
        The path of the part being read (e.g. ``("uncertainty",)``).

    Examples
    --------
    >>> from appraisal.errors import Issues
    >>> found = Issues()
    >>> reader = FieldReader(lambda path: "case.yaml:3:1", found, ("mca",))
    >>> reader.unknown_keys({"weigths": 1}, ["weights", "criteria"], ())
    False
    >>> issue = found.items[0]
    >>> issue.field, issue.code, issue.message, issue.fix
    ('mca.weigths', 'unknown-key', "unknown key 'weigths'", "did you mean 'weights'?")
    """

    def __init__(self, locate: Callable[[FieldPath], str], issues: Issues,
                 prefix: FieldPath = ()) -> None:
        self.locate = locate
        self.issues = issues
        self.prefix = tuple(prefix)

    def error(self, path: Sequence[str | int], code: str, message: str, fix: str = "", *,
              expected: str = "") -> None:
        """Record a blocking problem at ``path`` (relative to :attr:`prefix`; ``expected``:
        see :class:`~appraisal.errors.Issue`)."""
        where = (*self.prefix, *path)
        self.issues.error(code, message, location=self.locate(where), field=field_path(where),
                          fix=fix, expected=expected)

    def warn(self, path: Sequence[str | int], code: str, message: str, fix: str = "") -> None:
        """Record a non-blocking problem at ``path`` (relative to :attr:`prefix`)."""
        where = (*self.prefix, *path)
        self.issues.warn(code, message, location=self.locate(where), field=field_path(where),
                         fix=fix)

    def unknown_keys(self, data: Mapping[object, object], allowed: Sequence[str],
                     path: Sequence[str | int]) -> bool:
        """An ``unknown-key`` problem for each key of ``data`` not in ``allowed``; True
        when there is none."""
        ok = True
        for key in data:
            if key not in allowed:
                ok = False
                close = did_you_mean(str(key), [str(a) for a in allowed])
                part = key if isinstance(key, str | int) and not isinstance(key, bool) \
                    else str(key)
                self.error((*path, part), "unknown-key", f"unknown key '{key}'",
                           close or f"allowed keys: {', '.join(allowed)}")
        return ok
