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

The second half of the module is the rest of the one set of checks: every limit an
output needs (the report's year range, the largest amount an Excel cell and the report
hold, the length and characters of a text, names that a reader can tell apart) and the
bounds on work (nesting depth of a YAML file, Monte Carlo draws, Sobol' base samples,
Morris trajectories, local workers). ``validate`` checks them all, so a case that
``validate`` accepts cannot be refused by ``run`` (only the environment can fail it:
disk, permissions).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

__all__ = [
    "EXCEL_CELL_CHARS",
    "LIMITS",
    "MAX_AMOUNT",
    "MAX_DRAWS",
    "MAX_MORRIS",
    "MAX_NAME_CHARS",
    "MAX_NESTING",
    "MAX_SHEET_ROWS",
    "MAX_SOBOL",
    "MAX_TEXT_CHARS",
    "MAX_WORKERS",
    "MAX_YEAR",
    "MIN_YEAR",
    "RUN_MAXIMA",
    "Limit",
    "count_issues",
    "name_key",
    "run_size_issue",
    "value_issues",
]


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


#: Latest calendar year any year of a case may reach (the base year plus the horizon, a
#: price year): the report's year axis and its schema (``appraisal/outputs/report/schema.py``)
#: stop at 2300, and the declining discount schedule is published to 301 years.
MAX_YEAR = 2300
#: Earliest base or price year a case may name (no deflator series goes further back).
MIN_YEAR = 1900
#: Largest magnitude of any number in a case: 10^15 (a thousand trillion). Excel holds
#: numbers up to 9.99e307 but shows 15 significant digits, and sums and discounting over
#: up to two million line-years must stay finite and exact to the penny's scale; every
#: real appraisal amount is many orders of magnitude smaller.
MAX_AMOUNT = 1e15
#: Most characters (UTF-16 code units) one worksheet cell holds (Microsoft Support, "Excel
#: specifications and limits"; Knowledge Base article 211878).
EXCEL_CELL_CHARS = 32_767
#: Longest text (description, source, note, a parameter pack's cell): the HTML report's
#: limit on one text, tighter than :data:`EXCEL_CELL_CHARS`, so both outputs can hold it.
MAX_TEXT_CHARS = 20_000
#: Longest name or title: a name labels table rows, chart legends and workbook cells.
MAX_NAME_CHARS = 256
#: Deepest nesting of mappings and lists in a YAML case; a case needs about 8. Deeper
#: files (thousands of ``[``) would exhaust the parser's stack instead of being read.
MAX_NESTING = 64
#: Most Monte Carlo draws: memory grows with draws x options x measures, and a million
#: draws already put the Monte Carlo error far below any input's uncertainty.
MAX_DRAWS = 1_000_000
#: Most Sobol' base samples N (a power of 2): a run evaluates the case N x (2d + 2) times
#: for d inputs, so 2^17 with ten inputs is already 2.9 million evaluations.
MAX_SOBOL = 2**17
#: Most Morris trajectories (each is d + 1 evaluations; 20 to 100 is usual).
MAX_MORRIS = 10_000
#: Most local worker processes (each holds a copy of the case and its draws).
MAX_WORKERS = 256
#: Keys whose numbers are identifiers, not amounts (a root seed may be any 64-bit integer).
_NOT_AMOUNTS = frozenset({"seed"})
MAX_SEED = 2**64 - 1
#: Keys holding names and titles (one line, at most :data:`MAX_NAME_CHARS`).
_NAME_KEYS = frozenset({"name", "title", "option", "id"})
#: XML 1.0 forbids these, so a workbook cannot hold them (tab, LF and CR are allowed).
_ILLEGAL_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

_WHY = {
    "draws": "memory grows with the number of draws, and a million already puts the Monte "
             "Carlo error far below the inputs' uncertainty",
    "sobol": "the case is evaluated N x (2d + 2) times for d inputs",
    "morris": "each trajectory is d + 1 evaluations of the case",
    "workers": "each worker is a process holding a copy of the case",
    "threads": "each thread holds a chunk of draws in memory at once",
    "seed": "a root seed is a 64-bit integer",
}
_NOUN = {"draws": "draws", "sobol": "Sobol' base samples", "morris": "Morris trajectories",
         "workers": "workers", "threads": "threads", "seed": "for a seed"}
RUN_MAXIMA = {"draws": MAX_DRAWS, "sobol": MAX_SOBOL, "morris": MAX_MORRIS,
           "workers": MAX_WORKERS, "threads": MAX_WORKERS, "seed": MAX_SEED}


def name_key(name: str) -> str:
    """The form two names are compared in: NFC-normalised, trimmed and case-folded.

    Two option names (or two line names of one option) with the same key would look
    the same to a reader, so they are refused as duplicates.

    Examples
    --------
    >>> name_key(" New Service ") == name_key("new service")
    True
    >>> name_key("Cafe\u0301") == name_key("Caf\u00e9")
    True
    """
    return unicodedata.normalize("NFC", name).strip().casefold()


def run_size_issue(what: str, value: int) -> str | None:
    """The message for a run size over its limit (draws, sobol, morris, workers, threads,
    seed).

    Examples
    --------
    >>> print(run_size_issue("draws", 10**12))
    1,000,000,000,000 is over the limit of 1,000,000 draws: memory grows with the number of \
draws, and a million already puts the Monte Carlo error far below the inputs' uncertainty
    >>> run_size_issue("draws", 10_000) is None
    True
    """
    maximum = RUN_MAXIMA[what]
    if isinstance(value, bool) or not isinstance(value, int) or value <= maximum:
        return None
    return f"{value:,} is over the limit of {maximum:,} {_NOUN[what]}: {_WHY[what]}"


