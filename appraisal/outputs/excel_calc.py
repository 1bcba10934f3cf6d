"""The ``Calculation`` sheet of ``results.xlsx``: the appraisal as live Excel formulas.

Layout (years across the columns from :data:`Y0`; ``t`` in row 4, the year in row 5):

- one-year discount rates per schedule (inputs; year 0 has none) and the discount
  factors ``DF_0 = 1``, ``DF_t = DF_{t-1} / (1 + r_t)`` (mid-year timing adds rows with
  ``DF_t / (1 + r_1) ^ 0.5``: every year's flows half a year later, year 0's included).
  Excel's ``NPV()`` is never used: it discounts year 0.
- the GDP deflator index (inputs) and the nominal-to-real factor ``D_base / D_t``;
- one row per line: its inputs (price factor, scale, optimism-bias uplift, delay,
  additionality) and the real flows by year,
  ``IF(t < delay, 0, amount(t − delay) × factor(t − delay)) × scale × (1 + uplift) ×
  additionality``, where the amounts are the cells of the ``Profiles`` input sheet;
  the line's PV is ``SUMPRODUCT(flows, DF of its schedule)``;
- one row per option: PV costs, PV benefits, PV fiscal benefits, NPSV, BCR, and the PV of
  the costs and savings falling on the public budget (lines marked ``yes`` in the
  ``Public budget`` column): the BCR follows the case's ``bcr_definition``
  (:func:`appraisal.greenbook.cba.bcr_terms`), and under ``public_sector_cost`` a net cost to the
  public budget of zero or less shows "net saving to the public sector", not a ratio.

Where the engine's arrays cannot be expressed from the inputs this way (amounts stretched
for works duration or reshaped by an outcome chain, unit values by year), those arrays are
written as input rows below, and the formulas refer to them. Before anything is written,
the same arithmetic is done in numpy and compared with the engine (relative 1e-9): a
difference is a bug, and nothing is written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from appraisal.cells import column_letter
from appraisal.engine.compile import discount_factor_array
from appraisal.errors import OutputError
from appraisal.greenbook.cba import NET_SAVING
from appraisal.greenbook.discounting import factors_from_rates
from appraisal.inputs.excel_changes import formula_row_digest, pieces_row_digest
from appraisal.outputs.excel_layout import MONEY, fit_columns, fit_row_height, print_setup

if TYPE_CHECKING:
    from appraisal.engine.results import AppraisalResult
    from appraisal.outputs.excel_book import BookBuilder
    from appraisal.outputs.excel_template import InputLayout

__all__ = ["LINE_COLUMNS", "Y0", "bcr_formula_terms", "protect_formulas", "write_calculation"]

#: Columns of a line row before the years.
LINE_COLUMNS = ("Option", "Line", "Kind", "Value type", "Agency", "Schedule", "Price basis",
                "Price year", "Index at price year", "Price factor", "Scale",
                "Optimism bias uplift", "Delay (years)", "Additionality", "PV (£)",
                "Option no.", "Public budget")
#: Columns of the options table below the lines.
_OPTION_COLUMNS = ("Option", "PV costs", "PV benefits", "PV fiscal benefits", "NPSV", "BCR",
                   "Option no.", "PV public-budget costs", "PV public-budget savings")
#: Column of year t = 0.
Y0 = len(LINE_COLUMNS) + 2
_RTOL = 1e-9


def protect_formulas(book: BookBuilder, sheet: str,
                     formulas: Mapping[int, Mapping[int, str]],
                     digested: Sequence[tuple[int, int, int, str]] = ()) -> None:
    """Record every formula cell of *sheet* as protected, one range per block of rows.

    *formulas* maps each row to its formula cells (column to text). Runs of adjacent
    columns become ranges; equal runs on consecutive rows are merged, with one digest
    per row (see :func:`~appraisal.inputs.excel_changes.formula_row_digest`).
    *digested* adds runs whose digest is known, as ``(first column, last column, row,
    digest)``: no formula of *formulas* may touch them (they would be one run).
    """
    spans = list(digested)
    for c0, c1, r, _ in digested:
        if c0 - 1 in formulas.get(r, ()) or c1 + 1 in formulas.get(r, ()):
            msg = (f"results.xlsx: {sheet} row {r}: a digested run of formulas touches "
                   "another formula; nothing was written (please report this)")
            raise OutputError(msg)
    for r, row in formulas.items():
        if not row:
            continue
        cols = sorted(row)
        if cols[-1] - cols[0] == len(cols) - 1:  # one run: the common case
            runs = [cols]
        else:
            runs, run = [], [cols[0]]
            for c in cols[1:]:
                if c == run[-1] + 1:
                    run.append(c)
                else:
                    runs.append(run)
                    run = [c]
            runs.append(run)
        spans += [(run[0], run[-1], r, formula_row_digest(map(row.__getitem__, run)))
                  for run in runs]
    spans.sort(key=lambda s: (s[0], s[1], s[2]))
    group: list[Any] = []
    for c0, c1, r, digest in spans:
        if group and group[0] == c0 and group[1] == c1 and group[3] == r - 1:
            group[3] = r
            group[4].append(digest)
            continue
        if group:
            book.protect_range(sheet, (group[2], group[3]), (group[0], group[1]), "formulas",
                               group[4])
        group = [c0, c1, r, r, [digest]]
    if group:
        book.protect_range(sheet, (group[2], group[3]), (group[0], group[1]), "formulas",
                           group[4])


def _close(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise: every element within a relative 1e-9 of the other (scaled by the row)."""
    scale = np.maximum(np.abs(b).max(axis=-1, keepdims=True), 1e-300)
    return (np.abs(a - b) <= _RTOL * scale).all(axis=-1)


