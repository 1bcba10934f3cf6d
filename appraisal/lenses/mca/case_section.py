"""The ``mca:`` and ``long_list:`` sections of a case file.

:func:`parse_mca_case_section` and :func:`parse_long_list_case_section` are the section
parsers of the MCA lens in :data:`appraisal.lenses.catalogue.LENSES` (the readers pass them
to :func:`appraisal.case.schema.build_case`). Each returns a frozen, picklable section
object (:class:`MCASection`,
:class:`LongListSection`) holding the parsed form and the data as written, so that
``to_data()`` gives back exactly what was read (the workbook writer re-emits sections
with it).

Shipped value trees
-------------------
``mca: {template: public_service_reform, ...}`` takes the purposes and criteria of
``data/mca/public_service_reform.yaml`` (see :func:`template_names`); the case may
add its own ``purposes`` and ``criteria`` after them (e.g. a criterion scored from
the CBA) and gives ``scores`` and ``weights`` as usual. Problems in the case's own
criteria are located in the case file; problems in the template's, in the template.

Examples
--------
>>> from appraisal.errors import AppraisalValidationError, Issue, Issues
>>> found = Issues()
>>> section = parse_mca_case_section(
...     {"template": "public_value_framework", "scores": {}, "weights": {}},
...     case_data={}, option_names=["A"], locate=lambda p: "case.yaml", issues=found)
>>> section is None, found.errors[0].field
(True, 'mca.scores')
>>> "public_service_reform" in template_names()
True
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from appraisal._resources import data_dir
from appraisal.errors import AppraisalValidationError, Issue, Issues
from appraisal.fields import field_path
from appraisal.lenses.mca._fields import Path, SectionReader
from appraisal.lenses.mca.long_list import LongList, parse_long_list_section
from appraisal.lenses.mca.section import parse_mca_section
from appraisal.lenses.mca.spec import MCASpec

__all__ = [
    "LongListSection",
    "MCASection",
    "load_template",
    "parse_long_list_case_section",
    "parse_mca_case_section",
    "template_names",
]

Locate = Callable[[Path], str]


@dataclass(frozen=True, slots=True, eq=False)
class _Map:
    """A read-only stand-in for a mapping inside frozen section data.

    Two are equal when they hold the same keys and values in any order, as mappings are
    (a workbook gives a section's maps back in its rows' order, not always the file's).
    """

    items: tuple[tuple[Any, Any], ...]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Map) and dict(self.items) == dict(other.items)

    def __hash__(self) -> int:
        return hash(frozenset(self.items))


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return _Map(tuple((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, _Map):
        return {k: _thaw(v) for k, v in value.items}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class MCASection:
    """The parsed ``mca:`` section: the specification, and the section as written.

    Attributes
    ----------
    spec : MCASpec
        Ready for :func:`appraisal.lenses.mca.evaluate_mca`.
    template : str or None
        Name of the shipped value tree the section builds on.
    """

    spec: MCASpec
    template: str | None
    raw: Any = dataclasses.field(repr=False)

    def to_data(self) -> dict[str, Any]:
        """The section exactly as read (plain data, a fresh copy)."""
        return _thaw(self.raw)


@dataclass(frozen=True, slots=True)
class LongListSection:
    """The parsed ``long_list:`` section and the section as written."""

    long_list: LongList
    raw: Any = dataclasses.field(repr=False)

    def to_data(self) -> dict[str, Any]:
        """The section exactly as read (plain data, a fresh copy)."""
        return _thaw(self.raw)


def template_names() -> tuple[str, ...]:
    """Names of the value trees shipped in ``data/mca`` (file names without ``.yaml``)."""
    return tuple(sorted(p.stem for p in (data_dir() / "mca").glob("*.yaml")))


def load_template(name: str) -> tuple[dict[str, Any], Locate]:
    """The ``mca`` part (purposes and criteria) of a shipped value tree, and its locator.

    Raises
    ------
    AppraisalValidationError
        If ``name`` is not one of :func:`template_names`.

    Examples
    --------
    >>> tree, locate = load_template("public_service_reform")
    >>> len(tree["purposes"]), locate(("mca", "criteria", 0))
    (6, 'public_service_reform.yaml:50:7')
    """
    from appraisal.yaml_safety import parse_yaml

    if name not in template_names():
        raise AppraisalValidationError([Issue(
            "unknown-template", f"no shipped value tree {name!r}", field="name",
            fix=f"use one of {', '.join(template_names())}")], source="load_template")
    path = data_dir() / "mca" / f"{name}.yaml"
    data, locate, _ = parse_yaml(path.read_text(encoding="utf-8"), path.name)
    return dict(data["mca"]), locate


_INDEXED = re.compile(r"^(?P<head>.*?\.(?P<kind>purposes|criteria))\[(?P<i>\d+)\](?P<rest>.*)$")


def _with_template(raw: Mapping[str, Any], path: Path, locate: Locate, issues: Issues
                   ) -> tuple[dict[str, Any] | None, Locate, Callable[[str], str], str | None]:
    """The section with the template's purposes and criteria first, a locator and a field
    renamer that point back to where each item was written."""
    name = raw.get("template")
    if name is None:
        return dict(raw), locate, lambda f: f, None
    r = SectionReader(locate, issues)
    if not isinstance(name, str) or name not in template_names():
        r.error((*path, "template"), "unknown-template", f"no shipped value tree {name!r}",
                f"use one of {', '.join(template_names())}, or write purposes and criteria")
        return None, locate, lambda f: f, None
    tree, t_locate = load_template(name)
    counts = {kind: len(tree.get(kind) or []) for kind in ("purposes", "criteria")}
    merged = {k: v for k, v in raw.items() if k != "template"}
    for kind in counts:
        own = raw.get(kind, [])
        merged[kind] = [*(tree.get(kind) or []), *(own if isinstance(own, list) else [own])]

    def where(p: Path) -> str:
        if len(p) > len(path) + 1 and p[len(path)] in counts and isinstance(p[len(path) + 1], int):
            kind, i = str(p[len(path)]), int(p[len(path) + 1])
            if i < counts[kind]:
                return t_locate(("mca", kind, i, *p[len(path) + 2:]))
            return locate((*p[:len(path) + 1], i - counts[kind], *p[len(path) + 2:]))
        return locate(p)

    prefix = field_path(path)

    def rename(f: str) -> str:
        m = _INDEXED.match(f)
        if m is None or m["head"] != f"{prefix}.{m['kind']}":
            return f
        i = int(m["i"])
        if i < counts[m["kind"]]:
            return f"{prefix}.template({name}).{m['kind']}[{i}]{m['rest']}"
        return f"{m['head']}[{i - counts[m['kind']]}]{m['rest']}"

    return merged, where, rename, name


def parse_mca_case_section(raw: Any, *, case_data: Mapping[str, Any] | None = None,
                           option_names: Sequence[str], locate: Locate, issues: Issues,
                           path: Path = ("mca",)) -> MCASection | None:
    """Section parser for ``mca:`` (the shape of :mod:`appraisal.lenses.mca.section`, plus
    ``template``). Returns None when any error was recorded."""
    del case_data  # the section needs only the option names
    if not isinstance(raw, Mapping):
        SectionReader(locate, issues).mapping(raw, path)
        return None
    merged, where, rename, template = _with_template(raw, path, locate, issues)
    if merged is None:
        return None
    found = Issues()
    spec = parse_mca_section(merged, option_names=option_names, locate=where, issues=found,
                             path=path)
    issues.extend(dataclasses.replace(i, field=rename(i.field)) for i in found)
    if spec is None or found.has_errors:
        return None
    return MCASection(spec=spec, template=template, raw=_freeze(raw))


def parse_long_list_case_section(raw: Any, *, case_data: Mapping[str, Any] | None = None,
                                 option_names: Sequence[str], locate: Locate, issues: Issues,
                                 path: Path = ("long_list",)) -> LongListSection | None:
    """Section parser for ``long_list:`` (shape in :mod:`appraisal.lenses.mca.long_list`); every
    short-listed option must be an option of the case. Returns None on any error."""
    del case_data
    start = len(issues.errors)
    parsed = parse_long_list_section(raw, locate=locate, issues=issues, path=path)
    if parsed is not None and option_names:
        r = SectionReader(locate, issues)
        entries = raw.get("short_list") or [] if isinstance(raw, Mapping) else []
        for i, item in enumerate(parsed.short_list):
            if item.name not in option_names:
                at = (*path, "short_list", i, "option") if i < len(entries) else path
                r.reference(item.name, at, list(option_names), "option")
    if parsed is None or len(issues.errors) > start:
        return None
    return LongListSection(long_list=parsed, raw=_freeze(raw))
