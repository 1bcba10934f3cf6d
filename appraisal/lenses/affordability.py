"""Affordability: the financial case of a business case, in cash, by budget year and partner.

The economic case asks whether an option is worth doing (real prices, discounted,
optimism-bias adjusted). The financial case asks whether each partner can **afford** it:
cash (nominal) by budget year, capital and resource apart, with VAT where the partner
cannot recover it, against the funding each partner has. This module computes it from
the same lines as the appraisal, for each option **incremental to the counterfactual**
(the extra cash the option needs), from an optional ``affordability:`` case section::

    affordability:
      options: [Whole-family service]      # default: every option but the counterfactual
      inflation: {gdp_deflator: true}      # the case's GDP deflator; or {rate: 0.02, source: ...}
      capital_categories: [capital]        # line categories counted as capital (default)
      contingency: {rate: 0.10, source: ...}   # risk allowance, share of the expected cost
      vat:
        rate: 0.20                         # a user input with its source (no shipped table)
        source: ...
        recoverable: {Council: true, NHS: false}   # agencies not listed: not recoverable
        categories: [capital]              # cost categories that bear VAT (default: all)
      funding:
        - {name: Council base budget, funder: Council, values: {2025: 1000000}}
        - {name: NHS contribution, funder: NHS, agency: Council, option: ..., constant:
           {start: 2026, end: 2030, amount: 200000}}

Conventions (stated in every output):

- **Budget years.** Each appraisal year ``Y`` is the UK public-sector financial year that
  starts on 1 April ``Y`` (label ``"Y-(Y+1)"``, e.g. ``2025-26``); amounts given by year
  in the case are read as financial-year amounts.
- **Which cost.** The financial case uses the *expected* cost: the base cost plus the
  risk **contingency**, and irrecoverable VAT. **Optimism bias** is shown beside it but
  is *not* in the cash requirement: optimism bias is an appraisal adjustment for
  systematic under-estimation, "not the same as financial contingency" (Green Book 2018
  paras 5.43-5.46; the toolkit's reading, as the published text on which cost a financial
  case carries was not found in the sources searched). The appraisal (ledger) cost is
  base + optimism bias; the two reconcile line by line.
- **Inflation.** Nominal = real (case price-base year) × D(year) / D(price base), with
  D the case's GDP deflator (its basis and extension recorded) or a user rate.
- **VAT.** Cost lines are read as *excluding* VAT. VAT at the case's rate on the costs
  (and contingency) of the listed categories is a cash cost only to agencies that cannot
  recover it; recoverable VAT is shown but nets out.
- **Funding.** Each funding row is paid by a ``funder`` towards an ``agency``'s cost
  (default: its own). Funding gap = requirement − funding received (positive: unfunded).
  A partner's net cash = cashable savings + funding received − requirement − funding
  paid; its breakeven year is the first year from which the cumulative net cash stays
  at or above zero (as :func:`appraisal.lenses.ledger.payback_index`).
- **Pooled budget in cash.** The ledger's proportional split (each partner's share of the
  pooled cost in proportion to its positive PV of savings) applied to the partners'
  total cash requirement in each year.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from appraisal.errors import Expected, Issues
from appraisal.fields import FieldReader, field_path
from appraisal.greenbook.finance import irr_summary
from appraisal.lenses.ledger import UNASSIGNED, agency_ledger, line_value_types, payback_index

if TYPE_CHECKING:
    import pandas as pd

    from appraisal.case.model import Case
    from appraisal.engine.compile import CompiledCase, EngineOutput

__all__ = [
    "AffordabilityResult",
    "AffordabilitySpec",
    "FundingRow",
    "affordability",
    "affordability_lenses",
    "budget_year_label",
    "cash_requirement",
    "funding_positions",
    "nominal_factors",
    "parse_affordability_section",
]

Path_ = tuple[str | int, ...]
_NOTE = ("Cash (nominal) by UK financial year (April-March; year Y = Y-(Y+1)), incremental "
         "to the counterfactual. Requirement = expected cost (base + contingency) + "
         "irrecoverable VAT; optimism bias is shown beside it, not in it (it is an appraisal "
         "adjustment, not a budget: Green Book 2018 paras 5.43-5.46). Funding gap = "
         "requirement - funding received (positive: unfunded). Net cash = cashable savings "
         "+ funding received - requirement - funding paid; breakeven = first year from which "
         "cumulative net cash stays >= 0.")


def budget_year_label(year: int) -> str:
    """The UK financial year starting 1 April ``year``.

    Examples
    --------
    >>> budget_year_label(2025), budget_year_label(2099)
    ('2025-26', '2099-00')
    """
    return f"{year}-{(year + 1) % 100:02d}"


# ------------------------------------------------------------------------------ the section
@dataclass(frozen=True, slots=True)
class FundingRow:
    """One funding source: cash a ``funder`` pays towards an ``agency``'s cost, by year."""

    name: str
    funder: str
    agency: str
    option: str | None
    values: Mapping[int, float]
    source: str = ""