def write_calculation(book: BookBuilder, result: AppraisalResult, layout: InputLayout, *,
                      index: int) -> dict[str, Any]:
    """Write the ``Calculation`` sheet (its formulas protected); returns the option and
    line rows."""
    c, case = result.compiled, result.case
    ws, sheet = book.sheet("Calculation", index=index)
    T, L = c.n_years, c.n_lines
    last = column_letter(Y0 + T - 1)
    years = np.asarray(c.years)
    formulas: dict[int, dict[int, str]] = defaultdict(dict)
    digested: list[tuple[int, int, int, str]] = []  # the flows' runs, with their digests
    calc = book.style("calc", MONEY)
    plain, label = book.style("calc"), book.style("calc", bold=True)
    pct, factor = book.style("input", "0.00%"), book.style("calc", "0.000000")

    def f(r: int, col: int, text: str, cached: Any, style: int = calc) -> None:
        sheet.formula(r, col, text, cached, style)
        formulas[r][col] = text

    sheet.text(1, 1, "Calculation: live formulas (do not edit; change the inputs)", book.title)
    timing_note = ("Mid-year timing: every year's flows, year 0's included, arrive mid-year "
                   f"and are discounted to the start of {case.base_year}; DF_mid(t) = DF_t / "
                   "(1 + r_1)^0.5." if case.timing == "mid" else
                   f"Year 0 ({case.base_year}) is not discounted.")
    sheet.text(2, 1, f"{result.price_label}. {timing_note} DF_t = DF_{{t-1}} / (1 + r_t).",
               book.style(italic=True))
    for col, width in ((1, 30), (2, 34)):
        ws.column_dimensions[column_letter(col)].width = width
    sheet.text(4, 1, "Year index t", label)
    sheet.text(5, 1, "Year", label)
    sheet.numbers(4, Y0, np.arange(T), book.style("calc", "0"))
    year_style = book.style("calc", "0", bold=True)
    for k in range(T):
        f(5, Y0 + k, f"base_year+{column_letter(Y0 + k)}$4", int(years[k]), year_style)
    # --- discount rates and factors ----------------------------------------------------
    r = 7
    sheet.text(r, 1, "Discount rates (one-year, inputs) and discount factors", label)
    rate_row, df_row, used_row = {}, {}, {}
    ends = factors_from_rates(c.rates, timing="end")
    used = discount_factor_array(c)[0]
    mid = case.timing == "mid"
    for s, name in enumerate(c.schedule_names):
        r += 1
        rate_row[s] = r
        sheet.text(r, 1, f"Rate r_t: {name}", plain)
        sheet.text(r, 2, "% a year (t ≥ 1)", plain)
        sheet.numbers(r, Y0 + 1, c.rates[s], pct)
    for s, name in enumerate(c.schedule_names):
        r += 1
        df_row[s] = used_row[s] = r
        sheet.text(r, 1, f"Discount factor: {name}" + (" (end of year)" if mid else ""), plain)
        sheet.number(r, Y0, 1, factor)
        for k in range(1, T):
            prev, col = column_letter(Y0 + k - 1), column_letter(Y0 + k)
            f(r, Y0 + k, f"{prev}{r}/(1+{col}{rate_row[s]})", float(ends[s, k]), factor)
    if mid:
        for s, name in enumerate(c.schedule_names):
            r += 1
            used_row[s] = r
            sheet.text(r, 1, f"Discount factor: {name} (mid-year, used)", plain)
            first_rate = f"${column_letter(Y0 + 1)}${rate_row[s]}"
            for k in range(T):
                col = column_letter(Y0 + k)
                f(r, Y0 + k, f"{col}{df_row[s]}/(1+{first_rate})^0.5", float(used[s, k]),
                  factor)
    # --- prices ----------------------------------------------------------------------------
    pb = case.price_base_year
    nominal_row = base_cell = None
    if c.deflator is not None:
        r += 2
        sheet.text(r, 1, f"GDP deflator ({c.deflator.basis} years, inputs)", label)
        r += 1
        index_row = r
        sheet.text(r, 1, "Index by year", plain)
        sheet.numbers(r, Y0, c.deflator.at(years), book.style("input", "0.000"))
        r += 1
        sheet.text(r, 1, f"Index in the price base year ({pb})", plain)
        base_cell = f"$J${r}"
        d_base = float(c.deflator.at([pb])[0])
        sheet.number(r, 10, d_base, book.style("input", "0.000"))
        r += 1
        nominal_row = r
        sheet.text(r, 1, "Nominal to real factor", plain)
        for k in range(T):
            col = column_letter(Y0 + k)
            f(r, Y0 + k, f"{base_cell}/{col}{index_row}",
              d_base / float(c.deflator.at([years[k]])[0]), factor)
    # --- lines -----------------------------------------------------------------------------
    r += 2
    head = r
    sheet.text(head - 1, 1, "Lines: real flows by year (£, real) and present values", label)
    for col, name in enumerate(LINE_COLUMNS, start=1):
        sheet.text(head, col, name, book.header)
    sheet.text(head, Y0, "Real flows by year →", book.header)
    first = head + 1
    rows = [first + i for i in range(L)]
    extra = rows[-1] + 3 if L else first + 2
    extra_rows: list[tuple[str, np.ndarray, str]] = []
    resolved = np.zeros((L, T))
    for i, line in enumerate(case.lines):
        for year, amount in line.profile.resolve().items():
            resolved[i, year - case.base_year] = amount
    quantities = c.quantities if getattr(c, "quantities", None) is not None else c.amounts
    value_paths = getattr(c, "value_paths", None)
    value_paths = np.ones((L, T)) if value_paths is None else value_paths
    additionality = getattr(c, "additionality", None)
    additionality = np.ones(L) if additionality is None else np.asarray(additionality)
    factors = value_paths * c.price_factors
    mirror_real = quantities * factors * additionality[:, None]
    exact = _close(mirror_real, c.real) if L else np.zeros(0, bool)
    own_amounts = _close(quantities, resolved) if L else np.zeros(0, bool)
    pf_formula = (value_paths == 1.0).all(axis=1) if L else np.ones(0, bool)
    if nominal_row is None:  # no deflator rows: nominal lines take factors by year
        pf_formula &= np.array([line.price_basis != "nominal" for line in case.lines], bool)
    text_cell = book.style("calc")
    money_in = book.style("input", "#,##0.00")
    pv_mirror = np.zeros(L)
    letters = [column_letter(Y0 + k) for k in range(T)]
    real_mirror = np.zeros((L, T))
    for i, line in enumerate(case.lines):
        r = rows[i]
        ob = float(c.ob_uplift[i])
        py = line.price_year if line.price_basis == "real" else None
        for col, value in enumerate((line.option, line.name, line.kind, line.value_type,
                                     line.agency, c.schedule_names[c.line_schedule[i]],
                                     line.price_basis), start=1):
            sheet.text(r, col, value or "", text_cell)
        sheet.any(r, 8, py, book.style("calc", "0"))
        # amounts and per-year factors: from the inputs where the engine's arrays match them
        fallback = not exact[i]
        if fallback:
            qty_ref = _extra(extra_rows, extra, c.real[i],
                             f"Real amounts before optimism bias: {line.option} / {line.name}")
            per_year, line_factor, add_value = None, 1.0, 1.0
            qty_value, fac_value = c.real[i], np.ones(T)
        else:
            add_value = float(additionality[i])
            if own_amounts[i]:
                p = layout.profile_rows[i]
                a0 = column_letter(layout.first_year_col)
                a1 = column_letter(layout.first_year_col + T - 1)
                qty_ref = f"Profiles!${a0}{p}:${a1}{p}"
            else:
                qty_ref = _extra(extra_rows, extra, quantities[i],
                                 "Amounts after stretch or outcome timing: "
                                 f"{line.option} / {line.name}")
            qty_value = quantities[i]
            fac_value = factors[i]
            per_year, line_factor = None, None
            if not pf_formula[i]:
                per_year = _extra(extra_rows, extra, factors[i],
                                  f"Value and price factor by year: {line.option} / {line.name}")
            elif line.price_basis == "nominal":
                per_year = f"${column_letter(Y0)}${nominal_row}:${last}${nominal_row}"
            else:
                line_factor = float(c.price_factors[i, 0])
        if line_factor is not None and (fallback or py is None or py == pb or base_cell is None):
            sheet.number(r, 10, line_factor, factor)
        elif line_factor is not None:
            d_py = float(c.deflator.at([py])[0])  # type: ignore[union-attr]
            sheet.number(r, 9, d_py, book.style("input", "0.000"))
            f(r, 10, f"{base_cell}/I{r}", line_factor, factor)
        else:
            sheet.text(r, 10, "by year", text_cell)
        sheet.number(r, 11, float(c.scale[i]), book.style("input", "0.0000"))
        sheet.number(r, 12, ob, pct)
        sheet.number(r, 13, int(c.delay[i]), book.style("input", "0"))
        sheet.number(r, 14, add_value, book.style("input", "0.0000"))
        sheet.number(r, 16, int(c.line_option[i]) + 1, book.style("calc", "0"))
        sheet.text(r, 17, "yes" if c.in_public_budget[i] else "no", text_cell)
        d = int(c.delay[i])
        shifted = np.zeros(T)
        if d < T:
            shifted[d:] = (qty_value * fac_value)[: T - d]
        real_mirror[i] = shifted * float(c.scale[i]) * (1.0 + ob) * add_value
        # IF(col$4<$Mr,0,INDEX(amounts,1,col$4-$Mr+1)*factor)*$Kr*(1+$Lr)*$Nr, where the
        # factor is $Jr or INDEX(factors by year,1,col$4-$Mr+1); each year's formula is
        # its column letter joined with the same pieces (the XML and digest of the row
        # are made from them, not from 60 formulas)
        a, b = f"$4<$M{r},0,INDEX({qty_ref},1,", f"$4-$M{r}+1)*"
        end = f")*$K{r}*(1+$L{r})*$N{r}"
        if per_year:
            pieces = ["IF(", a, f"{b}INDEX({per_year},1,", b[:-1] + end]
        else:
            pieces = ["IF(", a, f"{b}$J{r}{end}"]
        sheet.formula_pieces(r, Y0, pieces, result.real_flows[i], calc)
        if T:
            digested.append((Y0, Y0 + T - 1, r, pieces_row_digest(pieces, letters)))
        dfr = used_row[int(c.line_schedule[i])]
        pv_mirror[i] = float(real_mirror[i] @ used[int(c.line_schedule[i])])
        f(r, 15, f"SUMPRODUCT({column_letter(Y0)}{r}:{last}{r},"
          f"${column_letter(Y0)}${dfr}:${last}${dfr})", float(result.pv_lines[i]))
    _verify(result, real_mirror, pv_mirror, c.is_cost, c.line_option)
    # --- extra input rows ------------------------------------------------------------------
    for k, (name, values, _) in enumerate(extra_rows):
        rr = extra + k
        sheet.text(rr, 1, name, plain)
        sheet.numbers(rr, Y0, values, money_in)
    if extra_rows:
        sheet.text(extra - 1, 1, "Arrays from the engine used above (inputs)", label)
    # --- options ---------------------------------------------------------------------------
    r = extra + len(extra_rows) + 2
    sheet.text(r - 1, 1, "Options", label)
    for col, name in enumerate(_OPTION_COLUMNS, start=1):
        sheet.text(r, col, name, book.header)
    lo, hi = first, max(first + L - 1, first)
    pv_public = np.asarray(result.pv_lines, dtype=float) * c.in_public_budget
    pub_costs = (pv_public * c.is_cost) @ c.option_matrix
    pub_savings = (pv_public * ~c.is_cost) @ c.option_matrix
    option_rows = []
    span = lambda col: f"${col}${lo}:${col}${hi}"  # noqa: E731
    for o, m in enumerate(result.options):
        rr = r + 1 + o
        option_rows.append(rr)
        sheet.text(rr, 1, m.name, text_cell)
        sheet.number(rr, 7, o + 1, book.style("calc", "0"))
        crit = f"{span('P')},$G{rr}"
        f(rr, 2, f'SUMIFS({span("O")},{crit},{span("C")},"cost")', m.pv_costs)
        f(rr, 3, f'SUMIFS({span("O")},{crit},{span("C")},"benefit")', m.pv_benefits)
        f(rr, 4, f'SUMIFS({span("O")},{crit},{span("C")},"benefit",{span("D")},"fiscal")',
          m.pv_fiscal_benefits)
        f(rr, 5, f"C{rr}-B{rr}", m.npsv)
        public = f'{span("Q")},"yes"'
        f(rr, 8, f'SUMIFS({span("O")},{crit},{span("C")},"cost",{public})',
          float(pub_costs[o]))
        f(rr, 9, f'SUMIFS({span("O")},{crit},{span("C")},"benefit",{public})',
          float(pub_savings[o]))
        num, den, undefined = bcr_formula_terms(case.bcr_definition, rr)
        bcr = undefined if m.bcr is None else m.bcr
        f(rr, 6, f'IF({den}>0,{num}/{den},"{undefined}")', bcr, book.style("calc", "0.00"))
    fit_columns(book, ws, sheet, skip_rows=(1, 2), maximum=45, fixed={Y0 - 1: 2})
    fit_row_height(ws, sheet, head, dict(enumerate(LINE_COLUMNS, start=1)))
    fit_row_height(ws, sheet, r, dict(enumerate(_OPTION_COLUMNS, start=1)))
    print_setup(ws, sheet, title_rows="4:5", title_cols="A:B", fit_width=False,
                freeze=f"C{first}")
    ws.page_setup.scale = 70
    counterfactual = next(o for o, m in enumerate(result.options) if m.counterfactual)
    protect_formulas(book, "Calculation", formulas, digested)
    return {"option_rows": option_rows, "counterfactual": counterfactual, "line_rows": rows}


