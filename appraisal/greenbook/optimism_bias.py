"""Optimism bias: uplifts by project type, mitigation, and works-duration stretch.

Source: HM Treasury, *Supplementary Green Book Guidance: Optimism Bias* (2003), Table 2,
from Mott MacDonald (2002). Upper bounds apply at the outset (SOC/OBC); they are
reduced as project-specific risks are managed::

    OB_resultant = OB_upper × (1 − Σ_i c_i · m_i)

where ``c_i`` is the contribution of risk area ``i`` to the recorded bias and
``m_i ∈ [0, 1]`` its mitigation factor; capex and works duration each have their own
contributions (separate columns of the guidance's Tables 15/16) and mitigation. A project
that mixes types (e.g. standard and non-standard buildings) weights the upper bounds by
capex (or duration) share. Capex (and, for outsourcing, operating expenditure) is uplifted
by ``1 + OB``; the works-duration uplift stretches the capital profile over a longer period
to find when the works now end (the spending itself stays in its planned years, so a late
project never looks cheaper), and the whole years by which the works end later delay the lines of
the option that depend on completion (:func:`completion_dependents`; applied by
:func:`appraisal.engine.compile.compile_case`), since optimism bias extends "the
timescales over which the costs and benefits are assumed to accrue".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from appraisal.errors import ParameterError
from appraisal.params.packs import ParameterPack

__all__ = [
    "BiasMeasure",
    "OptimismBias",
    "bias_measure",
    "combined_uplift",
    "completion_dependents",
    "managed_reduction",
    "mitigated_uplift",
    "project_types",
    "stretch_profile",
    "table_uplift",
]


def project_types(pack: ParameterPack) -> tuple[str, ...]:
    """Project types in the pack's optimism-bias table."""
    return tuple(dict.fromkeys(r.get("project_type") for r in pack.rows("optimism_bias")))


def table_uplift(pack: ParameterPack, project_type: str, measure: str, bound: str) -> float:
    """The tabulated uplift (fraction) for a project type, measure and bound.

    Examples
    --------
    >>> pack = ParameterPack.green_book()
    >>> table_uplift(pack, "standard_buildings", "capex", "upper")
    0.24
    """
    rows = pack.rows("optimism_bias", project_type=project_type, measure=measure, bound=bound)
    if not rows:
        types = ", ".join(project_types(pack))
        measures = sorted({r.get("measure") for r in
                           pack.rows("optimism_bias", project_type=project_type)})
        msg = (
            f"no optimism-bias value for project type {project_type!r}, measure {measure!r}, "
            f"bound {bound!r}; project types: {types}; measures for this type: "
            f"{', '.join(measures) or 'none'}"
        )
        raise ParameterError(msg)
    return float(pack.require(rows[0]).value)


def mitigated_uplift(
    upper: float, contributions: Mapping[str, float], mitigation: Mapping[str, float]
) -> float:
    """Upper-bound uplift reduced by mitigation: ``upper × (1 − Σ c_i m_i)``.

    Parameters
    ----------
    upper : float
        The upper-bound uplift (fraction).
    contributions : mapping of str to float
        Share of the recorded bias from each risk area (each in [0, 1], summing to at
        most 1).
    mitigation : mapping of str to float
        Mitigation factor for each risk area (each in [0, 1]); areas not listed are
        unmitigated.

    Examples
    --------
    >>> mitigated_uplift(0.24, {"business case": 0.34, "design": 0.2},
    ...                  {"business case": 0.5})
    0.1992
    """
    problems = []
    for area, c in contributions.items():
        if not 0.0 <= c <= 1.0:
            problems.append(f"contribution of {area!r} must be in [0, 1] (got {c})")
    if sum(contributions.values()) > 1.0 + 1e-9:
        problems.append(
            f"risk-area contributions sum to {sum(contributions.values()):.3f}; they must not "
            "exceed 1"
        )
    for area, m in mitigation.items():
        if area not in contributions:
            problems.append(f"mitigation given for {area!r}, which has no contribution")
        elif not 0.0 <= m <= 1.0:
            problems.append(f"mitigation factor of {area!r} must be in [0, 1] (got {m})")
    if problems:
        raise ValueError("; ".join(problems))
    reduction = sum(contributions[a] * m for a, m in mitigation.items())
    return round(upper * (1.0 - reduction), 12)


def combined_uplift(
    pack: ParameterPack, shares: Mapping[str, float], measure: str = "capex", bound: str = "upper"
) -> float:
    """Uplift for a project mixing types, weighted by share of capex (or duration).

    Examples
    --------
    >>> pack = ParameterPack.green_book()
    >>> combined_uplift(pack, {"standard_buildings": 0.5, "non_standard_buildings": 0.5})
    0.375
    """
    total = sum(shares.values())
    if abs(total - 1.0) > 1e-9 or any(s < 0 for s in shares.values()):
        msg = f"project-type shares must be >= 0 and sum to 1 (got {dict(shares)})"
        raise ValueError(msg)
    return round(sum(s * table_uplift(pack, t, measure, bound) for t, s in shares.items()), 12)