@dataclass(frozen=True, slots=True)
class AffordabilitySpec:
    """The parsed ``affordability:`` section (see the module docstring)."""

    options: tuple[str, ...] = ()
    inflation_rate: float | None = None
    inflation_source: str = ""
    capital_categories: tuple[str, ...] = ("capital",)
    contingency_rate: float = 0.0
    contingency_source: str = ""
    vat_rate: float = 0.0
    vat_source: str = ""
    vat_recoverable: Mapping[str, bool] = field(default_factory=dict)
    vat_categories: tuple[str, ...] | None = None
    funding: tuple[FundingRow, ...] = ()


class _Reader(FieldReader):
    """The section's typed fields (:class:`~appraisal.fields.FieldReader`)."""

    def mapping(self, raw: Any, path: Path_, keys: Sequence[str]) -> Mapping[str, Any] | None:
        if not isinstance(raw, Mapping):
            self.error(path, "wrong-type", f"'{field_path(path)}' must be a mapping",
                       f"write it as 'key: value' lines with the keys {', '.join(keys)}",
                       expected=Expected.MAP)
            return None
        for k in raw:
            if k not in keys:
                self.error((*path, str(k)), "unknown-field", f"'{field_path(path)}' has no "
                           f"field {k!r}", f"use only: {', '.join(keys)}")
        return raw

    def number(self, raw: Mapping[str, Any], key: str, path: Path_, *, lo: float | None = None,
               hi: float | None = None, required: bool = False) -> float | None:
        if key not in raw or raw[key] is None:
            if required:
                self.error((*path, key), "missing", f"'{field_path((*path, key))}' is required",
                           f"add '{key}:'")
            return None
        v = raw[key]
        if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v):
            self.error((*path, key), "wrong-type", f"'{field_path((*path, key))}' must be a finite "
                       f"number (got {v!r})", "write a number such as 0.2",
                       expected=Expected.NUMBER)
            return None
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            rng = f"[{lo}, {hi}]" if hi is not None else f">= {lo}"
            self.error((*path, key), "out-of-range", f"'{field_path((*path, key))}' must be in "
                       f"{rng} (got {v})", "give a share as a fraction, e.g. 0.2 for 20%")
            return None
        return float(v)

    def text(self, raw: Mapping[str, Any], key: str, path: Path_) -> str:
        v = raw.get(key, "")
        if v is None:
            return ""
        if not isinstance(v, str):
            self.error((*path, key), "wrong-type", f"'{field_path((*path, key))}' must be text",
                       "write it as a string", expected=Expected.TEXT)
            return ""
        return v

    def names(self, raw: Any, path: Path_, known: Sequence[str] | None = None
              ) -> tuple[str, ...] | None:
        if raw is None:
            return None
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            self.error(path, "wrong-type", f"'{field_path(path)}' must be a list of names",
                       "write it as [a, b]", expected=Expected.LIST)
            return None
        if known is not None:
            for i, x in enumerate(raw):
                if x not in known:
                    self.error((*path, i), "unknown-option", f"no option named {x!r}",
                               f"use one of: {', '.join(known)}")
        return tuple(raw)


def _year_values(rd: _Reader, row: Mapping[str, Any], path: Path_, years: range | None
                 ) -> dict[int, float]:
    out: dict[int, float] = {}
    values, constant = row.get("values"), row.get("constant")
    if (values is None) == (constant is None):
        rd.error(path, "funding-amounts", f"'{field_path(path)}' needs exactly one of 'values' "
                 "or 'constant'", "give 'values: {2025: 100000, ...}' (cash by financial "
                 "year) or 'constant: {start: 2025, end: 2029, amount: 100000}'")
        return out
    if constant is not None:
        c = rd.mapping(constant, (*path, "constant"), ("start", "end", "amount"))
        if c is None:
            return out
        start = rd.number(c, "start", (*path, "constant"), required=True)
        end = rd.number(c, "end", (*path, "constant"), required=True)
        amount = rd.number(c, "amount", (*path, "constant"), required=True)
        if None in (start, end, amount):
            return out
        values = {int(y): amount for y in range(int(start), int(end) + 1)}  # type: ignore[arg-type]
        def where(y: int) -> Path_:
            return (*path, "constant", "end" if years and y > years[-1] else "start")
    else:
        if not isinstance(values, Mapping):
            rd.error((*path, "values"), "wrong-type", f"'{field_path((*path, 'values'))}' must map "
                     "years to amounts", "write 'values: {2025: 100000}'", expected=Expected.MAP)
            return out
        def where(y: int) -> Path_:
            return (*path, "values", y)
    for y, v in values.items():
        if isinstance(y, bool) or not isinstance(y, int):
            rd.error((*path, "values"), "wrong-type", f"budget year {y!r} is not a year",
                     "key amounts by the year the financial year starts, e.g. 2025 for 2025-26",
                     expected=Expected.WHOLE_NUMBER)
            continue
        if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v):
            rd.error(where(y), "wrong-type", f"funding in {y} must be a finite number (got "
                     f"{v!r})", "write cash amounts in pounds", expected=Expected.NUMBER)
            continue
        if years is not None and y not in years:
            rd.error(where(y), "year-outside-horizon", f"budget year {budget_year_label(y)} is "
                     f"outside the appraisal period {budget_year_label(years[0])} to "
                     f"{budget_year_label(years[-1])}", "give funding only for years of the "
                     "appraisal period, or extend 'horizon_years'")
            continue
        out[y] = float(v)
    return out


