"""The distributional lens: equity-weighted NPSV beside unweighted, the η sweep, Atkinson/EDE.

Applies the kernels of :mod:`appraisal.greenbook.equity` (Green Book 2018 Annex A3, paras
A3.12–A3.22) to a compiled case; see that module for the method and its conventions.
Weighted results are always reported **beside** unweighted ones, never instead of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from appraisal.greenbook.equity import (
    _SWEEP_POINTS,
    ETA_SWEEP,
    DistributionSpec,
    _ede,
    incidence_arrays,
    line_weights,
    shipped_eta,
    weights_kernel,
)

if TYPE_CHECKING:
    from appraisal.engine.compile import CompiledCase

__all__ = ["EquityResult", "distributional_analysis", "weighting_incidence", "wellbeing_valued"]


def wellbeing_valued(compiled: CompiledCase) -> np.ndarray:
    """True for each line valued in WELLBYs (measure ``wellby``, or a pack value in WELLBYs).

    Examples
    --------
    >>> from appraisal.engine.compile import compile_case
    >>> from appraisal.inputs.load import example_path, load_case
    >>> compiled = compile_case(load_case(example_path("prevention")))
    >>> [ln.name for ln, w in zip(compiled.case.lines, wellbeing_valued(compiled)) if w][:1]
    ['Improved child and parent wellbeing']
    """
    vals = tuple(compiled.valuations) or (None,) * compiled.n_lines
    return np.array([v is not None and "WELLBY" in v.unit.upper() for v in vals], dtype=bool)


def weighting_incidence(compiled: CompiledCase, spec: DistributionSpec
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Incidence used for *weighting*: ``(shares (L, G), unallocated (L,), exempt (L,))``.

    The lines' incidence (:func:`incidence_arrays`), except that lines exempt from income
    weights (valued in WELLBYs, unless ``spec.weight_wellbeing``) count as unallocated, so
    :func:`line_weights` gives them weight 1 at every η. Who gains and loses (the
    incidence table) still uses the lines' own incidence.
    """
    shares, unallocated = incidence_arrays(compiled.case.lines, spec.groups)
    exempt = (np.zeros(compiled.n_lines, dtype=bool) if spec.weight_wellbeing
              else wellbeing_valued(compiled))
    return (np.where(exempt[:, None], 0.0, shares), np.where(exempt, 1.0, unallocated),
            exempt)


