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
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["TRIGGERS", "neutralise", "neutralise_frame", "raw_csv", "write_csv"]

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
