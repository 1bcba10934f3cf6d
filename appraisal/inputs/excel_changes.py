"""What changed in a workbook: input changes against a snapshot, and edited protected cells.

Every workbook the toolkit writes stores in its hidden ``_meta`` sheet

- ``snapshot``: the case's inputs as plain data, exactly as written into the cells, so a
  later run can say which inputs changed, cell by cell (:func:`diff_data`); and
- ``protected``: the ranges that must not be edited (live formulas, shipped reference
  values), each with one digest per row of its cells' normalised contents
  (:func:`row_digest`), so an edit is found and the cells named.

Options are matched by name and lines by (option, name), so inserting a line does not
make every later line look changed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from appraisal.fields import FieldPath, field_path

__all__ = ["Change", "cell_token", "diff_data", "formula_row_digest", "normalise",
           "normalise_formula", "pieces_row_digest", "row_digest"]

_FORMULA_NOISE = re.compile(r"_xlfn\.|_xlws\.", re.IGNORECASE)
_DROP = str.maketrans("", "", "$' \t\r\n")
#: The same two for ASCII text as bytes (``bytes.upper`` is ``str.upper`` on ASCII).
_FORMULA_NOISE_BYTES = re.compile(rb"_xlfn\.|_xlws\.", re.IGNORECASE)
_DROP_BYTES = b"$' \t\r\n"


def normalise_formula(text: str) -> str:
    """Formula text as compared: no ``$``, spaces, quotes or ``_xlfn.`` prefixes, upper case.

    Excel and LibreOffice may re-serialise a formula this way when they save it.

    Examples
    --------
    >>> normalise_formula("=SUM( $A$1:B2 )") == normalise_formula("sum(A1:B2)")
    True
    """
    out = text.removeprefix("=").translate(_DROP).upper()
    return _FORMULA_NOISE.sub("", out) if "_XL" in out else out


def cell_token(kind: str | None, value: Any, formula: str | None = None) -> str:
    """Canonical text of one cell for digests: formulas normalised, numbers as ``repr``.

    Examples
    --------
    >>> cell_token("n", 2), cell_token("n", 2.0), cell_token("b", True), cell_token(None, None)
    ('2.0', '2.0', 'TRUE', '')
    """
    if formula is not None:
        return "=" + normalise_formula(formula)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(float(value))
    return str(value)


def row_digest(tokens: Iterable[str]) -> str:
    """Short digest (16 hex digits) of one row's cell tokens.

    Examples
    --------
    >>> len(row_digest(["a", "=SUM(A1:A2)"]))
    16
    """
    return hashlib.sha256("\x1f".join(tokens).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def formula_row_digest(formulas: Iterable[str | None]) -> str:
    """Digest of one row of formula cells (None for a cell without a formula).

    Equal to :func:`row_digest` of the cells' :func:`cell_token`, computed in one pass.

    Examples
    --------
    >>> formula_row_digest(["SUM($A$1:A2)", None]) == row_digest(
    ...     [cell_token(None, None, "SUM($A$1:A2)"), ""])
    True
    """
    items = formulas if isinstance(formulas, list) else list(formulas)
    body = "\x1f=".join(items) if items and None not in items else "="
    if not body.startswith("=") and "\x1f==" not in body:  # no None, no leading "="
        text = "=" + body
    else:
        text = "\x1f".join("" if f is None else "=" + f.removeprefix("=") for f in items)
    if text.isascii():  # the common case: the same steps on bytes, at C speed
        data = text.encode("ascii").translate(None, _DROP_BYTES).upper()
        if b"_XL" in data:
            data = _FORMULA_NOISE_BYTES.sub(b"", data)
        return hashlib.sha256(data).hexdigest()[:16]
    text = text.translate(_DROP).upper()
    if "_XL" in text:
        text = _FORMULA_NOISE.sub("", text)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


#: Normalised skeletons of rows of formulas built from pieces (:func:`pieces_row_digest`),
#: by (column letters, number of pieces). Bounded; cleared when full.
_SKELETONS: dict[tuple[tuple[str, ...], int], bytes] = {}
#: Control characters: never in formula text, so free to stand for the pieces.
_CONTROL = re.compile("[\x00-\x1f]")


def pieces_row_digest(pieces: Sequence[str], letters: Sequence[str]) -> str:
    """:func:`formula_row_digest` of the formulas ``letter.join(pieces)`` for each letter.

    A row of formulas that differ only by their column letter (each row of a generated
    profile or of the ``Calculation`` sheet's flows) is normalised once per row: the
    pieces are normalised (each step is character by character) and put into a skeleton
    of the row made once per set of columns, instead of joining and normalising every
    formula. Any piece the skeleton cannot take (a control character, a leading ``=``,
    text beyond ASCII, or ``_xl`` noise) takes the general path.

    Examples
    --------
    >>> pieces = ["IF(", "$4<$M9,0,", "$4)"]
    >>> pieces_row_digest(pieces, ["S", "T"]) == formula_row_digest(
    ...     [x.join(pieces) for x in ("S", "T")])
    True
    """
    joined = "".join(pieces)
    names = "".join(letters)
    if (not letters or not pieces or len(pieces) > 15 or pieces[0].startswith("=")
            or not (joined + names).isascii() or _CONTROL.search(joined)
            or not (names.isalpha() and names.isupper())):
        return formula_row_digest([x.join(pieces) for x in letters])
    key = (tuple(letters), len(pieces))
    skeleton = _SKELETONS.get(key)
    if skeleton is None:
        # "=" P0 A P1 A P2 \x1f "=" P0 B P1 B P2 ...: piece i stands as the byte 0x10 + i
        marks = [chr(0x10 + i) for i in range(len(pieces))]
        skeleton = "\x1f".join("=" + x.join(marks) for x in letters).encode("ascii")
        if len(_SKELETONS) >= 64:
            _SKELETONS.clear()
        _SKELETONS[key] = skeleton
    data = skeleton
    for i, piece in enumerate(pieces):
        data = data.replace(bytes((0x10 + i,)), piece.encode("ascii").translate(
            None, _DROP_BYTES).upper())
    if b"_XL" in data:
        return formula_row_digest([x.join(pieces) for x in letters])
    return hashlib.sha256(data).hexdigest()[:16]


def normalise(data: Any) -> Any:
    """Plain data as compared: keys as text, no empty values, numbers as floats.

    Examples
    --------
    >>> normalise({"values": {2025: 1}, "notes": "", "x": None, "y": []})
    {'values': {'2025': 1.0}}
    """
    if isinstance(data, Mapping):
        out = {}
        for key, value in data.items():
            kind = type(value)
            if kind is float or kind is int:  # the common case (yearly values), inline
                out[str(key)] = float(value)
                continue
            item = normalise(value)
            if item not in (None, "", [], {}):
                out[str(key)] = item
        return out
    if isinstance(data, list | tuple):
        return [normalise(v) for v in data]
    if isinstance(data, bool):
        return data
    if isinstance(data, int | float):
        return float(data)
    return data


@dataclass(frozen=True, slots=True)
class Change:
    """One changed input: its field path, old and new values (None when absent)."""

    path: FieldPath
    old: Any
    new: Any
    what: str = "changed"

    @property
    def field(self) -> str:
        """Dotted field path, as in validation messages."""
        return field_path(self.path)


def _show(value: Any, yes_no: bool = False, percent: bool = False) -> str:
    if value is None:
        return "(blank)"
    if yes_no and isinstance(value, bool):
        return "yes" if value else "no"
    if percent and isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value * 100:.10g}%"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dict | list):
        return "{…}" if isinstance(value, dict) else "[…]"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def describe(change: Change, name: str | None = None) -> str:
    """One line for a change, e.g. ``lines[1].values.2028: 30 → 35``.

    *name* says what changed in the words of the file (e.g. ``Profiles row 4 (...), year
    2028``; default: the field path); a yes/no cell's value is then shown as yes or no, and
    a number in a column of percentages (a header ending "(%)" or "(% a year)":
    :data:`~appraisal.case.sheets.PERCENT_HEADER_ENDINGS`) as a percentage, as the cells
    show them.

    Examples
    --------
    >>> describe(Change(("lines", 1, "values", "2028"), 30.0, 35.0))
    'lines[1].values.2028: 30 → 35'
    >>> describe(Change(("affordability", "vat", "recoverable", "NHS"), None, True),
    ...          "Affordability lists row 4 (NHS), VAT recoverable")
    'Affordability lists row 4 (NHS), VAT recoverable: (blank) → yes'
    >>> describe(Change(("x",), 0.7, 0.65), "Optimism bias row 4 (New build / Works), Share (%)")
    'Optimism bias row 4 (New build / Works), Share (%): 70% → 65%'
    >>> describe(Change(("x",), 0.01, 0.02), "Profiles row 5 (A / B), Rate (% a year)")
    'Profiles row 5 (A / B), Rate (% a year): 1% → 2%'
    """
    from appraisal.case.sheets import PERCENT_HEADER_ENDINGS, project_types

    said = name or change.field
    yes_no = name is not None
    percent = yes_no and said.endswith(PERCENT_HEADER_ENDINGS)
    if yes_no and change.path and change.path[-1] == "project_type":  # as the cell shows it
        words = project_types()
        change = dataclasses.replace(change, old=words.get(change.old, change.old),
                                     new=words.get(change.new, change.new))
    if change.what == "added":
        return f"{said}: added"
    if change.what == "removed":
        return f"{said}: removed ({_show(change.old, yes_no, percent)})"
    return (f"{said}: {_show(change.old, yes_no, percent)} → "
            f"{_show(change.new, yes_no, percent)}")


def _walk(old: Any, new: Any, path: FieldPath, out: list[Change]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(new) + [k for k in old if k not in new]:
            _walk(old.get(key), new.get(key), (*path, key), out)
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            _walk(a, b, (*path, i), out)
    elif old != new:
        out.append(Change(path, old, new))


def _keyed(items: list[Any], key: tuple[str, ...]) -> dict[tuple[Any, ...], tuple[int, Any]]:
    out: dict[tuple[Any, ...], tuple[int, Any]] = {}
    for i, item in enumerate(items):
        if isinstance(item, dict):
            out.setdefault(tuple(item.get(k) for k in key), (i, item))
    return out


def _records(old: list[Any], new: list[Any], name: str, key: tuple[str, ...],
             out: list[Change]) -> None:
    before, after = _keyed(old, key), _keyed(new, key)
    for k, (i, item) in after.items():
        if k in before:
            _walk(before[k][1], item, (name, i), out)
        else:
            out.append(Change((name, i), None, item, "added"))
    for k in before:
        if k not in after:
            label = " / ".join(str(x) for x in k if x is not None)
            out.append(Change((name,), label, None, "removed"))


def diff_data(old: Any, new: Any) -> list[Change]:
    """Changes from *old* to *new* case data (both in the YAML layout).

    Examples
    --------
    >>> old = {"title": "A", "lines": [{"option": "X", "name": "c", "values": {2025: 1}}]}
    >>> new = {"title": "A", "lines": [{"option": "X", "name": "c", "values": {2025: 2}}]}
    >>> [describe(c) for c in diff_data(old, new)]
    ['lines[0].values.2025: 1 → 2']
    """
    a, b = normalise(old or {}), normalise(new or {})
    out: list[Change] = []
    for key in list(b) + [k for k in a if k not in b]:
        if key == "options":
            _records(a.get(key, []), b.get(key, []), key, ("name",), out)
        elif key == "lines":
            _records(a.get(key, []), b.get(key, []), key, ("option", "name"), out)
        else:
            _walk(a.get(key), b.get(key), (key,), out)
    return out