def parse_affordability_section(raw: Any, *, case_data: Mapping[str, Any] | None = None,
                                option_names: Sequence[str] = (),
                                locate: Callable[[Path_], str] | None = None,
                                issues: Issues | None = None,
                                path: Path_ = ("affordability",)) -> AffordabilitySpec | None:
    """Parse an ``affordability:`` section, recording every located problem in ``issues``.

    Listed with the lens in :data:`appraisal.lenses.catalogue.LENSES`. Returns
    ``None`` when a problem was found.

    Examples
    --------
    >>> spec = parse_affordability_section(
    ...     {"inflation": {"rate": 0.02, "source": "assumed"}, "vat": {"rate": 0.2,
    ...      "source": "user", "recoverable": {"Council": True}}},
    ...     case_data={"base_year": 2025, "horizon_years": 5}, option_names=["BAU", "A"])
    >>> spec.vat_rate, dict(spec.vat_recoverable), spec.inflation_rate
    (0.2, {'Council': True}, 0.02)
    >>> from appraisal.errors import AppraisalValidationError
    >>> try:
    ...     parse_affordability_section({"vat": {"rate": 1.5, "source": "x"}})
    ... except AppraisalValidationError as exc:
    ...     print(exc.errors[0].field, exc.errors[0].code)
    affordability.vat.rate out-of-range
    """
    own = issues is None
    found = Issues() if issues is None else issues
    start = len(found)
    rd = _Reader(locate or field_path, found)
    root = case_data or {}
    base, horizon = root.get("base_year"), root.get("horizon_years")
    years = (range(base, base + horizon) if isinstance(base, int) and isinstance(horizon, int)
             else None)
    sec = rd.mapping(raw, path, ("options", "inflation", "capital_categories", "contingency",
                                 "vat", "funding"))
    if sec is None:
        if own:
            found.raise_if_errors("affordability")
        return None
    options = rd.names(sec.get("options"), (*path, "options"), list(option_names)) or ()
    kw: dict[str, Any] = {"options": options}
    infl = sec.get("inflation")
    if infl is not None:
        m = rd.mapping(infl, (*path, "inflation"), ("gdp_deflator", "rate", "source"))
        if m is not None:
            if ("rate" in m) == bool(m.get("gdp_deflator")):
                rd.error((*path, "inflation"), "inflation", "give either 'gdp_deflator: true' "
                         "or a 'rate'", "use the case's GDP deflator ('gdp_deflator: true') or "
                         "state an annual inflation rate with its source")
            kw["inflation_rate"] = rd.number(m, "rate", (*path, "inflation"), lo=-0.5, hi=1.0)
            kw["inflation_source"] = rd.text(m, "source", (*path, "inflation"))
            if kw["inflation_rate"] is not None and not kw["inflation_source"]:
                rd.error((*path, "inflation", "source"), "missing", "an inflation rate needs "
                         "a 'source'", "say where the rate comes from (e.g. the OBR forecast)")
    cats = rd.names(sec.get("capital_categories"), (*path, "capital_categories"))
    if cats is not None:
        kw["capital_categories"] = cats
    cont = sec.get("contingency")
    if cont is not None:
        m = rd.mapping(cont, (*path, "contingency"), ("rate", "source"))
        if m is not None:
            kw["contingency_rate"] = rd.number(m, "rate", (*path, "contingency"), lo=0.0,
                                               hi=1.0, required=True) or 0.0
            kw["contingency_source"] = rd.text(m, "source", (*path, "contingency"))
    vat = sec.get("vat")
    if vat is not None:
        vp = (*path, "vat")
        m = rd.mapping(vat, vp, ("rate", "source", "recoverable", "categories"))
        if m is not None:
            kw["vat_rate"] = rd.number(m, "rate", vp, lo=0.0, hi=1.0, required=True) or 0.0
            kw["vat_source"] = rd.text(m, "source", vp)
            if not kw["vat_source"]:
                rd.error((*vp, "source"), "missing", "the VAT rate needs a 'source'",
                         "say where the rate comes from (e.g. HMRC VAT rates, standard rate)")
            rec = m.get("recoverable", {}) or {}
            if not isinstance(rec, Mapping):
                rd.error((*vp, "recoverable"), "wrong-type", "'recoverable' must map agencies "
                         "to true or false", "write e.g. '{Council: true, NHS: false}'",
                         expected=Expected.MAP)
            else:
                bad = False
                for k, v in rec.items():  # each agency's problem at its own entry
                    if not isinstance(k, str) or not k.strip():
                        bad = True
                        rd.error((*vp, "recoverable", k), "missing", "VAT recoverability "
                                 "needs the agency's name", "give the agency (as the lines "
                                 "name it)")
                    elif not isinstance(v, bool):
                        bad = True
                        rd.error((*vp, "recoverable", k), "wrong-type", f"VAT recoverable for "
                                 f"{k!r} must be true or false (got {v!r})",
                                 "say whether the agency recovers VAT: true or false",
                                 expected=Expected.YES_NO)
                if not bad:
                    kw["vat_recoverable"] = {str(k): v for k, v in rec.items()}
            kw["vat_categories"] = rd.names(m.get("categories"), (*vp, "categories"))
    funding = sec.get("funding")
    rows: list[FundingRow] = []
    if funding is not None:
        if not isinstance(funding, list):
            rd.error((*path, "funding"), "wrong-type", "'funding' must be a list",
                     "write one '- name: ...' entry per funding source", expected=Expected.LIST)
        else:
            for i, row in enumerate(funding):
                fp = (*path, "funding", i)
                r = rd.mapping(row, fp, ("name", "funder", "agency", "option", "values",
                                         "constant", "source"))
                if r is None:
                    continue
                name, funder = rd.text(r, "name", fp), rd.text(r, "funder", fp)
                for key, value, what in (("name", name, "e.g. Council base budget"),
                                         ("funder", funder, "who pays")):
                    if not value:
                        rd.error((*fp, key), "missing", f"a funding source needs a '{key}'",
                                 f"add '{key}:' ({what})")
                option = rd.text(r, "option", fp) or None
                if option is not None and option not in option_names:
                    rd.error((*fp, "option"), "unknown-option", f"no option named {option!r}",
                             f"use one of: {', '.join(option_names)}")
                rows.append(FundingRow(name=name, funder=funder,
                                       agency=rd.text(r, "agency", fp) or funder, option=option,
                                       values=_year_values(rd, r, fp, years),
                                       source=rd.text(r, "source", fp)))
    kw["funding"] = tuple(rows)
    if any(i.severity.name == "ERROR" for i in found.items[start:]):
        if own:
            found.raise_if_errors("affordability")
        return None
    return AffordabilitySpec(**kw)