def managed_reduction(contributions: Mapping[str, float], mitigation: Mapping[str, float]) -> float:
    """The managed optimism-bias contribution ``Σ_i c_i · m_i`` (a fraction of the bias).

    Examples
    --------
    HMT 2003 works-duration example (non-standard building): 5 + 2 + 22 × 0.4 + 5 + 3 =
    23.8 % of the bias is managed.

    >>> c = {"contractor": .05, "design": .02, "business case": .22, "intelligence": .05,
    ...      "site": .03}
    >>> m = {"contractor": 1, "design": 1, "business case": .4, "intelligence": 1, "site": 1}
    >>> round(managed_reduction(c, m), 12)
    0.238
    """
    return float(round(sum(contributions.get(a, 0.0) * m for a, m in mitigation.items()), 12))


@dataclass(frozen=True, slots=True)
class BiasMeasure:
    """Optimism bias on one measure of a line (``capex``, ``opex`` or ``duration``).

    ``upper`` is the starting (upper- or lower-bound, or user-given) uplift; for a combined
    project it is ``Σ_t share_t × type_upper_t`` (``shares`` and ``type_uppers`` keep the
    parts). ``contributions`` are the risk areas' shares of the bias (``c_i``) and
    ``mitigation`` their mitigation factors (``m_i``); ``reduction`` is the managed
    contribution ``Σ c_i m_i``; ``uplift = upper × (1 − reduction)`` is what is applied.
    """

    measure: str
    upper: float
    uplift: float
    reduction: float = 0.0
    contributions: Mapping[str, float] = field(default_factory=dict)
    mitigation: Mapping[str, float] = field(default_factory=dict)
    shares: Mapping[str, float] = field(default_factory=dict)
    type_uppers: Mapping[str, float] = field(default_factory=dict)

    @property
    def type_contributions(self) -> dict[str, float]:
        """Each project type's contribution to the blended upper bound (share × its upper)."""
        return {t: round(s * self.type_uppers[t], 12) for t, s in self.shares.items()}

    def to_dict(self) -> dict[str, object]:
        """Plain-dict form for outputs."""
        return {
            "measure": self.measure, "upper": self.upper, "reduction": self.reduction,
            "uplift": self.uplift,
            "areas": [{"area": a, "contribution": c, "mitigation": self.mitigation.get(a, 0.0),
                       "managed": round(c * self.mitigation.get(a, 0.0), 12)}
                      for a, c in self.contributions.items()],
            "project_types": [{"project_type": t, "share": s, "upper": self.type_uppers[t],
                               "contribution": self.type_contributions[t]}
                              for t, s in self.shares.items()],
        }

    def summary(self) -> str:
        """One-line text of the calculation, e.g. for a CSV cell.

        Examples
        --------
        >>> BiasMeasure("duration", 0.39, 0.29718, 0.238, {"business case": 0.22},
        ...             {"business case": 0.4}).summary()
        'duration: 39% x (1 - 23.8%) = 29.718%; areas: business case c=22% m=0.4'
        """
        text = f"{self.measure}: {_pct(self.upper)} x (1 - {_pct(self.reduction)}) = " \
               f"{_pct(self.uplift)}"
        if self.shares:
            text += "; upper = " + " + ".join(
                f"{_pct(s)} x {_pct(self.type_uppers[t])} {t}" for t, s in self.shares.items())
        if self.contributions:
            text += "; areas: " + ", ".join(
                f"{a} c={_pct(c)} m={self.mitigation.get(a, 0.0):g}"
                for a, c in self.contributions.items())
        return text


def _pct(x: float) -> str:
    return f"{round(100 * x, 6):g}%"


def bias_measure(upper: float, measure: str, contributions: Mapping[str, float] | None = None,
                 mitigation: Mapping[str, float] | None = None,
                 shares: Mapping[str, float] | None = None,
                 type_uppers: Mapping[str, float] | None = None) -> BiasMeasure:
    """Build the record of one measure: validate, reduce by mitigation, keep the parts.

    Examples
    --------
    >>> b = bias_measure(0.51, "capex", {"business case": 0.23}, {"business case": 0.5})
    >>> b.upper, b.reduction, b.uplift
    (0.51, 0.115, 0.45135)
    """
    contributions, mitigation = dict(contributions or {}), dict(mitigation or {})
    uplift = mitigated_uplift(upper, contributions, mitigation)
    return BiasMeasure(measure=measure, upper=float(upper), uplift=float(uplift),
                       reduction=managed_reduction(contributions, mitigation),
                       contributions=contributions, mitigation=mitigation,
                       shares=dict(shares or {}), type_uppers=dict(type_uppers or {}))