# --------------------------------------------------------------------------- the result
@dataclass(frozen=True, slots=True, eq=False)
class EquityResult:
    """Distributional analysis of every option (the ``distributional`` lens)."""

    spec: DistributionSpec
    eta: float
    eta_source: str
    reference: float
    weights: np.ndarray
    option_names: tuple[str, ...]
    counterfactual: int
    unweighted: np.ndarray
    weighted: np.ndarray
    group_benefits: np.ndarray
    group_costs: np.ndarray
    unallocated_net: np.ndarray
    eta_grid: np.ndarray
    npsv_grid: np.ndarray
    switches: tuple[dict[str, Any], ...]
    ede: tuple[dict[str, Any] | None, ...] = field(default_factory=tuple)
    ede_note: str = ""
    wellbeing_lines: tuple[str, ...] = ()
    weighted_excl_wellbeing: np.ndarray | None = None
    weighted_incl_wellbeing: np.ndarray | None = None
    exempt_group_net: np.ndarray | None = None
    exempt_unallocated_net: np.ndarray | None = None

    @property
    def unweighted_lines(self) -> tuple[str, ...]:
        """Lines left at weight 1 because they are valued in WELLBYs (none if opted in)."""
        return () if self.spec.weight_wellbeing else self.wellbeing_lines

    def wellbeing_weighting(self) -> dict[str, Any]:
        """Which rule was applied to WELLBY-valued lines, and its effect on weighted NPSV."""
        cf = self.counterfactual
        excl = self.weighted if self.weighted_excl_wellbeing is None \
            else self.weighted_excl_wellbeing
        incl = self.weighted if self.weighted_incl_wellbeing is None \
            else self.weighted_incl_wellbeing
        rule = ("WELLBY-valued lines income-weighted (the case opted in with "
                "'weight_wellbeing: true')" if self.spec.weight_wellbeing else
                "WELLBY-valued lines not income-weighted (weight 1): a WELLBY is already a "
                "unit of wellbeing, and income weights correct for the diminishing marginal "
                "utility of income (Green Book 2018 A3.12-A3.13)")
        return {"weight_wellbeing": self.spec.weight_wellbeing, "rule": rule,
                "wellbeing_lines": list(self.wellbeing_lines),
                "left_unweighted": list(self.unweighted_lines),
                "npsv": [{"option": n,
                          "weighted_excl_wellbeing": float(excl[o]),
                          "weighted_incl_wellbeing": float(incl[o]),
                          "inc_weighted_excl_wellbeing": float(excl[o] - excl[cf]),
                          "inc_weighted_incl_wellbeing": float(incl[o] - incl[cf]),
                          "effect_of_weighting_wellbeing": float(
                              (incl[o] - incl[cf]) - (excl[o] - excl[cf]))}
                         for o, n in enumerate(self.option_names)]}

    @property
    def preferred_unweighted(self) -> str:
        """Preferred option on unweighted NPSV."""
        return self.option_names[int(np.argmax(self.unweighted))]

    @property
    def preferred_weighted(self) -> str:
        """Preferred option on weighted NPSV."""
        return self.option_names[int(np.argmax(self.weighted))]

    @property
    def switching_eta(self) -> float | None:
        """The η nearest the case's η at which the preferred option changes (None if none)."""
        if not self.switches:
            return None
        return min((s["eta"] for s in self.switches), key=lambda e: abs(e - self.eta))

    @property
    def group_net(self) -> np.ndarray:
        """Unweighted net benefit by option and group, ``(O, G)``."""
        return self.group_benefits - self.group_costs

    def incidence_rows(self) -> list[dict[str, Any]]:
        """Who gains and who loses: one row per option and group (plus unallocated)."""
        cf = self.counterfactual
        net = self.group_net
        rows = []
        hh = self.spec.households
        for o, name in enumerate(self.option_names):
            for g, group in enumerate(self.spec.groups):
                inc = float(net[o, g] - net[cf, g])
                rows.append({
                    "option": name, "group": group, "income": self.spec.incomes[g],
                    "households": hh[g] if hh else None, "weight": float(self.weights[g]),
                    "pv_benefits": float(self.group_benefits[o, g]),
                    "pv_costs": float(self.group_costs[o, g]), "net": float(net[o, g]),
                    "weighted_net": float(net[o, g] * self.weights[g]),
                    "inc_net": inc, "inc_weighted_net": inc * float(self.weights[g]),
                    "gains_or_loses": "gains" if inc > 0 else ("loses" if inc < 0 else "none"),
                })
            inc = float(self.unallocated_net[o] - self.unallocated_net[cf])
            rows.append({"option": name, "group": "unallocated (reference income)",
                         "income": self.reference, "households": None, "weight": 1.0,
                         "pv_benefits": None, "pv_costs": None,
                         "net": float(self.unallocated_net[o]),
                         "weighted_net": float(self.unallocated_net[o]), "inc_net": inc,
                         "inc_weighted_net": inc,
                         "gains_or_loses": "gains" if inc > 0 else ("loses" if inc < 0
                                                                   else "none")})
        return rows

    def to_dict(self) -> dict[str, Any]:
        """The ``distributional`` section of ``results.json``."""
        cf = self.counterfactual
        preferred = [self.option_names[int(k)] for k in np.argmax(self.npsv_grid, axis=1)]
        wellbeing = self.wellbeing_weighting()
        wb_rows = wellbeing["npsv"]
        return {
            "grouping": self.spec.grouping, "groups": list(self.spec.groups),
            "incomes": list(self.spec.incomes), "income_source": self.spec.income_source,
            "households": list(self.spec.households) if self.spec.households else None,
            "reference_income": self.reference, "eta": self.eta, "eta_source": self.eta_source,
            "weights": [float(w) for w in self.weights],
            "weights_given": self.spec.weights is not None,
            "weights_source": self.spec.weights_source,
            "implied_income_ratios": [float(y / self.reference) for y in self.spec.incomes],
            "weights_note": (
                f"given by the case ({self.spec.weights_source}); the incomes are those the "
                f"weights imply at eta = {self.eta:g}: y / reference = w ** (-1 / eta)"
                if self.spec.weights is not None
                else "derived: (reference income / group income) ** eta"),
            "npsv": [{"option": n, "unweighted": float(self.unweighted[o]),
                      "weighted": float(self.weighted[o]),
                      "inc_unweighted": float(self.unweighted[o] - self.unweighted[cf]),
                      "inc_weighted": float(self.weighted[o] - self.weighted[cf]),
                      **{k: v for k, v in wb_rows[o].items() if k != "option"}}
                     for o, n in enumerate(self.option_names)],
            "wellbeing_weighting": {k: v for k, v in wellbeing.items() if k != "npsv"},
            "preferred_unweighted": self.preferred_unweighted,
            "preferred_weighted": self.preferred_weighted,
            "incidence": self.incidence_rows(),
            "eta_curve": {"eta": [float(e) for e in self.eta_grid],
                          "npsv": {n: [float(v) for v in self.npsv_grid[:, o]]
                                   for o, n in enumerate(self.option_names)},
                          "preferred": preferred},
            "switching_eta": self.switching_eta,
            "switches": list(self.switches),
            "switching_note": "" if self.switches else (
                f"the preferred option does not change for eta in {ETA_SWEEP[0]}..{ETA_SWEEP[1]}"),
            "ede": [e for e in self.ede] if self.ede else None,
            "ede_note": self.ede_note,
            "note": "unweighted CBA is the minimum requirement; weighted results are reported "
                    "beside it (Green Book 2018 A3.22)",
        }

    def to_frames(self) -> dict[str, Any]:
        """CSV tables: incidence by group, weighted NPSV, and the η sweep."""
        import pandas as pd

        d = self.to_dict()
        sweep = pd.DataFrame([{"eta": float(e), "option": n, "npsv": float(self.npsv_grid[k, o]),
                               "preferred": d["eta_curve"]["preferred"][k] == n}
                              for k, e in enumerate(self.eta_grid)
                              for o, n in enumerate(self.option_names)])
        npsv = pd.DataFrame(d["npsv"])
        if self.ede:
            npsv = npsv.merge(pd.DataFrame([e for e in self.ede if e]), on="option", how="left")
        return {"incidence.csv": pd.DataFrame(d["incidence"]),
                "distributional_npsv.csv": npsv, "eta_sweep.csv": sweep}

    def summary_lines(self) -> list[str]:
        """Readable lines for the run summary."""
        out = [f"Distributional analysis ({self.spec.grouping}; eta = {self.eta:g}, reference "
               f"income £{self.reference:,.0f}; weighted beside unweighted):"]
        def m(x: float) -> str:
            return f"{'-' if x < 0 else ''}£{abs(x) / 1e6:,.2f}m"

        for o, n in enumerate(self.option_names):
            out.append(f"  {n}: NPSV {m(self.unweighted[o])} unweighted, "
                       f"{m(self.weighted[o])} weighted")
        out.append(f"  Preferred: {self.preferred_unweighted} (unweighted), "
                   f"{self.preferred_weighted} (weighted)")
        if self.switching_eta is None:
            out.append(f"  The preferred option does not change for eta in "
                       f"{ETA_SWEEP[0]:g}..{ETA_SWEEP[1]:g}")
        else:
            s = min(self.switches, key=lambda s: abs(s["eta"] - self.eta))
            out.append(f"  Switching eta: {s['eta']:.3f} ('{s['from']}' -> '{s['to']}')")
        if self.unweighted_lines:
            out.append(f"  Not income-weighted (valued in WELLBYs): "
                       f"{', '.join(self.unweighted_lines)}")
        elif self.wellbeing_lines:
            out.append("  WELLBY-valued lines are income-weighted (weight_wellbeing: true)")
        return out