# ------------------------------------------------------------------------------------ kernels
def nominal_factors(years: npt.ArrayLike, price_base_year: int, *, rate: float | None = None,
                    index: Any = None) -> np.ndarray:
    """Real (price-base-year prices) to nominal factors by year: D(year) / D(price base).

    From a deflator ``index`` (anything with ``at(years)``, e.g.
    :class:`appraisal.greenbook.prices.DeflatorIndex`) or a constant annual ``rate``.

    Examples
    --------
    >>> nominal_factors([2025, 2026, 2027], 2025, rate=0.02).round(4).tolist()
    [1.0, 1.02, 1.0404]
    """
    y = np.asarray(years, dtype=np.int64)
    if rate is not None:
        return (1.0 + rate) ** (y - price_base_year).astype(np.float64)
    return np.asarray(index.at(y), dtype=np.float64) / float(index.at([price_base_year])[0])


def cash_requirement(base: npt.ArrayLike, vat_able: npt.ArrayLike, factors: npt.ArrayLike, *,
                     contingency: float, vat_rate: float, recoverable: npt.ArrayLike
                     ) -> dict[str, np.ndarray]:
    """Cash requirement of each agency by year (kernel): ``(A, T)`` arrays in, nominal out.

    ``base`` is the real expected cost before contingency; ``vat_able`` the part of it
    that bears VAT; ``recoverable`` ``(A,)`` whether each agency recovers VAT.
    requirement = (base + contingency + irrecoverable VAT) × factor.

    Examples
    --------
    >>> out = cash_requirement([[100.0, 100.0]], [[100.0, 0.0]], [1.0, 1.1], contingency=0.1,
    ...                        vat_rate=0.2, recoverable=[False])
    >>> out["requirement"].round(6).tolist(), out["vat"].round(6).tolist()
    ([[132.0, 121.0]], [[22.0, 0.0]])
    """
    b = np.asarray(base, dtype=np.float64)
    f = np.asarray(factors, dtype=np.float64)
    cont = contingency * b
    vat = vat_rate * (1.0 + contingency) * np.asarray(vat_able, dtype=np.float64)
    irrec = np.where(np.asarray(recoverable, dtype=bool)[:, None], 0.0, vat)
    return {"contingency": cont * f, "vat": vat * f, "irrecoverable_vat": irrec * f,
            "requirement": (b + cont + irrec) * f}


