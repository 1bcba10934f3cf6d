"""The public-value ledger: who pays and who benefits, by agency and type of value.

Every line is fiscal (cashable or not), economic or social, and belongs to an agency
(GMCA / HM Treasury 2014 "Supporting public service transformation: cost benefit analysis
guidance for local partnerships"). For each option the ledger gives:

- the who-pays / who-benefits matrix: PV by agency × value type, for costs and benefits,
  summing exactly (to rounding) to the option's PV costs and PV benefits;
- each agency's net position, return on investment (PV benefits / PV costs to that
  agency) and payback year (the first year from which its cumulative discounted net
  position stays at or above zero);
- the option's financial ROI (fiscal benefits / costs) and public-value ROI (all
  benefits / costs);
- the year-by-year cash position of each agency: real, undiscounted costs against
  *cashable* savings (non-cashable savings free capacity, not budget), and the running
  total a finance officer needs for a multi-year budget;
- a pooled budget: partners (agencies with fiscal lines) contributing to the pooled
  cost in proportion to their *positive* PV of savings on the case's basis (``public_value:
  {pooled_budget: {basis: cashable | all_fiscal}}``; default ``cashable``: only savings
  that release budget can fund a pool), shown beside the actual funding split. Partners
  whose savings on that basis are zero or negative contribute nothing; when no partner
  has positive savings the pooled cost is split equally. Every sentence said about the
  pool is computed from its rows by :func:`pooled_budget_sentences`.

ROIs, paybacks, cash positions and the pooled budget are incremental against the
counterfactual for every other option (what the option changes); the matrix is given
both absolute and incremental. Fiscal benefits with ``cashable`` unset count as
non-cashable (the prudent reading). Lines with no value type are "unclassified"; lines
with no agency belong to "(unassigned)".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from appraisal.case.model import POOL_BASES

if TYPE_CHECKING:
    from appraisal.engine.compile import CompiledCase

__all__ = [
    "BENEFIT_TYPES",
    "COST_TYPES",
    "POOL_BASES",
    "LedgerResult",
    "agency_ledger",
    "ledger_matrix",
    "line_value_types",
    "payback_index",
    "pool_tolerance",
    "pooled_budget_sentences",
    "pooled_contributions",
]

#: Value-type columns of benefits in the ledger.
BENEFIT_TYPES = ("fiscal_cashable", "fiscal_non_cashable", "economic", "social", "unclassified")
#: Value-type columns of costs in the ledger.
COST_TYPES = ("fiscal", "economic", "social", "unclassified")
UNASSIGNED = "(unassigned)"


def line_value_types(lines: Any) -> list[str]:
    """The ledger column of each line (benefits split fiscal cashable / non-cashable).

    Examples
    --------
    >>> from types import SimpleNamespace as L
    >>> line_value_types([L(kind="benefit", value_type="fiscal", cashable=None),
    ...                   L(kind="cost", value_type="", cashable=None)])
    ['fiscal_non_cashable', 'unclassified']
    """
    out = []
    for ln in lines:
        vt = ln.value_type or "unclassified"
        if ln.kind == "benefit" and vt == "fiscal":
            vt = "fiscal_cashable" if ln.cashable else "fiscal_non_cashable"
        out.append(vt)
    return out


def ledger_matrix(pv_lines: npt.ArrayLike, line_cell: npt.ArrayLike, n_cells: int) -> np.ndarray:
    """Sum line PVs into cells (kernel): ``(..., L)`` -> ``(..., n_cells)``.

    Examples
    --------
    >>> ledger_matrix([[1.0, 2.0, 4.0]], [0, 1, 0], 2).tolist()
    [[5.0, 2.0]]
    """
    cell = np.asarray(line_cell, dtype=np.int64)
    onehot = np.zeros((cell.size, n_cells))
    onehot[np.arange(cell.size), cell] = 1.0
    return np.asarray(pv_lines, dtype=np.float64) @ onehot


def payback_index(net_by_year: npt.ArrayLike, tol: float = 1e-9) -> np.ndarray:
    """Index of the first year from which the cumulative net position stays >= 0 (kernel).

    Returns −1 where it never does. ``net_by_year`` has years on the last axis.

    Examples
    --------
    >>> payback_index([[-10.0, 4.0, 4.0, 4.0], [-10.0, 1.0, 1.0, 1.0]]).tolist()
    [3, -1]
    """
    cum = np.cumsum(np.asarray(net_by_year, dtype=np.float64), axis=-1)
    scale = np.maximum(np.abs(cum).max(axis=-1, keepdims=True), 1.0)
    ok = cum >= -tol * scale
    # stays non-negative from t on: reverse cumulative AND
    stays = np.flip(np.logical_and.accumulate(np.flip(ok, axis=-1), axis=-1), axis=-1)
    first = np.argmax(stays, axis=-1)
    return np.where(stays.any(axis=-1), first, -1)


_BASIS_WORDS = {"cashable": "cashable savings", "all_fiscal": "fiscal benefits (cashable or not)"}


def pooled_contributions(benefits: npt.ArrayLike, total_cost: float) -> np.ndarray:
    """Each partner's share of a pooled cost in proportion to its positive PV of savings (kernel).

    A partner with zero or negative savings contributes nothing; equal shares when no
    partner has positive savings.

    Examples
    --------
    >>> pooled_contributions([30.0, 10.0], 20.0).tolist()
    [15.0, 5.0]
    >>> pooled_contributions([30.0, -10.0], 20.0).tolist()
    [20.0, 0.0]
    """
    b = np.clip(np.asarray(benefits, dtype=np.float64), 0.0, None)
    if not (b > 0).any():
        return np.full(b.shape, total_cost / max(b.size, 1))
    return total_cost * b / b.sum()


def pool_tolerance(pool: dict[str, Any]) -> float:
    """The £ tolerance below which a partner's net position counts as zero (rounding).

    Examples
    --------
    >>> pool_tolerance({"pooled_cost": 1e6, "partners": [{"pv_savings": 5e5}]})
    0.001
    """
    scale = max([1.0, abs(pool["pooled_cost"])]
                + [abs(r["pv_savings"]) for r in pool["partners"]])
    return 1e-9 * scale


def _gbp(x: float) -> str:
    """Money in a sentence: whole pounds, pence below £100."""
    return f"£{abs(x):,.0f}" if abs(x) >= 100 else f"£{abs(x):,.2f}"


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def pooled_budget_sentences(pool: dict[str, Any]) -> list[str]:
    """Every sentence said about a pooled budget, computed from its rows.

    ``pool`` is what :meth:`LedgerResult.pooled_budget` returns (its ``partners`` rows,
    ``pooled_cost``, ``basis``). The first sentence states the rule; the others follow
    from the proportional split: no partner is said to be worse off unless its
    ``proportional_net`` is below ``−tolerance`` (:func:`pool_tolerance`), every partner
    worse off is named with its loss, and a shortfall is said to be borne only by the
    partners whose contribution exceeds their savings.

    Examples
    --------
    >>> rows = [{"agency": "NHS", "pv_savings": 60.0, "proportional_contribution": 40.0,
    ...          "proportional_net": 20.0},
    ...         {"agency": "Police", "pv_savings": -5.0, "proportional_contribution": 0.0,
    ...          "proportional_net": -5.0}]
    >>> said = pooled_budget_sentences({"pooled_cost": 40.0, "basis": "cashable",
    ...                                 "partners": rows})
    >>> said[0].endswith("partners with zero or negative cashable savings contribute "
    ...                  "nothing (Police).")
    True
    >>> said[1]
    'Worse off under this split: Police (−£5.00).'

    """
    rows, cost = pool["partners"], float(pool["pooled_cost"])
    words = _BASIS_WORDS[pool.get("basis", "cashable")]
    tol = pool_tolerance(pool)
    savers = [r for r in rows if r["pv_savings"] > 0]
    idle = [r["agency"] for r in rows if r["pv_savings"] <= 0]
    if savers:
        rule = (f"Each partner contributes to the pooled cost of {_gbp(cost)}"
                f"{' (a saving)' if cost < 0 else ''} in proportion to its PV of {words}")
        rule += (f"; partners with zero or negative {words} contribute nothing "
                 f"({_names(idle)})." if idle else ".")
    else:
        rule = (f"No partner has positive {words}, so the pooled cost of {_gbp(cost)} is "
                "split equally.")
    out = [rule]
    worse = [r for r in rows if r["proportional_net"] < -tol]
    if not worse:
        out.append(f"No partner is worse off: each partner's {words} cover its contribution.")
        return out
    out.append("Worse off under this split: " + ", ".join(
        f"{r['agency']} (−{_gbp(r['proportional_net'])})" for r in worse) + ".")
    saved = sum(r["pv_savings"] for r in savers)
    short = cost - saved
    if short > tol:
        bearers = [r["agency"] for r in rows if r["proportional_contribution"] > 0
                   and r["proportional_contribution"] > r["pv_savings"] + tol]
        out.append(f"Positive {words} ({_gbp(saved)}) fall short of the pooled cost by "
                   f"{_gbp(short)}; the shortfall is borne by {_names(bearers)}.")
    return out


@dataclass(frozen=True, slots=True, eq=False)
class LedgerResult:
    """The public-value ledger of every option (the ``public_value`` lens).

    Arrays: ``benefits`` ``(O, A, len(BENEFIT_TYPES))`` and ``costs`` ``(O, A,
    len(COST_TYPES))`` of absolute PV; ``discounted_net`` ``(O, A, T)``; ``cash`` ``(O, A,
    4, T)`` of real undiscounted costs, cashable savings, non-cashable savings and other
    (economic and social) benefits.
    """

    option_names: tuple[str, ...]
    counterfactual: int
    agencies: tuple[str, ...]
    years: np.ndarray
    benefits: np.ndarray
    costs: np.ndarray
    discounted_net: np.ndarray
    cash: np.ndarray
    fiscal_agencies: tuple[bool, ...]
    pool_basis: str = "cashable"

    def _inc(self, a: np.ndarray, o: int) -> np.ndarray:
        """The decision basis: absolute for the counterfactual, else incremental to it."""
        return a[o] if o == self.counterfactual else a[o] - a[self.counterfactual]

    def totals(self, o: int, incremental: bool = False) -> dict[str, float]:
        """PV costs, PV benefits, fiscal benefits of option ``o`` from the ledger.

        ``incremental`` gives them less the counterfactual's (zero for the counterfactual).
        """
        cf = self.counterfactual
        ben = self.benefits[o] - self.benefits[cf] if incremental else self.benefits[o]
        cost = self.costs[o] - self.costs[cf] if incremental else self.costs[o]
        return {"pv_costs": float(cost.sum()), "pv_benefits": float(ben.sum()),
                "pv_fiscal_benefits": float(ben[:, :2].sum())}

    def agency_rows(self, o: int) -> list[dict[str, Any]]:
        """Net position, ROI and payback of each agency in option ``o``."""
        inc_b, inc_c = self._inc(self.benefits, o), self._inc(self.costs, o)
        net_years = self._inc(self.discounted_net, o)
        payback = payback_index(net_years)
        rows = []
        for a, agency in enumerate(self.agencies):
            b, c = float(self.benefits[o, a].sum()), float(self.costs[o, a].sum())
            ib, ic = float(inc_b[a].sum()), float(inc_c[a].sum())
            has_costs = ic > 0
            rows.append({
                "agency": agency, "pv_costs": c, "pv_benefits": b, "net": b - c,
                "inc_pv_costs": ic, "inc_pv_benefits": ib, "inc_net": ib - ic,
                "inc_pv_fiscal_benefits": float(inc_b[a, :2].sum()),
                "roi": float(ib / ic) if has_costs else None,
                "payback_year": (int(self.years[payback[a]]) if has_costs and payback[a] >= 0
                                 else None),
                "payback_note": ("" if has_costs and payback[a] >= 0 else
                                 "no costs to pay back" if not has_costs else
                                 "does not pay back within the appraisal period"),
            })
        return rows

    def matrix_rows(self, o: int) -> list[dict[str, Any]]:
        """The who-pays / who-benefits matrix of option ``o`` in long form."""
        inc_b, inc_c = self._inc(self.benefits, o), self._inc(self.costs, o)
        rows = []
        for a, agency in enumerate(self.agencies):
            for k, vt in enumerate(BENEFIT_TYPES):
                if self.benefits[o, a, k] or inc_b[a, k]:
                    rows.append({"option": self.option_names[o], "agency": agency,
                                 "kind": "benefit", "value_type": vt,
                                 "pv": float(self.benefits[o, a, k]),
                                 "inc_pv": float(inc_b[a, k])})
            for k, vt in enumerate(COST_TYPES):
                if self.costs[o, a, k] or inc_c[a, k]:
                    rows.append({"option": self.option_names[o], "agency": agency,
                                 "kind": "cost", "value_type": vt,
                                 "pv": float(self.costs[o, a, k]), "inc_pv": float(inc_c[a, k])})
        return rows

    def cash_rows(self, o: int) -> list[dict[str, Any]]:
        """Year-by-year cash position of each agency (incremental for non-counterfactual)."""
        cash = self._inc(self.cash, o)
        rows = []
        for a, agency in enumerate(self.agencies):
            if not np.any(cash[a]):
                continue
            net = cash[a, 1] - cash[a, 0]
            cum = np.cumsum(net)
            for t, year in enumerate(self.years):
                rows.append({"option": self.option_names[o], "agency": agency,
                             "year": int(year), "costs": float(cash[a, 0, t]),
                             "cashable_savings": float(cash[a, 1, t]),
                             "non_cashable_savings": float(cash[a, 2, t]),
                             "other_benefits": float(cash[a, 3, t]),
                             "net_cash": float(net[t]), "cumulative_net_cash": float(cum[t])})
        return rows

    def pooled_budget(self, o: int) -> dict[str, Any] | None:
        """Contributions in proportion to partners' positive PV of savings (None for BAU).

        Partners are the agencies with fiscal costs or benefits in the option or the
        counterfactual. Savings are on the ledger's ``pool_basis`` (cashable savings by
        default, or all fiscal benefits); each partner's net position is its savings less
        its contribution. ``note`` and ``sentences`` come from
        :func:`pooled_budget_sentences`, so they agree with the rows.
        """
        if o == self.counterfactual:
            return None
        inc_b, inc_c = self._inc(self.benefits, o), self._inc(self.costs, o)
        involved = np.abs(self.benefits[[o, self.counterfactual], :, :2]).sum(axis=(0, 2)) + (
            np.abs(self.costs[[o, self.counterfactual], :, 0]).sum(axis=0))
        partners = [a for a, f in enumerate(self.fiscal_agencies) if f and involved[a] > 0]
        if not partners:
            return None
        fb = np.array([inc_b[a, :2].sum() for a in partners])
        cashable = np.array([inc_b[a, 0] for a in partners])
        savings = cashable if self.pool_basis == "cashable" else fb
        cost = np.array([inc_c[a].sum() for a in partners])
        total = float(cost.sum())
        proposed = pooled_contributions(savings, total)
        rows = [{
            "agency": self.agencies[a], "pv_fiscal_benefits": float(fb[k]),
            "pv_cashable_savings": float(cashable[k]), "pv_savings": float(savings[k]),
            "actual_contribution": float(cost[k]),
            "actual_share": float(cost[k] / total) if total else None,
            "actual_net": float(savings[k] - cost[k]),
            "proportional_contribution": float(proposed[k]),
            "proportional_share": float(proposed[k] / total) if total else None,
            "proportional_net": float(savings[k] - proposed[k]),
        } for k, a in enumerate(partners)]
        pool: dict[str, Any] = {
            "option": self.option_names[o], "basis": self.pool_basis, "pooled_cost": total,
            "pooled_fiscal_benefits": float(fb.sum()),
            "pooled_savings": float(savings.sum()), "partners": rows}
        tol = pool_tolerance(pool)
        worse = [r["agency"] for r in rows if r["proportional_net"] < -tol]
        sentences = pooled_budget_sentences(pool)
        pool.update({
            "no_partner_worse_off": not worse, "worse_off": worse,
            "shortfall": max(total - float(np.clip(savings, 0.0, None).sum()), 0.0),
            "non_contributors": [r["agency"] for r in rows if r["pv_savings"] <= 0],
            "sentences": sentences, "note": " ".join(sentences)})
        return pool

    def option_dict(self, o: int) -> dict[str, Any]:
        """Everything the ledger says about option ``o``."""
        inc = self.totals(o, incremental=o != self.counterfactual)  # the decision basis
        costs = inc["pv_costs"]
        return {
            "option": self.option_names[o], "counterfactual": o == self.counterfactual,
            "basis": "absolute" if o == self.counterfactual else "incremental to "
                     f"'{self.option_names[self.counterfactual]}'",
            "totals": self.totals(o), "incremental_totals": self.totals(o, incremental=True),
            "financial_roi": inc["pv_fiscal_benefits"] / costs if costs > 0 else None,
            "public_value_roi": inc["pv_benefits"] / costs if costs > 0 else None,
            "matrix": self.matrix_rows(o), "agencies": self.agency_rows(o),
            "cash_position": self.cash_rows(o), "pooled_budget": self.pooled_budget(o),
        }

    def by_value_type(self) -> list[dict[str, Any]]:
        """NPSV of each option split by type of value (absolute)."""
        out = []
        for o, name in enumerate(self.option_names):
            row: dict[str, Any] = {"option": name}
            for vt in ("fiscal", "economic", "social", "unclassified"):
                b = sum(float(self.benefits[o, :, k].sum()) for k, v in enumerate(BENEFIT_TYPES)
                        if v.startswith(vt))
                c = float(self.costs[o, :, COST_TYPES.index(vt)].sum())
                row[vt] = b - c
            out.append(row)
        return out

    def to_dict(self) -> dict[str, Any]:
        """The ``public_value`` section of ``results.json``."""
        return {
            "value_types": {"benefits": list(BENEFIT_TYPES), "costs": list(COST_TYPES)},
            "agencies": list(self.agencies),
            "by_value_type": self.by_value_type(),
            "options": [self.option_dict(o) for o in range(len(self.option_names))],
            "note": "ROI = PV benefits / PV costs; payback = first year from which the "
                    "cumulative discounted net position stays >= 0; cash positions are real "
                    "and undiscounted, counting only cashable savings as cash; all incremental "
                    "to the counterfactual except for the counterfactual itself",
        }

    def to_frames(self) -> dict[str, Any]:
        """CSV tables: the matrix, agency positions, cash positions, pooled budgets."""
        import pandas as pd

        n = range(len(self.option_names))
        positions = [{"option": self.option_names[o], **r} for o in n
                     for r in self.agency_rows(o)]
        pooled = [{"option": self.option_names[o], **r} for o in n
                  if (p := self.pooled_budget(o)) for r in p["partners"]]
        return {
            "agency_matrix.csv": pd.DataFrame([r for o in n for r in self.matrix_rows(o)],
                                              columns=["option", "agency", "kind",
                                                       "value_type", "pv", "inc_pv"]),
            "agency_positions.csv": pd.DataFrame(positions),
            "cash_position.csv": pd.DataFrame([r for o in n for r in self.cash_rows(o)]),
            "pooled_budget.csv": pd.DataFrame(pooled),
        }

    def summary_lines(self) -> list[str]:
        """Readable lines for the run summary."""
        out = ["Public-value ledger (incremental to the counterfactual; £m):"]
        for o, name in enumerate(self.option_names):
            if o == self.counterfactual:
                continue
            d = self.option_dict(o)
            fin, pv = d["financial_roi"], d["public_value_roi"]
            out.append(f"  {name}: financial ROI {'n/a' if fin is None else f'{fin:.2f}'}, "
                       f"public-value ROI {'n/a' if pv is None else f'{pv:.2f}'}")
            nets = ", ".join(f"{r['agency']} {r['inc_net'] / 1e6:+.2f}"
                             + (f" (payback {r['payback_year']})" if r["payback_year"] else "")
                             for r in d["agencies"] if r["inc_pv_costs"] or r["inc_pv_benefits"])
            out.append(f"    net by agency: {nets}")
            if d["pooled_budget"]:
                out += [f"    pooled budget: {t}" for t in d["pooled_budget"]["sentences"]]
        return out


def agency_ledger(compiled: CompiledCase, pv_lines: npt.ArrayLike) -> LedgerResult:
    """Build the public-value ledger of a compiled case from its lines' present values.

    Parameters
    ----------
    compiled : CompiledCase
        The compiled case.
    pv_lines : array_like, shape (L,)
        Present value of each line (positive amounts; ``is_cost`` gives the sign).

    Examples
    --------
    >>> from appraisal import case_from_records
    >>> from appraisal.engine.compile import compile_case, evaluate_arrays
    >>> case = case_from_records(title="T", base_year=2025, horizon_years=2,
    ...     options=[{"name": "BAU", "counterfactual": True}, {"name": "A"}],
    ...     lines=[{"option": "A", "name": "c", "kind": "cost", "values": {2025: 100},
    ...             "agency": "Council", "value_type": "fiscal"},
    ...            {"option": "A", "name": "s", "kind": "benefit", "values": {2025: 60},
    ...             "agency": "NHS", "value_type": "fiscal", "cashable": False}])
    >>> compiled = compile_case(case)
    >>> ledger = agency_ledger(compiled, evaluate_arrays(compiled).pv_lines[0])
    >>> [(r["agency"], r["inc_net"]) for r in ledger.agency_rows(1)]
    [('Council', -100.0), ('NHS', 60.0)]
    >>> ledger.option_dict(1)["financial_roi"]
    0.6
    """
    from appraisal.engine.compile import yearly_flows

    case = compiled.case
    lines = case.lines
    pv = np.asarray(pv_lines, dtype=np.float64)
    agencies = tuple(dict.fromkeys(ln.agency or UNASSIGNED for ln in lines)) or (UNASSIGNED,)
    a_idx = np.array([agencies.index(ln.agency or UNASSIGNED) for ln in lines], dtype=np.int64)
    vts = line_value_types(lines)
    n_opt, A, T = len(compiled.option_names), len(agencies), compiled.n_years
    opt = np.asarray(compiled.line_option, dtype=np.int64)
    is_cost = np.asarray(compiled.is_cost, dtype=bool)
    nb, nc = len(BENEFIT_TYPES), len(COST_TYPES)
    b_cell = np.array([(o * A + a) * nb + (BENEFIT_TYPES.index(v) if not c else 0)
                       for o, a, v, c in zip(opt, a_idx, vts, is_cost, strict=True)], dtype=int)
    c_cell = np.array([(o * A + a) * nc + (COST_TYPES.index(v) if c else 0)
                       for o, a, v, c in zip(opt, a_idx, vts, is_cost, strict=True)], dtype=int)
    benefits = ledger_matrix(np.where(is_cost, 0.0, pv), b_cell, n_opt * A * nb)
    benefits = benefits.reshape(n_opt, A, nb)
    costs = ledger_matrix(np.where(is_cost, pv, 0.0), c_cell, n_opt * A * nc)
    costs = costs.reshape(n_opt, A, nc)
    real, discounted = yearly_flows(compiled)
    group = opt * A + a_idx
    signed = np.where(is_cost[:, None], -discounted, discounted)
    disc_net = np.zeros((n_opt * A, T))
    np.add.at(disc_net, group, signed)
    kinds = np.array([0 if c else (1 if v == "fiscal_cashable" else 2 if v ==
                                   "fiscal_non_cashable" else 3)
                      for c, v in zip(is_cost, vts, strict=True)], dtype=np.int64)
    cash = np.zeros((n_opt * A * 4, T))
    np.add.at(cash, group * 4 + kinds, real)
    fiscal = [False] * A
    for ln, a in zip(lines, a_idx, strict=True):
        if ln.value_type == "fiscal":
            fiscal[a] = True
    return LedgerResult(
        option_names=compiled.option_names, counterfactual=compiled.counterfactual,
        agencies=agencies, years=np.asarray(compiled.years), benefits=benefits, costs=costs,
        discounted_net=disc_net.reshape(n_opt, A, T), cash=cash.reshape(n_opt, A, 4, T),
        fiscal_agencies=tuple(fiscal),
        pool_basis=((case.sections.get("public_value") or {}).get("pooled_budget") or {}).get(
            "basis", "cashable"))
