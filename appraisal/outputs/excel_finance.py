"""The financial sheets of ``results.xlsx``: financial case, budget view, financial measures
and cost-effectiveness.

``Financial case`` (cases with an ``affordability:`` section)
    per option (incremental to the counterfactual) and per partner, cash (nominal) by UK
    financial year: base cost, contingency and irrecoverable VAT making up the
    **requirement** (the expected cost: optimism bias is shown beside it, not in it),
    capital and resource, cashable savings, funding received and paid, funding gap, net
    and cumulative cash and the breakeven year, as formulas over the values of the
    :mod:`appraisal.lenses.affordability` payload; the totals by budget year are sums of
    the partners' tables; the funding by source below.
``Budget view``
    a plain block (one header row, budget years across) to paste into a budget template:
    each partner's net cash position and its pooled-budget contribution by year, nominal
    and real (nominal ÷ the real-to-nominal factor of the year).
``Financial measures`` (every case)
    each option's incremental real economic flows (benefits − costs, optimism bias
    included, against the counterfactual) by year as ``SUMIFS`` over the line rows of
    ``Calculation``, and each partner's nominal net cash from ``Financial case``; over
    them the live formulas ``IRR``, ``MIRR``, ``XNPV`` and the Green Book NPV
    ``v0 + NPV(r, v1:vn)``, each with the value of :mod:`appraisal.greenbook.finance`
    beside it and a check. A stream with no IRR or several gets the text
    :func:`appraisal.greenbook.finance.irr_summary` reports, never a formula.
``Cost-effectiveness`` (cases with a ``cost_effectiveness:`` section)
    incremental costs and effects, ICER and INB at each threshold as formulas, the
    dominance status, the frontier, and the acceptability curves (CEAC, CEAF) as values
    with their Monte Carlo seed when the uncertainty lens ran.

Every formula carries the engine's number as its cached value (the LibreOffice
recalculation tests check that the formulas give it again).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from appraisal.cells import column_letter
from appraisal.greenbook.finance import irr_summary, mirr, npv, xnpv
from appraisal.outputs.excel_calc import LINE_COLUMNS, Y0, protect_formulas
from appraisal.outputs.excel_layout import MONEY, PERCENT, fit_columns, fit_row_height, print_setup

if TYPE_CHECKING:
    from appraisal.engine.results import AppraisalResult
    from appraisal.outputs.excel_book import BookBuilder

__all__ = ["FINANCIAL_CASE_COLUMNS", "excel_date", "write_financial_sheets"]

#: Columns of a partner's table on ``Financial case`` (labels as in the report).
FINANCIAL_CASE_COLUMNS = (
    "Budget year", "Base cost", "Contingency", "Irrecoverable VAT", "Requirement", "Capital",
    "Resource", "VAT (recoverable or not)", "Optimism bias (not in the requirement)",
    "Cashable savings", "Funding received", "Funding paid", "Funding gap", "Net cash",
    "Cumulative cash", "In surplus from here on")
#: Column number and letter of each of :data:`FINANCIAL_CASE_COLUMNS`, by header.
_FC_COL = {name: i for i, name in enumerate(FINANCIAL_CASE_COLUMNS, start=1)}
_FC = {name: column_letter(i) for name, i in _FC_COL.items()}
#: Columns of a partner's table written as values, and the payload key of each.
_FC_VALUES = (("Base cost", "base_cost"), ("Contingency", "contingency"),
              ("Irrecoverable VAT", "irrecoverable_vat"), ("Capital", "capital"),
              ("VAT (recoverable or not)", "vat"),
              ("Optimism bias (not in the requirement)", "optimism_bias"),
              ("Cashable savings", "cashable_savings"), ("Funding received", "funding_received"),
              ("Funding paid", "funding_paid"))
#: Columns of a partner's table with a total (SUM) row, and the payload key of each.
_FC_TOTALS = (*_FC_VALUES[:3], ("Requirement", "requirement"), *_FC_VALUES[3:5],
              ("Resource", "resource"), *_FC_VALUES[5:], ("Funding gap", "funding_gap"),
              ("Net cash", "net_cash"))
#: Columns of the totals by budget year (all partners) of one option.
_TOTAL_COLUMNS = ("Budget year", "Requirement", "Capital", "Resource", "Contingency",
                  "Irrecoverable VAT", "Optimism bias (not in the requirement)", "Funding",
                  "Funding gap", "Cashable savings")
#: results.json key of each totals column (after the budget year), and the partner-table
#: column it sums.
_TOTAL_KEYS = (("requirement", "E"), ("capital", "F"), ("resource", "G"),
               ("contingency", "C"), ("irrecoverable_vat", "D"), ("optimism_bias", "I"),
               ("funding", "K"), ("funding_gap", "M"), ("cashable_savings", "J"))
_EXCEL_EPOCH = dt.date(1899, 12, 30)
#: Relative tolerance of the check cells (the engine's own agreement test uses 1e-9).
_CHECK_RTOL = 1e-9
_DATE = "d mmm yyyy"


def excel_date(day: dt.date) -> int:
    """The spreadsheet serial number of a date (1900 date system, as Excel and LibreOffice).

    Examples
    --------
    >>> excel_date(dt.date(2025, 4, 1))
    45748
    """
    return (day - _EXCEL_EPOCH).days


class _Sheet:
    """One sheet being written, with its formula record for protection."""

    def __init__(self, book: BookBuilder, title: str, index: int) -> None:
        self.book, self.title = book, title
        self.ws, self.data = book.sheet(title, index=index)
        self.formulas: dict[int, dict[int, str]] = defaultdict(dict)
        self.money = book.style("calc", MONEY)
        self.pct = book.style("calc", PERCENT)
        self.plain = book.style("calc")
        self.wrap = book.style("calc", wrap=True)
        self._notes: set[int] = set()
        self._head_rows: dict[int, dict[int, str]] = {}

    def f(self, r: int, c: int, text: str, cached: Any, style: int) -> None:
        if isinstance(cached, float | np.floating):
            cached = float(cached)
        self.data.formula(r, c, text, cached, style)
        self.formulas[r][c] = text

    def heads(self, r: int, names: Sequence[str], col: int = 1) -> None:
        for k, name in enumerate(names):
            self.data.text(r, col + k, name, self.book.header)

    def note(self, r: int, text: str, width: int = 150) -> int:
        """Italic note text from row *r*, one printed line a row; returns the next row."""
        import textwrap

        for line in textwrap.wrap(text, width) or [""]:
            self.data.text(r, 1, line, self.book.style(italic=True))
            self._notes.add(r)
            r += 1
        return r

    def finish(self, *, freeze: str | None, title_rows: str = "", widths: Mapping[int, float]
               | None = None, maximum: float = 24.0) -> None:
        fit_columns(self.book, self.ws, self.data, skip_rows={1, *self._notes}, maximum=maximum,
                    fixed=widths)
        for r, texts in self._head_rows.items():
            fit_row_height(self.ws, self.data, r, texts)
        print_setup(self.ws, self.data, title_rows=title_rows, freeze=freeze)
        protect_formulas(self.book, self.title, self.formulas)



def _check(s: _Sheet, r: int, c: int, formula_ref: str, engine_ref: str, tol: str) -> None:
    """A check cell: "OK" while the formula gives the engine's value (relative ``tol``, a
    cell: a number written in a formula is rewritten by LibreOffice on saving, and the
    rewritten formula would be refused as an edit on a re-run)."""
    s.f(r, c, f'IF(ABS({formula_ref}-{engine_ref})<={tol}*MAX(1,ABS({engine_ref})),'
        f'"OK","CHANGED")', "OK", s.plain)


def _tolerance(s: _Sheet, r: int, label: str) -> str:
    """The relative tolerance as a labelled cell on row *r*; returns its absolute address."""
    s.data.text(r, 1, label, s.plain)
    s.data.number(r, 3, _CHECK_RTOL, s.book.style("input", "0.0E+00"))
    return f"$C${r}"


# ------------------------------------------------------------------------ financial case
def _financial_case(book: BookBuilder, result: AppraisalResult, payload: Any, index: int
                    ) -> dict[tuple[str, str], dict[str, Any]]:
    """The ``Financial case`` sheet; returns, per (option, partner), where its net cash is."""
    s = _Sheet(book, "Financial case", index)
    d = payload.to_dict()
    a = d["assumptions"]
    cf = result.case.counterfactual.name
    data = s.data
    data.text(1, 1, "Financial case: cash by budget year", book.title)
    infl = a["inflation"]
    inflation = (f"GDP deflator ({infl.get('basis')} basis)" if infl["method"] == "GDP deflator"
                 else f"{infl['rate']:.1%} a year ({infl['source']})")
    top = s.note(2, "The financial case uses the EXPECTED cost (base cost + contingency) plus "
           "irrecoverable VAT, not the optimism-bias-uplifted appraisal cost: optimism bias is "
           "shown beside the requirement, not in it (Green Book 2018 paras 5.43-5.46).")
    top = s.note(top, "£, cash (nominal), by UK financial year (April-March), incremental to "
           f"{cf}. "
           f"Inflation: {inflation}; contingency {a['contingency']['rate']:.0%}; VAT "
           f"{a['vat']['rate']:.0%}, cost lines read as excluding VAT. Funding gap = "
           "requirement - funding received; net cash = cashable savings + funding received - "
           "requirement - funding paid; breakeven = first year from which the cumulative cash "
           "stays at or above zero.")
    where: dict[tuple[str, str], dict[str, Any]] = {}
    tol_cell = _tolerance(s, top + 1, "Tolerance of the breakeven test (relative)")
    r = top + 3
    bold = book.bold
    for o in d["options"]:
        name = o["option"]
        data.text(r, 1, f"{name} (against {cf})", book.style(bold=True, size=13))
        r += 2
        partner_rows: dict[str, tuple[int, int]] = {}
        by_agency: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in o["by_year"]:
            by_agency[row["agency"]].append(row)
        partners = {p["agency"]: p for p in o["partners"]}
        for agency, rows in by_agency.items():
            p = partners[agency]
            vat = "recovers VAT" if p["vat_recoverable"] else "cannot recover VAT"
            data.text(r, 1, f"{agency} ({vat})", bold)
            r += 1
            s.heads(r, FINANCIAL_CASE_COLUMNS)
            s._head_rows[r] = dict(enumerate(FINANCIAL_CASE_COLUMNS, start=1))
            first = r + 1
            last = first + len(rows) - 1
            cum = np.array([x["cumulative_cash"] for x in rows])
            scale = max(float(np.abs(cum).max(initial=0.0)), 1.0)
            ok = cum >= -1e-9 * scale
            stays = np.flip(np.logical_and.accumulate(np.flip(ok)))
            c = _FC  # the columns' letters, by header
            cum_col, net, yes = c["Cumulative cash"], c["Net cash"], c["In surplus from here on"]
            tol = (f"-{tol_cell}*MAX(1,MAX(${cum_col}${first}:${cum_col}${last}),"
                   f"-MIN(${cum_col}${first}:${cum_col}${last}))")
            for k, x in enumerate(rows):
                rr = first + k
                data.text(rr, 1, x["budget_year"], s.plain)
                for head, key in _FC_VALUES:
                    data.number(rr, _FC_COL[head], x[key], s.money)
                s.f(rr, _FC_COL["Requirement"], f"{c['Base cost']}{rr}+{c['Contingency']}{rr}"
                    f"+{c['Irrecoverable VAT']}{rr}", x["requirement"], s.money)
                s.f(rr, _FC_COL["Resource"], f"{c['Requirement']}{rr}-{c['Capital']}{rr}",
                    x["resource"], s.money)
                s.f(rr, _FC_COL["Funding gap"], f"{c['Requirement']}{rr}"
                    f"-{c['Funding received']}{rr}", x["funding_gap"], s.money)
                s.f(rr, _FC_COL["Net cash"], f"{c['Cashable savings']}{rr}"
                    f"+{c['Funding received']}{rr}-{c['Requirement']}{rr}"
                    f"-{c['Funding paid']}{rr}", x["net_cash"], s.money)
                s.f(rr, _FC_COL["Cumulative cash"], f"{net}{rr}" if k == 0 else
                    f"{cum_col}{rr - 1}+{net}{rr}", x["cumulative_cash"], s.money)
                nxt = "" if rr == last else f",{yes}{rr + 1}"
                s.f(rr, _FC_COL["In surplus from here on"], f"AND({cum_col}{rr}>={tol}{nxt})",
                    bool(stays[k]), s.plain)
            tr = last + 1
            data.text(tr, 1, "Total", bold)
            tot_style = book.style("calc", MONEY, bold=True)
            for head, key in _FC_TOTALS:
                letter = c[head]
                cached = float(sum(x[key] for x in rows))
                s.f(tr, _FC_COL[head], f"SUM({letter}{first}:{letter}{last})", cached,
                    tot_style)
            s.f(tr, _FC_COL["Cumulative cash"], f"{cum_col}{last}", p["final_cumulative_cash"],
                tot_style)
            data.text(tr + 1, 1, "Breakeven year", bold)
            be = p["breakeven_budget_year"] or p["breakeven_note"]
            year = c["Budget year"]
            s.f(tr + 1, 2, f'IF(COUNTIF({net}{first}:{net}{last},"<0")=0,'
                f'"no net outflow to recover",'
                f'IFERROR(INDEX({year}{first}:{year}{last},'
                f'MATCH(TRUE(),{yes}{first}:{yes}{last},0)),'
                f'"does not break even within the appraisal period"))', be, bold)
            partner_rows[agency] = (first, last)
            where[(name, agency)] = {"first": first, "last": last, "rows": rows,
                                     "partner": p}
            r = tr + 3
        # totals by budget year: sums of the partners' tables
        data.text(r, 1, f"{name}: all partners by budget year", bold)
        r += 1
        s.heads(r, _TOTAL_COLUMNS)
        s._head_rows[r] = dict(enumerate(_TOTAL_COLUMNS, start=1))
        first = r + 1
        years = o["totals_by_year"]
        for k, x in enumerate(years):
            rr = first + k
            data.text(rr, 1, x["budget_year"], s.plain)
            for col, (key, src) in enumerate(_TOTAL_KEYS, start=2):
                refs = [f"{src}{a0 + k}" for a0, _ in partner_rows.values()]
                s.f(rr, col, "+".join(refs) if refs else "0", x[key], s.money)
        last = first + len(years) - 1
        tr = last + 1
        data.text(tr, 1, "Total", bold)
        for col, (key, _) in enumerate(_TOTAL_KEYS, start=2):
            letter = column_letter(col)
            s.f(tr, col, f"SUM({letter}{first}:{letter}{last})", o["totals"][key],
                book.style("calc", MONEY, bold=True))
        where[(name, "")] = {"totals_row": tr}
        r = tr + 2
        if o["funding"]:
            data.text(r, 1, f"{name}: funding by source", bold)
            r += 1
            heads = ("Budget year", "Source", "Funder", "Towards the cost of", "Amount")
            s.heads(r, heads)
            first = r + 1
            for k, x in enumerate(o["funding"]):
                rr = first + k
                for col, key in enumerate(("budget_year", "name", "funder", "agency"), 1):
                    data.text(rr, col, x[key], s.plain)
                data.number(rr, 5, x["amount"], s.money)
            last = first + len(o["funding"]) - 1
            data.text(last + 1, 1, "Total", bold)
            s.f(last + 1, 5, f"SUM(E{first}:E{last})", float(sum(x["amount"]
                                                                  for x in o["funding"])),
                book.style("calc", MONEY, bold=True))
            r = last + 3
        r += 1
    s.finish(freeze="B1", widths={1: 14.0, 2: 16.0})
    return where


def _budget_view(book: BookBuilder, result: AppraisalResult, payload: Any,
                 where: Mapping[tuple[str, str], Mapping[str, Any]], index: int) -> None:
    """The ``Budget view`` sheet: a plain block, budget years across."""
    s = _Sheet(book, "Budget view", index)
    d = payload.to_dict()
    data = s.data
    pb = d["assumptions"]["price_base_year"]
    data.text(1, 1, "Budget view: cash position and pooled-budget contributions by partner",
              book.title)
    top = s.note(2, "A plain block to paste into a budget template: one row per option, "
           "partner and "
           f"measure, budget years (April-March) across; £, nominal (cash) and real ({pb} "
           "prices = nominal / the real-to-nominal factor). Net cash position = cashable "
           "savings + funding received - requirement - funding paid (the Financial case sheet).")
    first_option = d["options"][0]
    labels = [x["budget_year"] for x in first_option["totals_by_year"]]
    years = [x["year"] for x in first_option["totals_by_year"]]
    factors = {x["year"]: x["deflator_factor"] for x in first_option["by_year"]}
    fac = [factors[y] for y in years]
    c0 = 5
    fr = top + 1
    data.text(fr, 1, "Real-to-nominal factor", book.bold)
    data.text(fr, 4, "factor", s.plain)
    data.numbers(fr, c0, fac, book.style("calc", "0.0000"))
    hr = fr + 2
    s.heads(hr, ("Option", "Partner", "Measure", "Prices", *labels))
    r = hr + 1
    real_style = s.money
    for o in d["options"]:
        name = o["option"]
        pooled: dict[str, dict[int, float]] = defaultdict(dict)
        for x in o["pooled_cash"]:
            pooled[x["agency"]][x["year"]] = x["contribution"]
        agencies = list(dict.fromkeys([*(p["agency"] for p in o["partners"]), *pooled]))
        for agency in agencies:
            loc = where.get((name, agency))
            if loc is None:  # in the pool (it saves) but with no cash of its own here
                loc = {"rows": [], "first": None}
            rows = loc["rows"]
            net = [x["net_cash"] for x in rows]
            kinds = ((("Net cash position", "nominal"),
                      ("Net cash position", f"real ({pb} prices)")) if rows else ())
            for label, prices in kinds:
                for col, value in enumerate((name, agency, label, prices), start=1):
                    data.text(r, col, value, s.plain)
                for k in range(len(years)):
                    col = column_letter(c0 + k)
                    if prices == "nominal":
                        s.f(r, c0 + k, f"'Financial case'!{_FC['Net cash']}{loc['first'] + k}",
                            net[k], s.money)
                    else:
                        s.f(r, c0 + k, f"{col}{r - 1}/{col}${fr}", net[k] / fac[k], real_style)
                r += 1
            if agency in pooled:
                values = [pooled[agency].get(y, 0.0) for y in years]
                for prices in ("nominal", f"real ({pb} prices)"):
                    for col, value in enumerate((name, agency, "Pooled-budget contribution",
                                                 prices), start=1):
                        data.text(r, col, value, s.plain)
                    if prices == "nominal":
                        data.numbers(r, c0, values, s.money)
                    else:
                        for k in range(len(years)):
                            col = column_letter(c0 + k)
                            s.f(r, c0 + k, f"{col}{r - 1}/{col}${fr}", values[k] / fac[k],
                                real_style)
                    r += 1
    s.finish(freeze=f"{column_letter(c0)}{hr + 1}", title_rows=f"{hr}:{hr}",
             widths={1: 30.0, 2: 14.0, 3: 26.0, 4: 18.0})
    s.ws.print_title_cols = "A:D"
    s.ws.page_setup.fitToWidth = 0  # years across: pages across, at a readable scale
    s.ws.sheet_properties.pageSetUpPr.fitToPage = False
    s.ws.page_setup.scale = 70


# ---------------------------------------------------------------------- financial measures
def _option_streams(result: AppraisalResult) -> np.ndarray:
    """(O, T) incremental real economic flows of each option against the counterfactual."""
    c = result.compiled
    sign = np.where(np.asarray(c.is_cost, dtype=bool), -1.0, 1.0)
    per = (np.asarray(result.real_flows, dtype=np.float64) * sign[:, None]).T @ c.option_matrix
    return (per - per[:, [c.counterfactual]]).T


def _financial_measures(book: BookBuilder, result: AppraisalResult, calc: Mapping[str, Any],
                        where: Mapping[tuple[str, str], Mapping[str, Any]] | None,
                        index: int) -> None:
    """The ``Financial measures`` sheet: the measures on top (one row per stream), the
    streams below (one column each, budget years down)."""
    s = _Sheet(book, "Financial measures", index)
    data = s.data
    c, case = result.compiled, result.case
    years = [int(y) for y in c.years]
    T = len(years)
    cf = case.counterfactual.name
    rate = float(c.rates[0][0]) if T > 1 else 0.0
    data.text(1, 1, "Financial measures: IRR, MIRR, XNPV and NPV as live formulas", book.title)
    top = s.note(2, "Cash flows: money in positive, money out negative; year t = 0 is the "
                 "first budget year, dated 1 April. Options: incremental real economic flows "
                 f"against {cf} (benefits - costs, optimism bias included, undiscounted), "
                 "summed from the line rows of the Calculation sheet; partners: net cash "
                 "(nominal) from the Financial case sheet. Each formula has the value of "
                 "appraisal.finance beside it and a check.")
    top = s.note(top, "No IRR, or several, is said in words, not computed: Excel's IRR() would "
                 "return #NUM! or whichever root its iteration reaches. IRR()'s guess is the "
                 "engine's rate rounded to 1%: from the default guess (10%) the iteration "
                 "fails for rates far below it (LibreOffice returns an error for a -22% IRR).")
    top = s.note(top, "Excel's NPV(rate, v0:vn) discounts its FIRST value by a year; the Green "
                 "Book NPV (year 0 undiscounted, as appraisal.finance.npv) is v0 + NPV(rate, "
                 "v1:vn), as used here. XNPV discounts by actual days / 365 from the first "
                 "date (leap days count), so it differs slightly from the NPV by whole years.")
    inp = book.style("input", PERCENT)
    rr0 = top + 1
    rate_cells = {}
    for k, (label, key) in enumerate(((f"Discount rate (the case's '{c.schedule_names[0]}' "
                                       "schedule, year 1)", "rate"),
                                      ("MIRR finance rate (cost of the money borrowed)",
                                       "finance"),
                                      ("MIRR reinvestment rate", "reinvest"))):
        data.text(rr0 + k, 1, label, s.plain)
        data.number(rr0 + k, 3, rate, inp)
        rate_cells[key] = f"$C${rr0 + k}"
    tol = _tolerance(s, rr0 + 3, "Tolerance of the checks (relative)")
    top = s.note(rr0 + 4, "The rates are inputs (blue): change them and the formulas follow; "
                 "the engine values beside them are for the rates as written.")
    streams: list[dict[str, Any]] = []
    inc = _option_streams(result)
    for o, name in enumerate(c.option_names):
        if o != c.counterfactual:
            streams.append({"option": name, "who": "Option (economic, real)",
                            "values": inc[o], "o": o})
    for (name, agency), loc in (where or {}).items():
        if agency:
            streams.append({"option": name, "who": f"{agency} (net cash, nominal)",
                            "values": np.array([x["net_cash"] for x in loc["rows"]]),
                            "loc": loc})
    heads = ("Option", "Cash flows of", "Internal rate of return", "IRR (appraisal.finance)",
             "IRR check", "MIRR", "MIRR (appraisal.finance)", "MIRR check", "XNPV",
             "XNPV (appraisal.finance)", "XNPV check", "NPV (Green Book: v0 + NPV(r, v1:vn))",
             "NPV (appraisal.finance)", "NPV check",
             "Excel NPV(r, v0:vn) (not the NPV: year 0 discounted)")
    mr = top + 2
    data.text(mr - 1, 1, "Measures", book.bold)
    s.heads(mr, heads)
    s._head_rows[mr] = dict(enumerate(heads, start=1))
    hr = mr + len(streams) + 3  # header of the streams
    data.text(hr - 1, 1, "Cash flows by budget year (£)", book.bold)
    stream_heads = ["Budget year", "Date (1 April)",
                    *(f"{st['option']}: {st['who']}" for st in streams)]
    s.heads(hr, stream_heads)
    s._head_rows[hr] = dict(enumerate(stream_heads, start=1))
    first, last = hr + 1, hr + T
    dates = [dt.date(y, 4, 1) for y in years]
    date_style = book.style("calc", _DATE)
    for t, (y, day) in enumerate(zip(years, dates, strict=True)):
        data.text(first + t, 1, f"{y}-{(y + 1) % 100:02d}", s.plain)
        data.number(first + t, 2, excel_date(day), date_style)
    line_rows = calc["line_rows"]
    lo, hi = (line_rows[0], line_rows[-1]) if line_rows else (0, 0)
    cfno = c.counterfactual + 1
    # the Calculation sheet's columns by name (never a hard-coded letter)
    opt_col = column_letter(LINE_COLUMNS.index("Option no.") + 1)
    kind_col = column_letter(LINE_COLUMNS.index("Kind") + 1)

    def sumifs(col: str, opt: int, kind: str) -> str:
        return (f"SUMIFS(Calculation!{col}${lo}:{col}${hi},"
                f"Calculation!${opt_col}${lo}:${opt_col}${hi},{opt},"
                f'Calculation!${kind_col}${lo}:${kind_col}${hi},"{kind}")')

    r_, fin, rei = rate_cells["rate"], rate_cells["finance"], rate_cells["reinvest"]
    for k, st in enumerate(streams):
        mrow, sc = mr + 1 + k, column_letter(3 + k)
        v = st["values"]
        data.text(mrow, 1, st["option"], s.plain)
        data.text(mrow, 2, st["who"], s.plain)
        for t in range(T):
            if "o" in st and not line_rows:  # a case with no lines: nothing to sum
                data.number(first + t, 3 + k, float(v[t]), s.money)
                continue
            if "o" in st:
                col = column_letter(Y0 + t)
                o1 = st["o"] + 1
                text = (f"{sumifs(col, o1, 'benefit')}-{sumifs(col, o1, 'cost')}"
                        f"-({sumifs(col, cfno, 'benefit')}-{sumifs(col, cfno, 'cost')})")
            else:
                text = f"'Financial case'!{_FC['Net cash']}{st['loc']['first'] + t}"
            s.f(first + t, 3 + k, text, float(v[t]), s.money)
        span = f"${sc}${first}:${sc}${last}"
        summary = irr_summary(v)
        if summary["status"] == "unique":
            # a start near the root (see the note above), written as LibreOffice writes it
            guess = f"{round(summary['irr'], 2) + 0.0:g}"
            s.f(mrow, 3, f"IRR({span},{guess})", summary["irr"], s.pct)
            data.number(mrow, 4, summary["irr"], s.pct)
            _check(s, mrow, 5, f"C{mrow}", f"D{mrow}", tol)
        else:
            data.text(mrow, 3, f"No IRR reported: {summary['note']}", s.wrap)
            s._head_rows[mrow] = {3: f"No IRR reported: {summary['note']}"}
            data.text(mrow, 4, "none" if summary["status"] == "none" else "several", s.plain)
        m = mirr(v, rate, rate)
        if np.isfinite(m):
            s.f(mrow, 6, f"MIRR({span},{fin},{rei})", float(m), s.pct)
            data.number(mrow, 7, float(m), s.pct)
            _check(s, mrow, 8, f"F{mrow}", f"G{mrow}", tol)
        else:
            data.text(mrow, 6, "n/a: MIRR needs both an inflow and an outflow", s.wrap)
            s._head_rows.setdefault(mrow, {})[6] = "n/a: MIRR needs both an inflow and an outflow"
        xv = xnpv(rate, v, dates)
        s.f(mrow, 9, f"XNPV({r_},{span},$B${first}:$B${last})", xv, s.money)
        data.number(mrow, 10, xv, s.money)
        _check(s, mrow, 11, f"I{mrow}", f"J{mrow}", tol)
        nv = npv(rate, v)
        rest = f"+NPV({r_},${sc}${first + 1}:${sc}${last})" if T > 1 else ""
        s.f(mrow, 12, f"{sc}{first}{rest}", nv, s.money)
        data.number(mrow, 13, nv, s.money)
        _check(s, mrow, 14, f"L{mrow}", f"M{mrow}", tol)
        s.f(mrow, 15, f"NPV({r_},{span})", nv / (1.0 + rate), s.money)
    s.finish(freeze="C1", widths={1: 30.0, 2: 26.0, 3: 24.0, 6: 20.0, 15: 20.0})


# ----------------------------------------------------------------------- cost-effectiveness
def _cost_effectiveness(book: BookBuilder, result: AppraisalResult, payload: Any,
                        index: int) -> None:
    s = _Sheet(book, "Cost-effectiveness", index)
    data = s.data
    d = payload.to_dict()
    unit = d["effect_unit"]
    data.text(1, 1, f"Cost-effectiveness: cost per {unit}", book.title)
    top = s.note(2, d["note"])
    top = s.note(top, f"Against {d['counterfactual']}" + (
        f"; costs are net of the cost offsets ({', '.join(d['cost_offsets'])})."
        if d["cost_offsets"] else "."))
    r = top + 1
    data.text(r, 1, "Thresholds", book.bold)
    heads = ("Threshold (£ per " + unit + ")", "Name", "Confidence", "Source")
    s.heads(r + 1, heads)
    th_rows = []
    for k, t in enumerate(d["thresholds"]):
        rr = r + 2 + k
        th_rows.append(rr)
        data.number(rr, 1, t["threshold"], s.money)
        data.text(rr, 2, t["name"], s.plain)
        data.text(rr, 3, t["confidence"], s.plain)
        data.text(rr, 4, t["source"], s.wrap)
        s._head_rows[rr] = {4: t["source"]}
    r = r + 3 + len(d["thresholds"])
    data.text(r, 1, "Cost and effect of each option (present values)", book.bold)
    s.heads(r + 1, ("Option", "Cost", f"Effect ({unit}s)"))
    opt_row = {}
    for k, x in enumerate(d["options"]):
        rr = r + 2 + k
        opt_row[x["option"]] = rr
        data.text(rr, 1, x["option"], s.plain)
        data.number(rr, 2, x["cost"], s.money)
        data.number(rr, 3, x["effect"], book.style("calc", "#,##0.00"))
    r = r + 3 + len(d["options"])
    data.text(r, 1, f"Against {d['counterfactual']}", book.bold)
    heads = ["Option", "Incremental cost", f"Incremental {unit}s", f"ICER (£ per {unit})",
             "Status", *(f"INB at £{t['threshold']:,.0f}" for t in d["thresholds"])]
    s.heads(r + 1, heads)
    s._head_rows[r + 1] = dict(enumerate(heads, start=1))
    cfr = opt_row[d["counterfactual"]]
    for k, x in enumerate(d["versus_counterfactual"]):
        rr = r + 2 + k
        orow = opt_row[x["option"]]
        data.text(rr, 1, x["option"], s.plain)
        s.f(rr, 2, f"B{orow}-B{cfr}", x["inc_cost"], s.money)
        s.f(rr, 3, f"C{orow}-C{cfr}", x["inc_effect"], book.style("calc", "#,##0.00"))
        if x["icer"] is not None:
            s.f(rr, 4, f"B{rr}/C{rr}", x["icer"], s.money)
        else:
            data.text(rr, 4, "not reported", s.plain)
        data.text(rr, 5, x["icer_status"], s.wrap)
        s._head_rows[rr] = {5: x["icer_status"]}
        for j, t in enumerate(x["inb"]):
            s.f(rr, 6 + j, f"$A${th_rows[j]}*C{rr}-B{rr}", t["inb"], s.money)
    r = r + 3 + len(d["versus_counterfactual"])
    data.text(r, 1, "Fully incremental analysis: the cost-effectiveness frontier", book.bold)
    heads = ["Option", "Status", "Compared with", "Incremental cost", f"Incremental {unit}s",
             f"ICER (£ per {unit})", "Dominated by"]
    s.heads(r + 1, heads)
    s._head_rows[r + 1] = dict(enumerate(heads, start=1))
    for k, x in enumerate(d["frontier"]):
        rr = r + 2 + k
        data.text(rr, 1, x["option"], s.plain)
        data.text(rr, 2, x["status"], s.plain)
        data.any(rr, 3, x["compared_with"] or "", s.plain)
        data.any(rr, 4, x["inc_cost"], s.money)
        data.any(rr, 5, x["inc_effect"], book.style("calc", "#,##0.00"))
        data.any(rr, 6, x["icer"], s.money)
        data.any(rr, 7, x["dominated_by"] or "", s.plain)
    r = r + 3 + len(d["frontier"])
    data.text(r, 1, "On the frontier: " + " -> ".join(d["on_frontier"]), s.plain)
    r += 2
    unc = result.lenses.get("uncertainty")
    acc = None
    if unc is not None:
        u = unc.to_dict()
        acc = (u.get("acceptability") or {}).get("cost_effectiveness")
        seed = (u.get("monte_carlo") or {}).get("seed")
    if acc:
        names = [x["option"] for x in d["options"]]
        data.text(r, 1, f"Acceptability (Monte Carlo, {acc['n_draws']:,} draws, seed {seed}): "
                  "values", book.bold)
        r = s.note(r + 1, acc["note"])
        heads = ["Threshold", "Name", *(f"{n}: most cost-effective" for n in names),
                 "Frontier (highest expected net benefit)", "Probability on the frontier",
                 *(f"{n}: P(cost-effective)" for n in names if n != d["counterfactual"])]
        s.heads(r, heads)
        s._head_rows[r] = dict(enumerate(heads, start=1))
        for k, x in enumerate(acc["at_thresholds"]):
            rr = r + 1 + k
            data.number(rr, 1, x["threshold"], s.money)
            data.text(rr, 2, x["name"] or "", s.plain)
            for j, n in enumerate(names):
                data.number(rr, 3 + j, x["probability_best"][n], s.pct)
            col = 3 + len(names)
            data.text(rr, col, x["frontier_option"], s.plain)
            data.number(rr, col + 1, x["frontier_probability"], s.pct)
            for j, n in enumerate(n for n in names if n != d["counterfactual"]):
                data.number(rr, col + 2 + j, x["p_cost_effective"][n], s.pct)
        r = r + 2 + len(acc["at_thresholds"])
        curves = acc["ceac"]
        data.text(r, 1, "Acceptability curves (CEAC) and frontier (CEAF) by threshold",
                  book.bold)
        heads = ["Threshold", *(f"{n}: most cost-effective" for n in names),
                 "Frontier option", "Probability on the frontier (CEAF)"]
        s.heads(r + 1, heads)
        s._head_rows[r + 1] = dict(enumerate(heads, start=1))
        for k, k_value in enumerate(curves["thresholds"]):
            rr = r + 2 + k
            data.number(rr, 1, k_value, s.money)
            for j, n in enumerate(names):
                data.number(rr, 2 + j, curves["probability_best"][n][k], s.pct)
            data.text(rr, 2 + len(names), curves["frontier_option"][k], s.plain)
            data.number(rr, 3 + len(names), curves["frontier_probability"][k], s.pct)
    s.finish(freeze="B1", widths={1: 34.0, 4: 50.0, 5: 28.0}, maximum=30.0)


# ----------------------------------------------------------------------------------- entry
def write_financial_sheets(book: BookBuilder, result: AppraisalResult, calc: Mapping[str, Any],
                           *, index: int) -> int:
    """Write the financial sheets from position *index*; return the next free position.

    Examples
    --------
    >>> from appraisal import evaluate, example_path, load_case
    >>> from appraisal.outputs.excel_results import write_results_workbook
    >>> import tempfile, openpyxl
    >>> from pathlib import Path
    >>> out = write_results_workbook(evaluate(load_case(example_path("minimal"))),
    ...                              Path(tempfile.mkdtemp()) / "results.xlsx")
    >>> "Financial measures" in openpyxl.load_workbook(out, read_only=True).sheetnames
    True
    """
    where = None
    payload = result.lenses.get("affordability")
    if payload is not None and payload.to_dict()["options"]:
        where = _financial_case(book, result, payload, index)
        _budget_view(book, result, payload, where, index + 1)
        index += 2
    _financial_measures(book, result, calc, where, index)
    index += 1
    ce = result.lenses.get("cost_effectiveness")
    if ce is not None:
        _cost_effectiveness(book, result, ce, index)
        index += 1
    return index
