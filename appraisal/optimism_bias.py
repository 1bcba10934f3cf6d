"""Optimism bias: uplifts by project type, mitigation, and works-duration stretch.

Source: HM Treasury, *Supplementary Green Book Guidance: Optimism Bias* (2003), Table 2,
from Mott MacDonald (2002). Upper bounds apply at the outset (SOC/OBC); they are
reduced as project-specific risks are managed::

    OB_resultant = OB_upper × (1 − Σ_i c_i · m_i)

where ``c_i`` is the contribution of risk area ``i`` to the recorded bias and
``m_i ∈ [0, 1]`` its mitigation factor. A project that mixes types (e.g. standard and
non-standard buildings) weights the upper bounds by capex share. Capex (and, for
outsourcing, operating expenditure) is uplifted by ``1 + OB``; the works-duration
uplift stretches the capital profile over a longer period, keeping its total.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from appraisal.errors import ParameterError
from appraisal.parameters import ParameterPack

__all__ = [
    "OptimismBias",
    "combined_uplift",
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


@dataclass(frozen=True, slots=True)
class OptimismBias:
    """Optimism bias applied to one impact line, as recorded in the results.

    ``uplift`` multiplies amounts by ``1 + uplift``; ``duration_uplift`` stretches the
    profile's span by ``1 + duration_uplift``.
    """

    project_type: str | None
    measure: str
    bound: str
    uplift: float
    duration_uplift: float = 0.0
    mitigation: Mapping[str, float] = field(default_factory=dict)
    source: str = ""

    def to_dict(self) -> dict[str, object]:
        """Plain-dict form for outputs."""
        return {
            "project_type": self.project_type,
            "measure": self.measure,
            "bound": self.bound,
            "uplift": self.uplift,
            "duration_uplift": self.duration_uplift,
            "mitigation": dict(self.mitigation),
            "source": self.source,
        }


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
    grid = np.arange(start, v.size + 1, dtype=np.float64)
    cum_on_grid = np.interp(grid, new_edges, cum)
    out = v.copy()
    out[start:] = np.diff(cum_on_grid)
    out[-1] += cum[-1] - cum_on_grid[-1]
    return out