def funding_positions(requirement: npt.ArrayLike, savings: npt.ArrayLike,
                      received: npt.ArrayLike, paid: npt.ArrayLike) -> dict[str, np.ndarray]:
    """Funding gap, net cash, cumulative cash and breakeven index of each partner (kernel).

    All ``(A, T)`` nominal: gap = requirement − received; net = savings + received −
    requirement − paid; breakeven = :func:`appraisal.lenses.ledger.payback_index` of net (−1: none).

    Examples
    --------
    >>> out = funding_positions([[100.0, 0, 0]], [[0, 60.0, 60.0]], [[80.0, 0, 0]],
    ...                         [[0.0, 0, 0]])
    >>> out["gap"].tolist(), out["cumulative"].tolist(), out["breakeven"].tolist()
    ([[20.0, 0.0, 0.0]], [[-20.0, 40.0, 100.0]], [1])
    """
    req, sav = np.asarray(requirement, float), np.asarray(savings, float)
    rec, pay = np.asarray(received, float), np.asarray(paid, float)
    net = sav + rec - req - pay
    return {"gap": req - rec, "net": net, "cumulative": np.cumsum(net, axis=-1),
            "breakeven": payback_index(net)}


# ------------------------------------------------------------------------------------ result
@dataclass(frozen=True, slots=True, eq=False)
class AffordabilityResult:
    """The ``affordability`` payload: one block per option (see :meth:`to_dict`)."""

    options: tuple[dict[str, Any], ...]
    assumptions: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """The ``affordability`` section of ``results.json``."""
        return {"assumptions": self.assumptions, "options": list(self.options), "note": _NOTE}

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """CSV tables: ``affordability_cash.csv`` (option × agency × year),
        ``affordability_funding.csv``, ``affordability_pooled_cash.csv`` and
        ``financial_measures.csv``."""
        import pandas as pd

        cash = [{"option": o["option"], **r} for o in self.options for r in o["by_year"]]
        fund = [{"option": o["option"], **r} for o in self.options for r in o["funding"]]
        pool = [{"option": o["option"], **r} for o in self.options for r in o["pooled_cash"]]
        meas = [{"option": o["option"], "who": "option (economic, real)",
                 **_measure_cols(o["measures"])} for o in self.options]
        meas += [{"option": o["option"], "who": p["agency"], **_measure_cols(p["measures"])}
                 for o in self.options for p in o["partners"]]
        return {"affordability_cash.csv": pd.DataFrame(cash),
                "affordability_funding.csv": pd.DataFrame(
                    fund, columns=["option", "name", "funder", "agency", "budget_year",
                                   "year", "amount"]),
                "affordability_pooled_cash.csv": pd.DataFrame(
                    pool, columns=["option", "agency", "share", "budget_year", "year",
                                   "contribution"]),
                "financial_measures.csv": pd.DataFrame(meas)}

    def summary_lines(self) -> list[str]:
        """Lines for the run summary: requirement, funding gap, breakeven by partner."""
        out = ["Financial case (cash, nominal, incremental to the counterfactual; £m):"]
        for o in self.options:
            t = o["totals"]
            out.append(f"  {o['option']}: cash requirement {t['requirement'] / 1e6:,.2f} "
                       f"(capital {t['capital'] / 1e6:,.2f}, resource {t['resource'] / 1e6:,.2f}"
                       f"), funding {t['funding'] / 1e6:,.2f}, funding gap "
                       f"{t['funding_gap'] / 1e6:,.2f}; optimism bias (not in the "
                       f"requirement) {t['optimism_bias'] / 1e6:,.2f}")
            parts = [f"{p['agency']} {p['breakeven_budget_year'] or 'never'}"
                     for p in o["partners"]]
            if parts:
                out.append("    breakeven year by partner: " + ", ".join(parts))
            m = o["measures"]
            irr = m["irr"]
            out.append("    IRR " + (f"{irr['irr']:.1%}" if irr["irr"] is not None else
                                     f"none ({irr['status']})")
                       + f", payback {m['payback_year'] or 'never'}, discounted payback "
                       f"{m['discounted_payback_year'] or 'never'}")
        return out

    def report_context(self, option_ids: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The ``financial_case`` section of the report context (years with cash only)."""
        ids = option_ids or {}
        out = []
        for o in self.options:
            m = o["measures"]
            out.append({
                "option": ids.get(o["option"], o["option"]),
                "totals": {k: o["totals"][k] for k in (
                    "requirement", "capital", "resource", "contingency", "irrecoverable_vat",
                    "optimism_bias", "funding", "funding_gap", "cashable_savings")},
                "years": [{k: r[k] for k in ("budget_year", "requirement", "capital",
                                             "resource", "optimism_bias", "funding",
                                             "funding_gap")}
                          for r in o["totals_by_year"] if r["requirement"] or r["funding"]],
                "partners": [{"agency": p["agency"], "requirement": p["requirement"],
                              "funding_received": p["funding_received"],
                              "funding_paid": p["funding_paid"],
                              "cashable_savings": p["cashable_savings"],
                              "funding_gap": p["funding_gap"],
                              "final_cumulative_cash": p["final_cumulative_cash"],
                              "breakeven_year": p["breakeven_budget_year"]}
                             for p in o["partners"]],
                "irr": m["irr"]["irr"], "irr_note": m["irr"]["note"],
                "payback_year": m["payback_year"],
                "discounted_payback_year": m["discounted_payback_year"],
            })
        a = self.assumptions
        infl = a["inflation"]
        inflation = (f"GDP deflator ({infl.get('basis')} basis"
                     + (f", extended at {infl['extend_growth']:.1%} a year"
                        if infl.get("extend_growth") is not None else "") + ")"
                     if infl["method"] == "GDP deflator" else
                     f"{infl['rate']:.1%} a year ({infl['source']})")
        vat = a["vat"]
        rec = [k for k, v in vat["recoverable"].items() if v]
        vat_text = (f"{vat['rate']:.0%} ({vat['source']}); recovered by "
                    f"{', '.join(rec) or 'no agency'}" if vat["rate"] else "not modelled")
        return {"options": out, "inflation": inflation, "vat": vat_text,
                "contingency": a["contingency"]["rate"], "note": _NOTE}


def _measure_cols(m: Mapping[str, Any]) -> dict[str, Any]:
    return {"irr": m["irr"]["irr"], "irr_status": m["irr"]["status"],
            "irr_note": m["irr"]["note"], "payback_year": m["payback_year"],
            "discounted_payback_year": m.get("discounted_payback_year")}


def _measures(net: np.ndarray, years: np.ndarray, disc: np.ndarray | None = None
              ) -> dict[str, Any]:
    """IRR (reported, not guessed: none or several are said so) and payback years."""
    irr = irr_summary(net) if np.any(net) else {"irr": None, "status": "none", "rates": [],
                                                   "note": "no cash flows"}
    pb = payback_index(net)
    has_out = bool(np.any(net < 0))
    out = {"irr": irr, "payback_year": int(years[pb]) if pb >= 0 and has_out else None}
    if disc is not None:
        dpb = payback_index(disc)
        out["discounted_payback_year"] = int(years[dpb]) if dpb >= 0 and has_out else None
    return out


def affordability(compiled: CompiledCase, spec: AffordabilitySpec) -> AffordabilityResult:
    """The financial case of every option named in ``spec`` (validating wrapper).

    Raises
    ------
    AppraisalValidationError
        Located at the section when the case's GDP deflator is asked for and not available,
        or no option is left to assess.

    Examples
    --------
    >>> from appraisal.engine.compile import compile_case
    >>> from appraisal.case.model import Case
    >>> from appraisal import case_from_records
    >>> case = case_from_records(title="T", base_year=2025, horizon_years=3,
    ...     options=[{"name": "BAU", "counterfactual": True}, {"name": "A"}],
    ...     lines=[{"option": "A", "name": "c", "kind": "cost", "values": {2025: 100},
    ...             "agency": "Council", "value_type": "fiscal", "category": "capital"},
    ...            {"option": "A", "name": "s", "kind": "benefit", "values": {2026: 60,
    ...             2027: 60}, "agency": "Council", "value_type": "fiscal", "cashable": True}])
    >>> spec = AffordabilitySpec(inflation_rate=0.1, inflation_source="assumed",
    ...                          vat_rate=0.2, vat_source="user")
    >>> a = affordability(compile_case(case), spec).to_dict()["options"][0]
    >>> a["totals"]["requirement"], a["partners"][0]["breakeven_budget_year"]
    (120.0, '2027-28')
    """
    from appraisal.engine.compile import discount_factor_array, shift_profiles

    c, case = compiled, compiled.case
    issues = Issues()
    years = np.asarray(c.years)
    T = years.size
    where = case.locate("affordability")
    factors = None
    infl: dict[str, Any]
    if spec.inflation_rate is not None:
        factors = nominal_factors(years, case.price_base_year, rate=spec.inflation_rate)
        infl = {"method": "user rate", "rate": spec.inflation_rate,
                "source": spec.inflation_source}
    else:
        index = c.deflator
        if index is None:
            from appraisal.greenbook.prices import deflator_index

            try:
                index = deflator_index(c.pack, basis=case.prices.deflator_basis,
                                       extend_growth=case.prices.deflator_extend_growth,
                                       overrides=case.prices.deflator)
                factors = nominal_factors(years, case.price_base_year, index=index)
            except Exception as exc:  # a missing or unconfirmed deflator, said where
                issues.error("deflator", f"the financial case needs nominal prices: {exc}",
                             location=where, field="affordability.inflation",
                             fix="allow the shipped GDP deflator (parameters: "
                             "{allow_unconfirmed: [gdp_deflator]}), extend it with "
                             "'prices: {deflator_extend_growth: ...}', or give "
                             "'affordability: {inflation: {rate: ..., source: ...}}'")
        else:
            try:
                factors = nominal_factors(years, case.price_base_year, index=index)
            except KeyError as exc:
                issues.error("deflator", f"the GDP deflator does not cover the appraisal "
                             f"period: {exc}", location=where, field="affordability.inflation",
                             fix="extend it with 'prices: {deflator_extend_growth: ...}' or "
                             "give an inflation rate")
        if index is not None:
            infl = {"method": "GDP deflator", "basis": index.basis,
                    "extend_growth": index.extend_growth,
                    "source": "; ".join(index.provenance) or index.source,
                    "extension_source": case.prices.source}
    cf = c.counterfactual
    names = spec.options or tuple(n for o, n in enumerate(c.option_names) if o != cf)
    if cf in [c.option_names.index(n) for n in names]:
        issues.error("counterfactual", "the financial case is incremental to the "
                     "counterfactual, which cannot be assessed against itself",
                     location=case.locate("affordability.options"),
                     field="affordability.options", fix="list only the other options")
    issues.raise_if_errors(case.source_path or "case")
    assert factors is not None
    lines = case.lines
    agencies = tuple(dict.fromkeys(ln.agency or UNASSIGNED for ln in lines))
    for row in spec.funding:
        agencies = (*agencies, *(a for a in (row.agency,) if a not in agencies))
    known = (*agencies, *(r.funder for r in spec.funding if r.funder not in agencies))
    for a in spec.vat_recoverable:  # a mistyped agency would make its VAT a cost
        if a not in known:
            vp = ("affordability", "vat", "recoverable", a)
            issues.error("unknown-agency", f"VAT recoverability is given for the agency {a!r}, "
                         "which no line or funding source has", location=case.locate(
                             field_path(vp)), field=field_path(vp),
                         fix=f"use one of the agencies: {', '.join(known)}")
    issues.raise_if_errors(case.source_path or "case")
    A = len(agencies)
    a_idx = np.array([agencies.index(ln.agency or UNASSIGNED) for ln in lines], dtype=np.int64)
    is_cost = np.asarray(c.is_cost, dtype=bool)
    vts = line_value_types(lines)
    # real flows as the ledger has them (delayed, scaled, optimism bias), split base / OB
    base = shift_profiles(c.real, c.delay[None, :])[0] * c.scale[:, None]
    ob = base * c.ob_uplift[:, None]
    df = discount_factor_array(c)[0][c.line_schedule]
    capital = np.array([ln.category in spec.capital_categories for ln in lines], dtype=bool)
    vat_able = np.array([spec.vat_categories is None or ln.category in spec.vat_categories
                         for ln in lines], dtype=bool)
    cashable = np.array([(not k) and v == "fiscal_cashable" for k, v in zip(is_cost, vts,
                                                                              strict=True)])
    recoverable = np.array([spec.vat_recoverable.get(a, False) for a in agencies])
    from appraisal.engine.compile import evaluate_arrays

    led = agency_ledger(c, evaluate_arrays(c).pv_lines[0])
    sign = np.where(is_cost, -1.0, 1.0)
    blocks = []
    for name in names:
        o = c.option_names.index(name)
        w = np.where(c.line_option == o, 1.0, 0.0) - np.where(c.line_option == cf, 1.0, 0.0)
        cw = (w * is_cost)[:, None]

        def agg(x: np.ndarray, mask: np.ndarray | None = None, weight: np.ndarray = cw
                ) -> np.ndarray:
            m = weight if mask is None else weight * mask[:, None]
            out = np.zeros((A, x.shape[-1]))
            np.add.at(out, a_idx, x * m)  # summed by agency
            return out

        base_a, ob_a = agg(base), agg(ob)
        cap_a = agg(base, capital)
        req = cash_requirement(base_a, agg(base, vat_able), factors,
                               contingency=spec.contingency_rate, vat_rate=spec.vat_rate,
                               recoverable=recoverable)
        cap_share = np.divide(cap_a, base_a, out=np.zeros_like(base_a), where=base_a != 0)
        savings = agg(base + ob, cashable, w[:, None]) * factors
        received, paid = np.zeros((A, T)), np.zeros((A, T))
        fund_rows = []
        for fr in spec.funding:
            if fr.option not in (None, name):
                continue
            amounts = np.array([fr.values.get(int(y), 0.0) for y in years])
            received[agencies.index(fr.agency)] += amounts
            if fr.funder in agencies:
                paid[agencies.index(fr.funder)] += amounts
            fund_rows += [{"name": fr.name, "funder": fr.funder, "agency": fr.agency,
                           "budget_year": budget_year_label(int(y)), "year": int(y),
                           "amount": float(v)} for y, v in zip(years, amounts, strict=True) if v]
        pos = funding_positions(req["requirement"], savings, received, paid)
        active = [a for a in range(A) if np.any(req["requirement"][a]) or np.any(savings[a])
                  or np.any(received[a]) or np.any(paid[a]) or np.any(ob_a[a])]
        by_year, partners = [], []
        for a in active:
            for t, y in enumerate(years):
                by_year.append({
                    "agency": agencies[a], "budget_year": budget_year_label(int(y)),
                    "year": int(y), "real_base_cost": float(base_a[a, t]),
                    "real_optimism_bias": float(ob_a[a, t]),
                    "deflator_factor": float(factors[t]),
                    "capital": float(req["requirement"][a, t] * cap_share[a, t]),
                    "resource": float(req["requirement"][a, t] * (1 - cap_share[a, t])),
                    "base_cost": float(base_a[a, t] * factors[t]),
                    "contingency": float(req["contingency"][a, t]), "vat": float(req["vat"][a, t]),
                    "irrecoverable_vat": float(req["irrecoverable_vat"][a, t]),
                    "requirement": float(req["requirement"][a, t]),
                    "optimism_bias": float(ob_a[a, t] * factors[t]),
                    "cashable_savings": float(savings[a, t]),
                    "funding_received": float(received[a, t]), "funding_paid": float(paid[a, t]),
                    "funding_gap": float(pos["gap"][a, t]), "net_cash": float(pos["net"][a, t]),
                    "cumulative_cash": float(pos["cumulative"][a, t])})
            be = int(pos["breakeven"][a])
            out_flows = bool(np.any(pos["net"][a] < 0))
            partners.append({
                "agency": agencies[a], "vat_recoverable": bool(recoverable[a]),
                "real_base_cost": float(base_a[a].sum()),
                "real_optimism_bias": float(ob_a[a].sum()),
                "requirement": float(req["requirement"][a].sum()),
                "cashable_savings": float(savings[a].sum()),
                "funding_received": float(received[a].sum()), "funding_paid": float(paid[a].sum()),
                "funding_gap": float(pos["gap"][a].sum()),
                "final_cumulative_cash": float(pos["cumulative"][a, -1]),
                "breakeven_year": int(years[be]) if be >= 0 and out_flows else None,
                "breakeven_budget_year": (budget_year_label(int(years[be]))
                                          if be >= 0 and out_flows else None),
                "breakeven_note": ("" if be >= 0 and out_flows else "no net outflow to recover"
                                   if not out_flows else "does not break even within the "
                                   "appraisal period"),
                "measures": _measures(pos["net"][a], years),
            })
        tot = {k: req[k].sum(axis=0) for k in req}
        cap_t = (req["requirement"] * cap_share).sum(axis=0)
        totals_by_year = [{
            "budget_year": budget_year_label(int(y)), "year": int(y),
            "requirement": float(tot["requirement"][t]), "capital": float(cap_t[t]),
            "resource": float(tot["requirement"][t] - cap_t[t]),
            "contingency": float(tot["contingency"][t]),
            "irrecoverable_vat": float(tot["irrecoverable_vat"][t]),
            "optimism_bias": float(ob_a[:, t].sum() * factors[t]),
            "funding": float(received[:, t].sum()), "funding_gap": float(pos["gap"][:, t].sum()),
            "cashable_savings": float(savings[:, t].sum())} for t, y in enumerate(years)]
        pool = led.pooled_budget(o)
        pooled_cash = []
        if pool:
            members = [agencies.index(p["agency"]) for p in pool["partners"]]
            pool_req = req["requirement"][members].sum(axis=0)
            for p in pool["partners"]:
                share = p["proportional_share"] or 0.0
                pooled_cash += [{"agency": p["agency"], "share": share,
                                 "budget_year": budget_year_label(int(y)), "year": int(y),
                                 "contribution": float(share * pool_req[t])}
                                for t, y in enumerate(years) if pool_req[t]]
        flows = (base + ob) * (w * sign)[:, None]
        econ = flows.sum(axis=0)
        blocks.append({
            "option": name,
            "totals": {k: float(sum(r[k] for r in totals_by_year)) for k in (
                "requirement", "capital", "resource", "contingency", "irrecoverable_vat",
                "optimism_bias", "funding", "funding_gap", "cashable_savings")},
            "totals_by_year": totals_by_year, "by_year": by_year, "partners": partners,
            "funding": fund_rows, "pooled_cash": pooled_cash,
            "measures": _measures(econ, years, (flows * df).sum(axis=0)),
        })
    assumptions = {
        "budget_years": "UK financial years, 1 April to 31 March; appraisal year Y is "
                        "financial year Y-(Y+1)",
        "cost_basis": "expected cost (base + contingency) + irrecoverable VAT; optimism "
                      "bias shown separately, not in the requirement",
        "price_base_year": case.price_base_year, "inflation": infl,
        "contingency": {"rate": spec.contingency_rate, "source": spec.contingency_source},
        "vat": {"rate": spec.vat_rate, "source": spec.vat_source,
                "recoverable": {a: bool(recoverable[i]) for i, a in enumerate(agencies)},
                "categories": list(spec.vat_categories) if spec.vat_categories is not None
                else "all cost lines",
                "treatment": "cost lines read as excluding VAT"},
        "capital_categories": list(spec.capital_categories),
        "irr_basis": "option: incremental real economic flows (benefits - costs, with "
                     "optimism bias); partners: nominal net cash",
    }
    return AffordabilityResult(options=tuple(blocks), assumptions=assumptions)


# ------------------------------------------------------------------------------------ wiring
def affordability_lenses(case: Case, compiled: CompiledCase, out: EngineOutput,
                         wanted: Callable[[str], bool] = lambda key: True) -> dict[str, Any]:
    """The affordability lens (:data:`appraisal.lenses.catalogue.LENSES`): the
    ``affordability`` payload when the case has the section and it was asked for."""
    del out
    spec = case.sections.get("affordability")
    if not wanted("affordability") or not isinstance(spec, AffordabilitySpec):
        return {}
    return {"affordability": affordability(compiled, spec)}