def bcr_formula_terms(definition: str, row: int, base: int | None = None,
                      sheet: str = "") -> tuple[str, str, str]:
    """Excel numerator, denominator and undefined label of a BCR on the Calculation sheet.

    ``row`` is an option row of the Calculation sheet; with ``base`` (the counterfactual's
    row) the terms are incremental. Columns: B PV costs, C PV benefits, H public-budget
    costs, I public-budget savings (see :func:`appraisal.greenbook.cba.bcr_terms`).

    Examples
    --------
    >>> bcr_formula_terms("benefit_cost", 30)
    ('(C30)', '(B30)', 'n/a')
    >>> bcr_formula_terms("public_sector_cost", 31, 30)[1]
    '((H31-H$30)-(I31-I$30))'
    """
    def term(col: str) -> str:
        return f"{sheet}{col}{row}" + (f"-{sheet}{col}${base}" if base is not None else "")

    if definition == "benefit_cost":
        return f"({term('C')})", f"({term('B')})", "n/a"
    pvc = f"(({term('H')})-({term('I')}))"
    pvb = f"((({term('C')})-({term('I')}))-(({term('B')})-({term('H')})))"
    if base is None:
        pvc = f"({sheet}H{row}-{sheet}I{row})"
        pvb = f"(({sheet}C{row}-{sheet}I{row})-({sheet}B{row}-{sheet}H{row}))"
    return pvb, pvc, NET_SAVING


