"""Size limits on a case, checked before any work is done.

One table, :data:`LIMITS`, says how many options, lines, criteria, uncertain inputs
and line-years a case may hold. The numbers are generous (a short list has a handful
of options; the 5,000-line, 60-year benchmark workbook is well inside them) and exist
so that a malformed or hostile input (a million-row Options sheet) is refused in a
second with a located message, instead of being read for minutes and filling memory.

:func:`count_issues` checks plain case data (the YAML layout) before it is built, so
``validate`` and ``run`` report the same located error; :data:`MAX_SHEET_ROWS` bounds
the rows of a workbook's input sheet, counted in the sheet's XML before its cells are
parsed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

__all__ = ["LIMITS", "MAX_SHEET_ROWS", "Limit", "count_issues"]


class Limit(NamedTuple):
    """One limit: the largest allowed count, what is counted, and where."""

    maximum: int
    what: str
    field: tuple[str, ...]


#: The limits, by name. Change them here only (the README quotes this table).
LIMITS: Mapping[str, Limit] = {
    "options": Limit(200, "options", ("options",)),
    "lines": Limit(20_000, "cost and benefit lines", ("lines",)),
    "criteria": Limit(500, "MCA criteria", ("mca", "criteria")),
    "uncertain_inputs": Limit(1_000, "uncertain inputs", ("uncertainty", "inputs")),
    "line_years": Limit(2_000_000, "line-years (lines x horizon years)", ("lines",)),
}

#: Rows an input sheet of a workbook may hold: one per line at most, plus headings.
MAX_SHEET_ROWS = LIMITS["lines"].maximum + 1_000

Error = Callable[[tuple[Any, ...], str, str, str], None]


def _length(data: Any, path: tuple[str, ...]) -> int:
    for key in path:
        if not isinstance(data, Mapping):
            return 0
        data = data.get(key)
    return len(data) if isinstance(data, list) else 0


def count_issues(root: Mapping[str, Any], error: Error) -> bool:
    """Check the counts in plain case data against :data:`LIMITS`; True if all within.

    Parameters
    ----------
    root : mapping
        The case in the YAML layout.
    error : callable
        ``error(field_path, code, message, fix)``, called once per limit exceeded.

    Examples
    --------
    >>> found = []
    >>> count_issues({"options": [{}] * 201, "lines": []}, lambda *a: found.append(a))
    False
    >>> found[0][0], found[0][2]
    (('options',), 'the case has 201 options; the limit is 200')
    """
    ok = True
    for name, limit in LIMITS.items():
        if name == "line_years":
            horizon = root.get("horizon_years")
            if not isinstance(horizon, int) or isinstance(horizon, bool):
                continue
            count = _length(root, limit.field) * horizon
        else:
            count = _length(root, limit.field)
        if count > limit.maximum:
            ok = False
            error(limit.field, "too-many", f"the case has {count:,} {limit.what}; the limit "
                  f"is {limit.maximum:,}", "split the appraisal into smaller cases (limits: "
                  "README, Validation)")
    return ok
