"""What the lens tables' row functions share: the section data they leave, start from and end with.

Each :class:`~appraisal.case.lens_sheets.LensTable` has a ``to_rows`` that takes its lists
out of a case section (leaving the rest, :func:`without`) and a ``from_rows`` that puts them
back (starting from the rest, :func:`start_section`, and setting the list with where it was
placed, :func:`end_section`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["Placed", "end_section", "start_section", "without"]

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
