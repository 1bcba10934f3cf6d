"""What the lens tables' row functions share: the section data they leave, start from and end with.

Each :class:`~appraisal.case.lens_sheets.LensTable` has a ``to_rows`` that takes its lists
out of a case section (leaving the rest, :func:`without`) and a ``from_rows`` that puts them
back (starting from the rest, :func:`start_section`, copying a row's cells into an item with
where each was placed, :func:`take`, and setting the list with where it was placed,
:func:`end_section`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["Placed", "end_section", "start_section", "take", "without"]

#: Where a value went: (path inside the section, row index, column key or option name).
Placed = tuple[tuple[Any, ...], int, str]


def without(data: Mapping[str, Any], *keys: str) -> dict[str, Any] | None:
    """What a table's ``to_rows`` leaves of the section: ``data`` but ``keys`` (``None``: nothing).

    Examples
    --------
    >>> without({"groups": ["Q1"], "eta": 1.3}, "groups")
    {'eta': 1.3}
    >>> without({"groups": ["Q1"]}, "groups") is None
    True
    """
    rest = {k: v for k, v in data.items() if k not in keys}
    return rest or None


def start_section(rest: Any) -> tuple[dict[str, Any], list[Placed]]:
    """Where a table's ``from_rows`` starts: a copy of ``rest`` (when a mapping) and no places.

    Examples
    --------
    >>> start_section({"eta": 1.3})
    ({'eta': 1.3}, [])
    >>> start_section(None)
    ({}, [])
    """
    return (dict(rest) if isinstance(rest, Mapping) else {}), []


def take(item: dict[str, Any], values: Mapping[str, Any], keys: Iterable[str],
         at: tuple[Any, ...], r: int, placed: list[Placed]) -> None:
    """Copy the cells of row ``r`` that are filled in (``values``) under ``keys`` into ``item``,
    each placed at its own column, at the path ``(*at, key)``.

    Examples
    --------
    >>> item, placed = {}, []
    >>> take(item, {"id": "C1", "name": "Cost"}, ("id", "unit", "name"), ("criteria", 0), 4,
    ...      placed)
    >>> item
    {'id': 'C1', 'name': 'Cost'}
    >>> placed
    [(('criteria', 0, 'id'), 4, 'id'), (('criteria', 0, 'name'), 4, 'name')]
    """
    for key in keys:
        if key in values:
            item[key] = values[key]
            placed.append(((*at, key), r, key))


def end_section(out: dict[str, Any], placed: list[Placed], key: str, value: Any,
                column: str) -> tuple[dict[str, Any], list[Placed]]:
    """How a table's ``from_rows`` ends: ``out[key] = value`` when ``value`` is not empty,
    placed at the first row's ``column``; returns ``(out, placed)``.

    Examples
    --------
    >>> end_section({}, [], "groups", ["Q1", "Q2"], "group")
    ({'groups': ['Q1', 'Q2']}, [(('groups',), 0, 'group')])
    >>> end_section({}, [], "groups", [], "group")
    ({}, [])
    """
    if value:
        out[key] = value
        placed.append(((key,), 0, column))
    return out, placed