def _switches(eta_grid: np.ndarray, npsv_grid: np.ndarray, const: np.ndarray,
              coef: np.ndarray, ratios: np.ndarray, names: Sequence[str]) -> list[dict]:
    from scipy.optimize import brentq

    best = np.argmax(npsv_grid, axis=1)
    out = []
    for k in np.flatnonzero(best[1:] != best[:-1]):
        a, b = int(best[k]), int(best[k + 1])

        def diff(e: float, a: int = a, b: int = b) -> float:
            return float(const[a] - const[b] + np.sum((coef[a] - coef[b]) * ratios ** e))

        lo, hi = float(eta_grid[k]), float(eta_grid[k + 1])
        root = brentq(diff, lo, hi, xtol=1e-12) if diff(lo) * diff(hi) < 0 else (
            lo if diff(lo) == 0 else hi)
        out.append({"eta": float(root), "from": names[a], "to": names[b]})
    return out


def distributional_analysis(compiled: CompiledCase, pv_lines: npt.ArrayLike,
                            spec: DistributionSpec, *,
                            eta_range: tuple[float, float] = ETA_SWEEP) -> EquityResult:
    """Distributional analysis of a compiled case from its lines' present values.

    Parameters
    ----------
    compiled : CompiledCase
        The compiled case (lines, options, incidence, discounting).
    pv_lines : array_like, shape (L,)
        Present value of each line (positive; the line's kind gives the sign).
    spec : DistributionSpec
        Groups, incomes, reference income and η.
    eta_range : (float, float)
        The η sweep (default 0 to 2).

    Examples
    --------
    >>> from appraisal.engine.compile import compile_case, evaluate_arrays
    >>> from appraisal import case_from_records
    >>> case = case_from_records(title="T", base_year=2025, horizon_years=1,
    ...     options=[{"name": "BAU", "counterfactual": True}, {"name": "A"}],
    ...     lines=[{"option": "A", "name": "c", "kind": "cost", "values": {2025: 100}},
    ...            {"option": "A", "name": "g", "kind": "benefit", "values": {2025: 80},
    ...             "incidence": {"poorer": 1.0}}],
    ...     distribution={"incomes": {"poorer": 10_000, "richer": 40_000},
    ...                   "reference_income": 20_000, "eta": 1.0, "income_source": "example"})
    >>> compiled = compile_case(case)
    >>> eq = distributional_analysis(compiled, evaluate_arrays(compiled).pv_lines[0],
    ...                              case.sections["distribution"])
    >>> eq.unweighted.tolist(), eq.weighted.tolist()   # 80 at weight 2 against 100
    ([0.0, -20.0], [0.0, 60.0])
    >>> round(eq.switching_eta, 4)                      # 80 * 2 ** eta = 100
    0.3219
    """
    from appraisal.greenbook.discounting import annuity_factor

    case = compiled.case
    pv = np.asarray(pv_lines, dtype=np.float64)
    signed = np.where(compiled.is_cost, -pv, pv)
    shares, unallocated = incidence_arrays(case.lines, spec.groups)
    w_shares, w_unallocated, exempt = weighting_incidence(compiled, spec)
    wellbeing = wellbeing_valued(compiled)
    onehot = compiled.option_matrix  # (L, O)
    ref = spec.reference
    eta = spec.eta_value(compiled.pack)
    eta_source = "case" if spec.eta is not None else shipped_eta(compiled.pack).source
    incomes = np.asarray(spec.incomes, dtype=np.float64)
    ratios = ref / incomes
    weights = weights_kernel(incomes, ref, eta)
    unweighted = signed @ onehot
    weighted = (signed * line_weights(weights, w_shares, w_unallocated)) @ onehot
    lw_incl = line_weights(weights, shares, unallocated)
    lw_excl = np.where(wellbeing, 1.0, lw_incl)
    coef = ((w_shares * signed[:, None]).T @ onehot).T  # (O, G)
    const = (signed * w_unallocated) @ onehot  # (O,): unallocated and unweighted lines
    unalloc_net = (signed * unallocated) @ onehot  # (O,): who gains, by the lines' incidence
    signed_ex = np.where(exempt, signed, 0.0)  # the part of each group's net left unweighted
    ben = np.where(compiled.is_cost, 0.0, pv)
    cost = np.where(compiled.is_cost, pv, 0.0)
    group_benefits = ((shares * ben[:, None]).T @ onehot).T
    group_costs = ((shares * cost[:, None]).T @ onehot).T
    grid = np.linspace(eta_range[0], eta_range[1], _SWEEP_POINTS)
    npsv_grid = const[None, :] + (ratios[None, :] ** grid[:, None]) @ coef.T
    switches = _switches(grid, npsv_grid, const, coef, ratios, compiled.option_names)
    ede: list[dict[str, Any] | None] = []
    ede_note = ""
    if spec.households:
        hh = np.asarray(spec.households, dtype=np.float64)
        stpr = dict(compiled.schedule_map).get("standard", "standard")
        annuity = annuity_factor(case.horizon_years, stpr, pack=compiled.pack,
                                 timing=case.timing)  # type: ignore[arg-type]
        cf = compiled.counterfactual
        base_ede = _ede(incomes, eta, hh)
        base_mean = float(np.sum(hh * incomes) / hh.sum())
        for o, name in enumerate(compiled.option_names):
            inc_group = (group_benefits[o] - group_costs[o]) - (group_benefits[cf]
                                                                  - group_costs[cf])
            inc_unalloc = unalloc_net[o] - unalloc_net[cf]
            per_hh = (inc_group / hh + inc_unalloc / hh.sum()) / annuity
            after = incomes + per_hh
            if np.any(after <= 0):
                ede.append(None)
                ede_note = "an option's losses exceed a group's income: EDE undefined for it"
                continue
            e_after = _ede(after, eta, hh)
            mean_after = float(np.sum(hh * after) / hh.sum())
            ede.append({"option": name, "ede_before": base_ede, "ede_after": e_after,
                        "ede_gain_per_household": e_after - base_ede,
                        "mean_gain_per_household": mean_after - base_mean,
                        "atkinson_before": max(0.0, 1 - base_ede / base_mean),
                        "atkinson_after": max(0.0, 1 - e_after / mean_after)})
        ede_note = ede_note or (
            "equivalent annual £ per household: incremental PV / the annuity factor of the "
            "STPR over the appraisal period (sum of DF_t, t = 0..n-1, as for the EAC) / "
            "households; unallocated impacts shared "
            "equally per household; inequality aversion = eta")
    else:
        ede_note = "give 'households' per group in the distribution section for the EDE summary"
    return EquityResult(
        spec=spec, eta=eta, eta_source=eta_source, reference=ref, weights=weights,
        option_names=compiled.option_names, counterfactual=compiled.counterfactual,
        unweighted=unweighted, weighted=weighted, group_benefits=group_benefits,
        group_costs=group_costs, unallocated_net=unalloc_net, eta_grid=grid,
        npsv_grid=npsv_grid, switches=tuple(switches), ede=tuple(ede), ede_note=ede_note,
        wellbeing_lines=tuple(f"{ln.name} ({ln.option})"
                              for ln, w in zip(case.lines, wellbeing, strict=True) if w),
        weighted_excl_wellbeing=(signed * lw_excl) @ onehot,
        weighted_incl_wellbeing=(signed * lw_incl) @ onehot,
        exempt_group_net=((shares * signed_ex[:, None]).T @ onehot).T,
        exempt_unallocated_net=(signed_ex * unallocated) @ onehot)

