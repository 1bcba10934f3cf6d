"""The long list: HM Treasury's options framework filter, carried to a short list.

The Green Book builds the long list by the *dimensions of choice* (scope,
solution, delivery, implementation, funding). Each possible choice in each
dimension is assessed against the spending objectives and the critical success
factors as *meets*, *partly* or *does not* meet, and is then discounted, carried
forward, or marked as the preferred way forward, with the reasons recorded. A
short list is built from choices that were not discounted, together with
business as usual as the benchmark.

The suggested decision is mechanical: a choice that does not meet some objective
or factor is discounted; otherwise it is carried forward. A ``decision`` that
departs from the suggestion (keeping a choice that fails, or discounting one
that passes) needs a ``reason``; otherwise, when none is given, the reason is
recorded from the assessment (e.g. "does not meet so1").

The section::

    long_list:
      spending_objectives:
        - {id: so1, name: Cut repeat crisis presentations by 20% by 2028}
      critical_success_factors:
        - {id: affordable, name: Affordable within the budget envelope}
      choices:                       # by dimension: scope | solution | delivery |
        scope:                       #   implementation | funding
          - id: borough
            name: Borough-wide service
            assessment: {so1: meets, affordable: partly}
            decision: preferred      # optional: preferred | carried_forward | discounted
          - id: pilot
            name: Two-ward pilot
            assessment: {so1: does not, affordable: meets}
            reason: Too small to move the borough-wide rate
        funding:
          - id: grant
            name: Grant-funded
            assessment: {so1: meets, affordable: meets}
      short_list:
        - option: Business as usual
          business_as_usual: true
        - option: New service
          choices: {scope: borough, funding: grant}
          reason: Preferred scope with the only viable funding route

``tests/test_mca_long_list.py`` parses this example as written.

Examples
--------
>>> from appraisal.errors import Issues
>>> section = {
...     "spending_objectives": [{"id": "so1", "name": "Cut repeat crises by 20%"}],
...     "choices": {"scope": [
...         {"id": "borough", "name": "Borough-wide", "assessment": {"so1": "meets"}},
...         {"id": "pilot", "name": "Two-ward pilot", "assessment": {"so1": "does not"}}]},
...     "short_list": [{"option": "New service", "choices": {"scope": "borough"},
...                     "reason": "the only scope that meets so1"}]}
>>> found = Issues()
>>> ll = parse_long_list_section(section, locate=lambda path: "case.yaml", issues=found)
>>> for c in ll.choices:
...     print(c.name, "|", c.decision, "|", c.reason)
Borough-wide | carried_forward | meets every spending objective and critical success factor
Two-ward pilot | discounted | does not meet so1
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from appraisal.errors import Expected, Issues
from appraisal.lenses.mca._fields import Path, SectionReader

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ASSESSMENTS",
    "DECISIONS",
    "DIMENSIONS",
    "LongList",
    "LongListChoice",
    "Objective",
    "ShortListedOption",
    "parse_long_list_section",
    "suggest_decision",
]

DIMENSIONS = ("scope", "solution", "delivery", "implementation", "funding")
ASSESSMENTS = ("meets", "partly", "does_not")
DECISIONS = ("preferred", "carried_forward", "discounted")


@dataclass(frozen=True, slots=True, kw_only=True)
class Objective:
    """A spending objective or a critical success factor."""

    id: str
    name: str
    kind: str  # "spending_objective" | "critical_success_factor"


@dataclass(frozen=True, slots=True, kw_only=True)
class LongListChoice:
    """One choice in one dimension, its assessment and what became of it."""

    dimension: str
    id: str
    name: str
    assessment: tuple[tuple[str, str], ...]
    suggested: str
    decision: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ShortListedOption:
    """An option on the short list: one choice per dimension, or business as usual."""

    name: str
    choices: tuple[tuple[str, str], ...] = ()
    business_as_usual: bool = False
    reason: str = ""


def suggest_decision(assessment: Mapping[str, str]) -> str:
    """``"discounted"`` if any objective or factor is not met, else ``"carried_forward"``.

    Examples
    --------
    >>> suggest_decision({"so1": "meets", "affordable": "partly"})
    'carried_forward'
    """
    return "discounted" if "does_not" in assessment.values() else "carried_forward"


def _auto_reason(assessment: Mapping[str, str], decision: str) -> str:
    failed = [k for k, v in assessment.items() if v == "does_not"]
    partly = [k for k, v in assessment.items() if v == "partly"]
    if decision == "discounted" and failed:
        return "does not meet " + ", ".join(failed)
    if partly:
        return "partly meets " + ", ".join(partly) + "; meets every other objective and factor"
    return "meets every spending objective and critical success factor"


@dataclass(frozen=True, slots=True, kw_only=True)
class LongList:
    """The assessed long list and the short list drawn from it."""

    spending_objectives: tuple[Objective, ...]
    critical_success_factors: tuple[Objective, ...]
    choices: tuple[LongListChoice, ...]
    short_list: tuple[ShortListedOption, ...] = ()

    def in_dimension(self, dimension: str) -> tuple[LongListChoice, ...]:
        """The choices of one dimension, in input order."""
        return tuple(c for c in self.choices if c.dimension == dimension)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready form."""
        return {
            "spending_objectives": [{"id": o.id, "name": o.name} for o in self.spending_objectives],
            "critical_success_factors": [{"id": o.id, "name": o.name}
                                         for o in self.critical_success_factors],
            "choices": [{"dimension": c.dimension, "id": c.id, "name": c.name,
                         "assessment": dict(c.assessment), "suggested": c.suggested,
                         "decision": c.decision, "reason": c.reason} for c in self.choices],
            "short_list": [{"option": s.name, "business_as_usual": s.business_as_usual,
                            "choices": dict(s.choices), "reason": s.reason}
                           for s in self.short_list],
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per choice: dimension, assessment by objective, decision, reason."""
        import pandas as pd

        rows = [{"dimension": c.dimension, "choice": c.name, **dict(c.assessment),
                 "decision": c.decision, "reason": c.reason} for c in self.choices]
        return pd.DataFrame(rows).set_index(["dimension", "choice"])

    def summary_lines(self) -> list[str]:
        """Plain-text summary for the command line."""
        lines = [f"Long list: {len(self.choices)} choices in "
                 f"{len({c.dimension for c in self.choices})} dimensions"]
        for dim in DIMENSIONS:
            here = self.in_dimension(dim)
            if here:
                kept = [c.name + (" (preferred)" if c.decision == "preferred" else "")
                        for c in here if c.decision != "discounted"]
                lines.append(f"  {dim}: carried forward {', '.join(kept) or 'none'}; "
                             f"discounted {sum(c.decision == 'discounted' for c in here)}")
        if self.short_list:
            lines.append("Short list: " + ", ".join(s.name for s in self.short_list))
        return lines


def _objectives(r: SectionReader, data: object, path: Path, kind: str) -> list[Objective]:
    out: list[Objective] = []
    for i, item in enumerate(r.sequence(data, path) or []):
        p = (*path, i)
        node = r.mapping(item, p)
        if node is None or not r.keys(node, p, ("id", "name"), ("id",)):
            continue
        ident = r.text(node, "id", p)
        if ident is not None:
            out.append(Objective(id=ident, name=r.text(node, "name", p, required=False,
                                                        default=ident) or ident, kind=kind))
    return out


def _choice(r: SectionReader, item: object, p: Path, dim: str, targets: list[str]
            ) -> LongListChoice | None:
    node = r.mapping(item, p)
    if node is None or not r.keys(node, p, ("id", "name", "assessment", "decision", "reason"),
                                  ("id", "assessment")):
        return None
    ident = r.text(node, "id", p)
    table = r.mapping(node["assessment"], (*p, "assessment")) or {}
    assessment: dict[str, str] = {}
    for key, raw in table.items():
        if key not in targets:
            r.reference(key, (*p, "assessment", str(key)), targets,
                        "spending objective or critical success factor")
            continue
        value = r.choice(raw, (*p, "assessment", str(key)), ASSESSMENTS)
        if value is not None:
            assessment[str(key)] = value
    missing = [t for t in targets if t not in table]
    if missing:
        r.error((*p, "assessment"), "missing-assessment", f"not assessed against "
                f"{', '.join(missing)}", "assess every choice as meets, partly or does not")
    suggested = suggest_decision(assessment)
    decision = suggested
    if "decision" in node:
        decision = r.choice(node["decision"], (*p, "decision"), DECISIONS) or suggested
    reason = r.text(node, "reason", p, required=False) or ""
    overrides = (decision == "discounted") != (suggested == "discounted")
    if overrides and not reason:
        r.error((*p, "decision"), "missing-reason",
                f"decision '{decision}' departs from the assessment, which suggests "
                f"'{suggested}', and no reason is recorded", "add reason: <why>")
    if ident is None:
        return None
    # With a faulty assessment (already reported) the choice is still returned, so the
    # short list's references to it are checked rather than reported as unknown.
    return LongListChoice(dimension=dim, id=ident,
                          name=r.text(node, "name", p, required=False, default=ident) or ident,
                          assessment=tuple(assessment.items()), suggested=suggested,
                          decision=decision, reason=reason or _auto_reason(assessment, decision))


def _short_list(r: SectionReader, data: object, path: Path, choices: list[LongListChoice]
                ) -> list[ShortListedOption]:
    out: list[ShortListedOption] = []
    dims = [d for d in DIMENSIONS if any(c.dimension == d for c in choices)]
    for i, item in enumerate(r.sequence(data, path) or []):
        p = (*path, i)
        node = r.mapping(item, p)
        if node is None or not r.keys(node, p, ("option", "choices", "business_as_usual",
                                                "reason"), ("option",)):
            continue
        name = r.text(node, "option", p)
        bau = node.get("business_as_usual", False)
        if not isinstance(bau, bool):
            r.error((*p, "business_as_usual"), "wrong-type", f"expected true or false, got {bau!r}",
                    "write true or false", expected=Expected.YES_NO)
            continue
        picked: list[tuple[str, str]] = []
        if "choices" in node or not bau:
            table = r.mapping(node.get("choices"), (*p, "choices")) or {}
            for dim, ident in table.items():
                q = (*p, "choices", str(dim))
                if r.choice(dim, q, dims) is None:
                    continue
                here = {c.id: c for c in choices if c.dimension == dim}
                if r.reference(ident, q, list(here), f"{dim} choice") is None:
                    continue
                if here[ident].decision == "discounted":
                    r.error(q, "discounted-choice", f"'{ident}' was discounted from the long list",
                            "short-list only choices carried forward, or revisit the decision")
                picked.append((str(dim), str(ident)))
            absent = [d for d in dims if d not in table]
            if absent and table:
                r.error((*p, "choices"), "missing-choice", f"no choice for {', '.join(absent)}",
                        "pick one choice in every dimension of the long list")
        reason = r.text(node, "reason", p, required=False) or ""
        if not reason and not bau:
            r.warn(p, "missing-reason", "no reason is recorded for short-listing this option",
                   "add reason: <why>")
        if name is not None:
            out.append(ShortListedOption(name=name, choices=tuple(picked), business_as_usual=bau,
                                         reason=reason))
    names = [s.name for s in out]
    for i, name in enumerate(names):
        if name in names[:i]:
            r.error((*path, i, "option"), "duplicate-option", f"'{name}' is short-listed twice",
                    "name each short-listed option once")
    return out


def parse_long_list_section(data: object, *, locate: Callable[[Path], str], issues: Issues,
                            path: Path = ("long_list",)) -> LongList | None:
    """Parse the ``long_list:`` section (shape in the module docstring).

    Returns None when any error was recorded for the section.
    """
    r = SectionReader(locate, issues)
    start = len(issues.errors)
    section = r.mapping(data, path)
    if section is None:
        return None
    r.keys(section, path, ("spending_objectives", "critical_success_factors", "choices",
                           "short_list"), ("spending_objectives", "choices"))
    sos = _objectives(r, section.get("spending_objectives", []), (*path, "spending_objectives"),
                      "spending_objective")
    csfs = _objectives(r, section.get("critical_success_factors", []),
                       (*path, "critical_success_factors"), "critical_success_factor")
    targets = [o.id for o in (*sos, *csfs)]
    if len(set(targets)) != len(targets):
        r.error(path, "duplicate-id", "spending objectives and critical success factors share "
                "an id", "give each its own id")
    choices: list[LongListChoice] = []
    table = r.mapping(section.get("choices", {}), (*path, "choices")) or {}
    for dim, items in table.items():
        dp = (*path, "choices", str(dim))
        if r.choice(dim, dp, DIMENSIONS) is None:
            continue
        parsed = [_choice(r, item, (*dp, i), str(dim), targets)
                  for i, item in enumerate(r.sequence(items, dp) or [])]
        here = [c for c in parsed if c is not None]
        ids = [c.id for c in here]
        for i, ident in enumerate(ids):
            if ident in ids[:i]:
                r.error(dp, "duplicate-id", f"choice id '{ident}' is used twice", "")
        if sum(c.decision == "preferred" for c in here) > 1:
            r.error(dp, "several-preferred", "more than one choice is marked preferred",
                    "mark one preferred way forward per dimension")
        if here and all(c.decision == "discounted" for c in here):
            r.warn(dp, "all-discounted", f"every {dim} choice is discounted",
                   "nothing in this dimension can reach the short list")
        choices += here
    short = _short_list(r, section.get("short_list", []), (*path, "short_list"), choices)
    if len(issues.errors) > start:
        return None
    return LongList(spending_objectives=tuple(sos), critical_success_factors=tuple(csfs),
                    choices=tuple(choices), short_list=tuple(short))
