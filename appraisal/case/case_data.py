"""A case as plain data, in schema order: the inverse of :func:`appraisal.case.schema.build_case`.

:func:`case_to_data` walks the field tables (:data:`~appraisal.case.schema.CASE_FIELDS`,
:data:`~appraisal.case.schema.OPTION_FIELDS`, :data:`~appraisal.case.schema.LINE_FIELDS`), so keys
come out in schema order and fields left at their defaults are omitted. The workbook
writers and :mod:`appraisal.outputs.convert` build on it.
"""

from __future__ import annotations

import copy
import dataclasses
import enum
import functools
from collections.abc import Mapping, Sequence
from typing import Any

from appraisal.case.model import Case, Line, Option
from appraisal.case.schema import CASE_FIELDS, LINE_FIELDS, OPTION_FIELDS
from appraisal.errors import OutputError

__all__ = ["case_to_data", "case_to_records", "plain"]

_MISSING = dataclasses.MISSING


@functools.cache
def _defaults(cls: type) -> dict[str, Any]:
    return {f.name: f.default if f.default is not _MISSING else f.default_factory()
            for f in dataclasses.fields(cls)
            if f.default is not _MISSING or f.default_factory is not _MISSING}


def _default(cls: type, name: str) -> Any:
    return _defaults(cls).get(name, _MISSING)


def plain(value: Any) -> Any:
    """Plain data (dict, list, str, int, float, bool, None) for a model value.

    Dataclasses become dicts of their compared fields, leaving out fields at their
    defaults; objects with ``to_data()`` use it; mappings and sequences are walked.

    Examples
    --------
    >>> from appraisal.case.model import LineOptimismBias
    >>> plain(LineOptimismBias(project_type="standard_buildings", duration=True))
    {'project_type': 'standard_buildings', 'duration': True}
    """
    kind = type(value)
    if kind is float or kind is int or kind is str or kind is bool or value is None:
        return value  # the common case, first
    if kind is dict and all(type(v) is float for v in value.values()):
        return dict(value)  # e.g. amounts by year
    if isinstance(value, enum.Enum):
        return value.value  # Kind, Timing ...: their text
    if hasattr(value, "to_data") and callable(value.to_data):
        return plain(value.to_data())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if not f.compare or item == _default(type(value), f.name):
                continue
            out[f.name] = plain(item)
        return out
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return value.item()
    return value


def _record(obj: Any, cls: type, specs: Sequence[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for spec in specs:
        if not hasattr(obj, spec.name):
            continue
        value = getattr(obj, spec.name)
        if not spec.required and (value is None or value == _default(cls, spec.name)):
            continue
        out[spec.name] = plain(value)
    return out


def _line(line: Line) -> dict[str, Any]:
    out: dict[str, Any] = {}
    generated = line.profile.to_data()
    for spec in LINE_FIELDS:  # in schema order: the amounts from the profile, in place
        if spec.name not in ("values", "profile"):
            out.update(_record(line, Line, (spec,)))
        elif spec.name in generated:
            out[spec.name] = plain(generated[spec.name])
    return out


def case_to_data(case: Case) -> dict[str, Any]:
    """The case as plain data in the YAML layout, keys in schema order, defaults left out.

    Raises
    ------
    OutputError
        If a case section cannot be turned into plain data (its parsed form offers no
        ``to_data()``).

    Examples
    --------
    >>> from appraisal import case_from_records
    >>> case = case_from_records(title="T", base_year=2025, horizon_years=2,
    ...     options=[{"name": "BAU", "counterfactual": True}],
    ...     lines=[{"option": "BAU", "name": "c", "kind": "cost", "values": {2025: 5}}])
    >>> case_to_data(case)["lines"]
    [{'option': 'BAU', 'name': 'c', 'kind': 'cost', 'values': {2025: 5.0}}]
    """
    out: dict[str, Any] = {}
    for spec in CASE_FIELDS:
        name = spec.name
        if name == "options":
            out[name] = [_record(o, Option, OPTION_FIELDS) for o in case.options]
        elif name == "lines":
            out[name] = [_line(line) for line in case.lines]
        elif name == "prices":
            prices = plain(case.prices)
            if prices.get("deflator"):
                prices["deflator"] = {int(y): float(v) for y, v in prices["deflator"].items()}
            if prices:
                out[name] = prices
        elif name == "parameters":
            params = {k: list(v) for k, v in (("allow_unconfirmed", case.allow_unconfirmed),
                                              ("packs", case.packs)) if v}
            if params:
                out[name] = params
        elif name == "discount_schedules":
            if case.discount_schedules:
                out[name] = {k: list(v) for k, v in case.discount_schedules.items()}
        elif name == "public_budget":
            if case.public_budget_agencies:
                out[name] = {"agencies": list(case.public_budget_agencies)}
        elif hasattr(case, name):
            value = getattr(case, name)
            if spec.required or (value is not None and value != _default(Case, name)):
                out[name] = plain(value)
    for name, payload in case.sections.items():
        written = case.section_data.get(name)
        # the section as the input wrote it, when known: its parsed form may not read back
        data = copy.deepcopy(written) if written is not None else plain(payload)
        if not isinstance(data, dict | list | str | int | float | bool):
            msg = (f"case section {name!r} cannot be written out: its parsed form "
                   f"({type(payload).__name__}) has no to_data(); keep this case in YAML")
            raise OutputError(msg)
        out[name] = data
    return out


def case_to_records(case: Case) -> dict[str, Any]:
    """The case as plain Python data: the inverse of :func:`appraisal.case_from_records`.

    Every section as the input wrote it, so a notebook can change any part of a case (an
    uncertain input, a line's amounts, a weight) and build it again, checked as a YAML file
    would be. ``schema_version`` is left out (:func:`~appraisal.case_from_records` adds it);
    the case built again differs only in where it came from (``source_path``).

    Examples
    --------
    >>> import appraisal
    >>> case = appraisal.load_case(appraisal.example_path("prevention"))
    >>> records = appraisal.case_to_records(case)
    >>> again = appraisal.case_from_records(**records)
    >>> (again.options, again.lines, again.sections) == (case.options, case.lines, case.sections)
    True
    >>> records["uncertainty"]["inputs"].append({
    ...     "name": "hub running cost", "target": {"line": "Hub running costs"},
    ...     "field": "scale", "distribution": {"dist": "uniform", "low": 0.9, "high": 1.2}})
    >>> changed = appraisal.case_from_records(**records)
    >>> [i.name for i in changed.sections["uncertainty"].inputs][-1]
    'hub running cost'
    """
    records = case_to_data(case)
    records.pop("schema_version", None)
    return records