@dataclass(frozen=True, slots=True)
class OptimismBias:
    """Optimism bias applied to one impact line, as recorded in the results.

    ``cost`` is the capex (or, for outsourcing, opex) measure: amounts are multiplied by
    ``1 + cost.uplift``. ``duration`` (``None`` when off) is the works-duration measure:
    the line's span is stretched by ``1 + duration.uplift`` (its spending is not moved);
    ``planned_end`` and ``end`` are the last years of the works before and after the
    stretch (filled in by the engine), and ``end − planned_end`` whole years is the slip
    in completion that delays the option's lines depending on completion.
    """

    project_type: str | None
    bound: str
    cost: BiasMeasure
    duration: BiasMeasure | None = None
    source: str = ""
    planned_end: int | None = None
    end: int | None = None

    @property
    def measure(self) -> str:
        """The cost measure uplifted: ``capex`` or ``opex``."""
        return self.cost.measure

    @property
    def uplift(self) -> float:
        """The cost uplift applied (fraction)."""
        return self.cost.uplift

    @property
    def mitigation(self) -> Mapping[str, float]:
        """Mitigation factors of the cost measure."""
        return self.cost.mitigation

    @property
    def duration_uplift(self) -> float:
        """The works-duration uplift applied (fraction; 0 when off)."""
        return self.duration.uplift if self.duration is not None else 0.0

    @property
    def slip(self) -> int:
        """Whole years by which the line's works now finish later (0 without duration)."""
        if self.planned_end is None or self.end is None:
            return 0
        return self.end - self.planned_end

    def to_dict(self) -> dict[str, object]:
        """Plain-dict form for outputs."""
        return {
            "project_type": self.project_type,
            "bound": self.bound,
            "source": self.source,
            "cost": self.cost.to_dict(),
            "duration": self.duration.to_dict() if self.duration is not None else None,
            "works_planned_end": self.planned_end,
            "works_end": self.end,
            "completion_slip_years": self.slip,
        }


def completion_dependents(starts: Sequence[int | None], works: Sequence[bool],
                          overrides: Sequence[bool | None], planned_end: int) -> list[bool]:
    """Which lines of one option wait for its works to complete.

    By default a line depends on completion when it is not itself a works line (no
    works-duration uplift) and its first amount falls in or after ``planned_end``, the
    last year of planned works; ``overrides`` (``True``/``False``, ``None`` for the
    default) decide explicitly.

    Examples
    --------
    >>> completion_dependents([2025, 2027, 2025, None], [True, False, False, False],
    ...                       [None, None, None, None], 2026)
    [False, True, False, False]
    >>> completion_dependents([2025, 2027], [True, False], [None, False], 2026)
    [False, False]
    """
    return [(bool(override) and not is_works) if override is not None
            else (not is_works and start is not None and start >= planned_end)
            for start, is_works, override in zip(starts, works, overrides, strict=True)]


def stretch_profile(values: npt.ArrayLike, duration_uplift: float) -> np.ndarray:
    """Stretch a yearly profile in time by ``1 + duration_uplift``, keeping its total.

    The profile is read as spending spread evenly within each year, from its first to
    its last non-zero year; the span is stretched from its start and the spending is
    re-binned into whole years. Amounts before the first non-zero year are unchanged.
    The output has the same length: spending pushed past the end is kept in the last
    year (and should be avoided by a long enough horizon).

    Examples
    --------
    >>> stretch_profile([0, 100, 100, 0, 0], 0.5).round(6).tolist()
    [0.0, 66.666667, 66.666667, 66.666667, 0.0]
    >>> float(stretch_profile([10, 20, 30], 0.2).sum())
    60.0
    """
    v = np.asarray(values, dtype=np.float64)
    if duration_uplift == 0 or not np.any(v):
        return v.copy()
    if duration_uplift < 0:
        msg = f"a works-duration uplift must be >= 0 (got {duration_uplift})"
        raise ValueError(msg)
    nz = np.flatnonzero(v)
    start = nz[0]
    k = 1.0 + duration_uplift
    # cumulative spend at year edges, then stretched edges, re-binned at integer edges
    edges = np.arange(start, v.size + 1, dtype=np.float64)
    cum = np.concatenate([[0.0], np.cumsum(v[start:])])
    new_edges = start + (edges - start) * k
    cum_on_grid = np.interp(edges, new_edges, cum)  # re-binned at the original edges
    out = v.copy()
    out[start:] = np.diff(cum_on_grid)
    out[-1] += cum[-1] - cum_on_grid[-1]
    return out