def _text_issue(key: Any, text: str) -> tuple[str, str, str] | None:
    label = f"'{key}'" if isinstance(key, str) else "the text"
    bad = _ILLEGAL_TEXT.search(text)
    if bad:
        return ("illegal-character", f"{label} holds the control character "
                f"U+{ord(bad.group()):04X} at character {bad.start() + 1}, which a workbook "
                "cannot hold", "remove the control character (often pasted in from another "
                "program)")
    units = len(text.encode("utf-16-le", "surrogatepass")) // 2
    if key in _NAME_KEYS and units > MAX_NAME_CHARS:
        return ("text-too-long", f"{label} is {units:,} characters long; a name may have at "
                f"most {MAX_NAME_CHARS:,} (it labels table rows, chart legends and cells)",
                "shorten it and put the full text in 'description'")
    if units > MAX_TEXT_CHARS:
        return ("text-too-long", f"{label} is {units:,} characters long; at most "
                f"{MAX_TEXT_CHARS:,} can be written to the report (results.xlsx cells hold "
                "32,767)", "shorten it, or put the full text in a document and cite it")
    return None


def _label(key: Any) -> str:
    """How a message names a value: by its key when it has one."""
    return f"'{key}' is " if isinstance(key, str) else "the number is "


def _number_issue(key: Any, value: float) -> tuple[str, str, str] | None:
    if key in _NOT_AMOUNTS:
        if isinstance(value, int) and value > MAX_SEED:
            return ("out-of-range", f"the seed {value} is over {MAX_SEED:,}: {_WHY['seed']}",
                    "use a seed of at most 20 digits, e.g. 20261122")
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None  # reported by the field's own check ("not-finite")
    if abs(value) > MAX_AMOUNT:
        return ("number-too-large", f"{_label(key)}{value:g}, beyond \u00b1{MAX_AMOUNT:g}, the "
                "largest a case may hold (results must stay exact in a workbook, whose cells "
                "show 15 significant digits)", "check the units or the scale (write amounts in "
                "pounds, or use a 'scale')")
    return None


#: The number types :func:`_plain_amounts` checks at once (not bool, a subclass of int).
_PLAIN_NUMBERS = frozenset({float, int})


def _plain_amounts(value: Mapping[Any, Any]) -> bool:
    """True if every value of *value* is a float or int within :data:`MAX_AMOUNT` (or NaN, which
    the field's own check reports) and no key is one :func:`_number_issue` treats apart.

    One ``max`` over the map's values in place of a check per value; a map that is not
    plainly within the limits (a text, an infinity, an amount too large, a first value NaN)
    is checked value by value as before, so what is reported does not change.

    Examples
    --------
    >>> _plain_amounts({2025: 1.5, 2026: -2e14, 2027: 3}), _plain_amounts({2025: 1e308})
    (True, False)
    >>> _plain_amounts({2025: True}), _plain_amounts({"seed": 1})
    (False, False)
    >>> _plain_amounts({2025: 1.0, 2026: "x"}), _plain_amounts({})
    (False, False)
    """
    values = value.values()
    if not values or not all(type(v) in _PLAIN_NUMBERS for v in values):
        return False
    # max() keeps a NaN met first (nothing compares above it): then the slow path decides
    return max(map(abs, values)) <= MAX_AMOUNT and _NOT_AMOUNTS.isdisjoint(value)


def value_issues(root: Any, error: Error, *, skip: Callable[[tuple[Any, ...]], bool] = (
        lambda path: False)) -> bool:
    """Check every text and number in plain case data against the output limits.

    Texts: no character a workbook cannot hold, names at most :data:`MAX_NAME_CHARS`
    and other texts at most :data:`MAX_TEXT_CHARS` characters. Numbers: magnitude at
    most :data:`MAX_AMOUNT` (seeds at most 64 bits). Returns True if all are within.

    Parameters
    ----------
    root : object
        The case in the YAML layout.
    error : callable
        ``error(field_path, code, message, fix)``, once per value out of limits.
    skip : callable, optional
        True for a field path that already has an error (so it is not reported twice).

    Examples
    --------
    >>> found = []
    >>> value_issues({"lines": [{"values": {2025: 1e308}}]}, lambda *a: found.append(a))
    False
    >>> found[0][:2]
    (('lines', 0, 'values', 2025), 'number-too-large')
    """
    ok = True
    stack: list[tuple[tuple[Any, ...], Any, Any]] = [((), None, root)]
    while stack:
        path, key, value = stack.pop()
        if isinstance(value, Mapping):
            if _plain_amounts(value):
                continue  # a year -> amount map within the limits (most of a big case)
            stack.extend(((*path, k), k, v) for k, v in value.items())
            continue
        if isinstance(value, list):
            stack.extend(((*path, i), key, v) for i, v in enumerate(value))
            continue
        if isinstance(value, str):
            found = _text_issue(key, value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            found = _number_issue(key, value)
        else:
            found = None
        if found and not skip(path):
            ok = False
            error(path, *found)
    return ok