def _extra(rows: list[tuple[str, np.ndarray, str]], start: int, values: np.ndarray,
           name: str) -> str:
    """Add an input row of engine values below the lines; returns its range."""
    r = start + len(rows)
    ref = f"${column_letter(Y0)}${r}:${column_letter(Y0 + values.size - 1)}${r}"
    rows.append((name, np.asarray(values, dtype=float), ref))
    return ref


def _verify(result: AppraisalResult, real: np.ndarray, pv: np.ndarray, is_cost: np.ndarray,
            option: np.ndarray) -> None:
    """The formulas' arithmetic, done in numpy, must give the engine's numbers."""
    if real.size and not _close(real, np.asarray(result.real_flows)).all():
        bad = int(np.flatnonzero(~_close(real, np.asarray(result.real_flows)))[0])
        msg = (f"results.xlsx: the formulas for line '{result.case.lines[bad].name}' would not "
               "reproduce the engine's real flows; nothing was written (please report this)")
        raise OutputError(msg)
    if pv.size and not _close(pv[None, :], np.asarray(result.pv_lines)[None, :]).all():
        msg = ("results.xlsx: the formulas would not reproduce the engine's present values; "
               "nothing was written (please report this)")
        raise OutputError(msg)
    for o, m in enumerate(result.options):
        mine = option == o
        totals = np.array([pv[mine & is_cost].sum(), pv[mine & ~is_cost].sum()])
        engine = np.array([m.pv_costs, m.pv_benefits])
        if not _close(totals[None, :], engine[None, :]).all():
            msg = (f"results.xlsx: option '{m.name}': the engine's PV costs and benefits are "
                   "not the sums of its line PVs, so the formulas would disagree; nothing was "
                   "written (please report this)")
            raise OutputError(msg)
