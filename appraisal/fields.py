"""Field paths and suggestions: how every message names a field and proposes a fix.

One :data:`FieldPath` type, one way to write it (:func:`field_path`, e.g.
``lines[2].profile.amount``) and one "did you mean" helper (:func:`did_you_mean`), used by
every reader (YAML, workbook, the lens sections) and by the case's checks.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

__all__ = ["FieldPath", "did_you_mean", "field_path"]


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
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=n, cutoff=cutoff)
    return ("did you mean " + " or ".join(f"'{c}'" for c in close) + "?") if close else ""

