"""CSV tables that a spreadsheet opens as data, never as formulas (OWASP "CSV injection").

Every CSV the toolkit writes goes through :func:`write_csv`. A text cell (or a header,
or an index label) that starts with ``=``, ``+``, ``-``, ``@``, a tab, a carriage
return or a NUL is prefixed with a single quote, so Excel, LibreOffice and Google
Sheets show it as text instead of evaluating it: the OWASP CSV Injection page
("prepend each cell field that begins with =, +, -, @, tab or carriage return with a
single quote") and OWASP ASVS 5.0 requirement 1.2.10 (which adds the NUL character).
Numbers stay numbers: only text is changed, so a negative NPSV is still ``-1234.5``.
Quoting follows RFC 4180 (pandas' default: fields holding a comma, quote or line
break are quoted, quotes doubled).

The raw text can be asked for with ``appraisal run --csv-raw`` (or
``with raw_csv(): ...`` in Python), for a pipeline that reads the CSVs with a program
rather than a spreadsheet.
"""

from __future__ import annotations

import contextlib
import csv
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["TRIGGERS", "neutralise", "neutralise_frame", "raw_csv", "write_csv",
           "write_records_csv"]

#: First characters that make a spreadsheet read a cell as a formula (or strip it).
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\x00")

_RAW: ContextVar[bool] = ContextVar("appraisal_csv_raw", default=False)


def neutralise(value: Any) -> Any:
    """Prefix text that a spreadsheet would evaluate with a single quote; other values as is.

    Examples
    --------
    >>> neutralise('=HYPERLINK("http://x","y")')
    '\\'=HYPERLINK("http://x","y")'
    >>> neutralise("-1"), neutralise(-1.5), neutralise("New service")
    ("'-1", -1.5, 'New service')
    """
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value


def _index(index: pd.Index) -> pd.Index:
    import pandas as pd

    if isinstance(index, pd.MultiIndex):
        return index.set_levels([_index(level) for level in index.levels])
    if index.dtype == object or pd.api.types.is_string_dtype(index):
        return index.map(neutralise)
    return index


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of *frame* with every text cell, header and index label neutralised.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"name": ["=1+1", "ok"], "npsv": [-3.0, 2.0]})
    >>> neutralise_frame(f).to_dict("list")
    {'name': ["'=1+1", 'ok'], 'npsv': [-3.0, 2.0]}
    """
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if series.dtype == object or pd.api.types.is_string_dtype(series):
            out[column] = series.map(neutralise)
    out.columns = _index(out.columns)
    out.index = _index(out.index)
    return out


@contextlib.contextmanager
def raw_csv(enabled: bool = True) -> Iterator[None]:
    """Within the block, :func:`write_csv` writes text exactly as it is (no prefix).

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> path = Path(tempfile.mkdtemp()) / "t.csv"
    >>> with raw_csv():
    ...     write_csv(pd.DataFrame({"a": ["=1"]}), path)
    >>> path.read_text()
    'a\\n=1\\n'
    """
    token = _RAW.set(enabled)
    try:
        yield
    finally:
        _RAW.reset(token)


def write_csv(frame: pd.DataFrame, path: str | Path, *, index: bool = False) -> None:
    """Write *frame* as UTF-8 CSV with ``\\n`` line ends, neutralised unless raw.

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> path = Path(tempfile.mkdtemp()) / "t.csv"
    >>> write_csv(pd.DataFrame({"name": ["@SUM(A1)", "+44 20"], "pv": [-1.0, 2.0]}), path)
    >>> print(path.read_text(), end="")
    name,pv
    '@SUM(A1),-1.0
    '+44 20,2.0
    """
    if not _RAW.get():
        frame = neutralise_frame(frame)
    frame.to_csv(path, index=index, lineterminator="\n")


#: Value types :func:`write_records_csv` formats itself; a table with any other value
#: (a date, a decimal, a list, an int beyond int64) is written through pandas.
_PLAIN = (str, int, float, bool, type(None))


def _formatted_here(value: Any) -> bool:
    """Text, a bool, None, a float or an int that numpy holds as int64."""
    if isinstance(value, int) and not isinstance(value, bool):
        return -(2**63) <= value < 2**63
    return isinstance(value, _PLAIN)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _column_cells(values: list[Any]) -> list[Any]:
    """The cells of one column as pandas writes the column it infers from *values*.

    Numbers only, with a float or a missing value among them: a float column (every
    number as a float, missing ones empty); otherwise each value as it is (missing:
    empty), the csv module writing floats by ``repr`` as numpy does.
    """
    present = [v for v in values if not _missing(v)]
    if present and all(map(_is_number, present)) and (
            len(present) < len(values) or any(isinstance(v, float) for v in present)):
        return ["" if _missing(v) else repr(float(v)) for v in values]
    return ["" if _missing(v) else v for v in values]


def _plain(value: Any) -> Any:
    """Numpy scalars as Python ones; anything else as it is.

    A float narrower than 64 bits is left as it is (so the table goes to pandas): numpy
    writes a float32 by its own shortest text, not as the float64 it widens to.
    """
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        item = value.item()
        if isinstance(item, float) and getattr(value, "itemsize", 8) != 8:
            return value
        return item
    return value


def write_records_csv(records: Sequence[Mapping[str, Any]], path: str | Path, *,
                      columns: Sequence[str] | None = None, index: str | None = None) -> None:
    """Write rows of dicts as :func:`write_csv` writes their data frame, without pandas.

    The file is byte for byte that of ``write_csv(pandas.DataFrame(records,
    columns=columns).set_index(index), path, index=index is not None)`` (without
    ``set_index`` when *index* is None): the columns in order of first appearance unless
    given, missing values empty, a column of numbers with a float or a gap in it written
    as floats, text neutralised unless raw. A table holding a value other than text,
    a number, a bool or None is handed to pandas. tests/test_csv_records.py compares
    the two on generated tables and on every table of the examples.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "t.csv"
    >>> write_records_csv([{"name": "=A1", "year": 2025}, {"name": "ok", "pv": 2.5}], path)
    >>> print(path.read_text(), end="")
    name,year,pv
    '=A1,2025.0,
    ok,,2.5
    """
    records = [{k: _plain(v) for k, v in r.items()} for r in records]
    if not all(_formatted_here(v) for r in records for v in r.values()):
        import pandas as pd

        frame = pd.DataFrame(records, columns=columns)
        write_csv(frame.set_index(index) if index is not None else frame, path,
                  index=index is not None)
        return
    if columns is None:
        columns = list(dict.fromkeys(k for r in records for k in r))
    raw = _RAW.get()
    cells = [_column_cells([r.get(c) if raw else neutralise(r.get(c)) for r in records])
             for c in columns]
    header = [c if raw else neutralise(c) for c in columns]
    if index is not None:  # the index column first, its name as it is
        at = list(columns).index(index)
        header = [index, *header[:at], *header[at + 1:]]
        cells = [cells[at], *cells[:at], *cells[at + 1:]]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(zip(*cells, strict=True) if cells else [[] for _ in records])
