"""The ``Sensitivity`` sheet of ``results.xlsx``: one-way and scenario tables, live.

Both tables are formulas over the line present values of the ``Calculation`` sheet, so a
what-if in an input (a profile amount, a scale, a discount rate) moves them as it moves the
NPSV on the Summary:

- **one-way**: each category of cost or benefit (lines of one kind and category) made
  lower and higher by the *Change* (20% unless edited; a blue input cell) in every option
  at once: each option's NPSV and the preferred option either way. A line's PV is linear
  in its amounts, so NPSV(category × (1 ± c)) = NPSV ± c × PV of the category (− for
  costs);
- **scenarios**: the named scenarios of the case's ``uncertainty:`` section. An input that
  multiplies lines (``scale``, ``value_multiplier``, ``additionality``) multiplies their
  PVs, so a scenario's NPSV is ``SUMPRODUCT`` of the lines' PVs, signs and multipliers
  (the scenario's values are blue input cells). A scenario that moves an input of any
  other field (a delay, drop-off, discount-rate shift, η, optimism bias) is not linear in
  the PVs: its column holds the engine's values, marked as values, with a note.

The lines' block at the foot of the sheet (their PV linked to the Calculation sheet, the
sign and each scenario's multiplier) is what the formulas sum. The cached values are
computed here from the engine's line PVs, and the scenario values are checked against the
engine's own scenario table (relative 1e-9) before anything is written.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

import numpy as np

from appraisal.cells import column_letter
from appraisal.errors import OutputError
from appraisal.outputs.excel_calc import protect_formulas
from appraisal.outputs.excel_layout import MONEY, fit_columns, fit_row_height, print_setup

if TYPE_CHECKING:
    from appraisal.engine.results import AppraisalResult
    from appraisal.outputs.excel_book import BookBuilder

__all__ = ["LINEAR_FIELDS", "ONE_WAY_CHANGE", "write_sensitivity"]

#: Fields of uncertain inputs that multiply a line's flows, hence its PV.
LINEAR_FIELDS = ("scale", "value_multiplier", "additionality")
#: The default change of the one-way table (each category ± 20%).
ONE_WAY_CHANGE = 0.2
_NO_CATEGORY = "(no category)"
_ONE_WAY_HEADERS = ("Kind", "Category", "Option", "Change (±)", "PV of the category (£)",
                    "NPSV (£)", "NPSV, category lower (£)", "NPSV, category higher (£)",
                    "Preferred option if lower", "Preferred option if higher")


def _scenarios(result: AppraisalResult) -> tuple[Any, dict[str, Any]]:
    """The case's uncertainty section and its scenarios (None, {} without)."""
    spec = result.case.sections.get("uncertainty")
    scenarios = dict(getattr(spec, "scenarios", None) or {})
    return (spec, scenarios) if scenarios else (None, {})


def write_sensitivity(book: BookBuilder, result: AppraisalResult, calc: dict[str, Any], *,
                      index: int) -> dict[str, Any]:
    """Write the ``Sensitivity`` sheet; returns where its tables are (for tests).

    Raises
    ------
    OutputError
        If the formulas' values would differ from the engine's scenario NPSVs.
    """
    case = result.case
    c = result.compiled
    ws, sheet = book.sheet("Sensitivity", index=index)
    formulas: dict[int, dict[int, str]] = defaultdict(dict)
    money, text = book.style("calc", MONEY), book.style("calc")
    label = book.style("calc", bold=True)

    def f(r: int, col: int, formula: str, cached: Any, style: int = money) -> None:
        sheet.formula(r, col, formula, cached, style)
        formulas[r][col] = formula

    options = [m.name for m in result.options]
    npsv = np.array([m.npsv for m in result.options], dtype=float)
    pv = np.asarray(result.pv_lines, dtype=float)
    sign = np.where(c.is_cost, -1.0, 1.0)
    line_option = np.asarray(c.line_option, dtype=int)
    cats = [(line.kind, line.category or _NO_CATEGORY) for line in case.lines]
    groups = sorted(set(cats), key=lambda kc: (kc[0] != "cost", kc[1]))
    spec, scenarios = _scenarios(result)
    names = list(scenarios)
    inputs = [] if spec is None else [i for i in spec.inputs
                                      if any(i.name in s for s in scenarios.values())]
    live = {s: all(i.field in LINEAR_FIELDS for i in spec.inputs if i.name in scenarios[s])
            for s in names} if spec is not None else {}

    sheet.text(1, 1, "Sensitivity: how the NPSV moves", book.title)
    sheet.text(2, 1, "Live formulas over the line present values of the Calculation sheet: "
               "change a blue cell (a change, a scenario value) or any input and they follow. "
               f"{result.price_label}.", book.style(italic=True))
    # --- the lines' block (at the foot; the tables refer to it) ------------------------------
    n_scen_rows = (len(inputs) + 3 + len(options) + 2 + 2) if names else 0
    one_way_top = 4
    one_way_rows = len(groups) * len(options)
    scen_top = one_way_top + 2 + one_way_rows + 2
    block_top = scen_top + n_scen_rows + 1
    head = block_top + 1
    lo, hi = head + 1, head + len(case.lines)
    block_cols = ("Option", "Line", "Kind", "Category", "Sign", "PV (£)",
                  *[f"Multiplier: {s}" for s in names])
    sheet.text(block_top, 1, "Lines used above: PV from the Calculation sheet, sign (+1 "
               "benefit, −1 cost) and each scenario's multiplier", label)
    for col, name in enumerate(block_cols, start=1):
        sheet.text(head, col, name, book.header)
    line_rows = calc["line_rows"]
    span = {k: f"${column_letter(k)}${lo}:${column_letter(k)}${hi}"
            for k in range(1, 7 + len(names))}
    # --- scenario inputs (rows of the scenario table refer to them) --------------------------
    input_row = {inp.name: scen_top + 2 + k for k, inp in enumerate(inputs)}
    multipliers = np.ones((len(names), len(case.lines)))
    for s, scen in enumerate(names):
        for inp in inputs:
            if inp.name in scenarios[scen] and inp.field in LINEAR_FIELDS:
                multipliers[s, list(inp.lines)] *= float(scenarios[scen][inp.name])
    for i, line in enumerate(case.lines):
        r = lo + i
        for col, value in enumerate((options[line_option[i]], line.name, line.kind,
                                     cats[i][1]), start=1):
            sheet.text(r, col, value, text)
        sheet.number(r, 5, float(sign[i]), book.style("calc", "+0;-0"))
        f(r, 6, f"Calculation!O{line_rows[i]}", float(pv[i]))
        for s, scen in enumerate(names):
            cells = [f"${column_letter(3 + s)}${input_row[inp.name]}" for inp in inputs
                     if inp.field in LINEAR_FIELDS and i in inp.lines]
            if cells and live[scen]:
                f(r, 7 + s, "*".join(cells), float(multipliers[s, i]),
                  book.style("calc", "0.00"))
            else:
                sheet.number(r, 7 + s, 1.0, book.style("calc", "0.00"))
    # --- one-way table ------------------------------------------------------------------------
    sheet.text(one_way_top, 1, f"One-way: each category of cost or benefit changed by the "
               f"Change in every option at once ({ONE_WAY_CHANGE:.0%} unless you change it)",
               label)
    hr = one_way_top + 1
    for col, name in enumerate(_ONE_WAY_HEADERS, start=1):
        sheet.text(hr, col, name, book.header)
    r = hr + 1
    one_way: list[dict[str, Any]] = []
    for kind, cat in groups:
        first, last = r, r + len(options) - 1
        in_group = np.array([kc == (kind, cat) for kc in cats], bool)
        s_ = 1.0 if kind == "benefit" else -1.0
        cat_pv = np.array([pv[in_group & (line_option == o)].sum() for o in range(len(options))])
        low, high = npsv - s_ * ONE_WAY_CHANGE * cat_pv, npsv + s_ * ONE_WAY_CHANGE * cat_pv
        for o, name in enumerate(options):
            sheet.text(r, 1, kind, text)
            sheet.text(r, 2, cat, text)
            sheet.text(r, 3, name, text)
            if o == 0:
                sheet.number(r, 4, ONE_WAY_CHANGE, book.style("input", "0%"))
            else:
                f(r, 4, f"D{first}", ONE_WAY_CHANGE, book.style("calc", "0%"))
            f(r, 5, f'SUMIFS({span[6]},{span[1]},$C{r},{span[3]},$A{r},{span[4]},$B{r})',
              float(cat_pv[o]))
            f(r, 6, f"Calculation!E{calc['option_rows'][o]}", float(npsv[o]))
            lower, higher = ("-", "+") if kind == "benefit" else ("+", "-")
            f(r, 7, f"F{r}{lower}D{r}*E{r}", float(low[o]))
            f(r, 8, f"F{r}{higher}D{r}*E{r}", float(high[o]))
            r += 1
        for col, values, src in ((9, low, "G"), (10, high, "H")):
            rng = f"${src}${first}:${src}${last}"
            f(first, col, f"INDEX($C${first}:$C${last},MATCH(MAX({rng}),{rng},0))",
              options[int(np.argmax(values))], text)
        one_way.append({"kind": kind, "category": cat, "rows": (first, last),
                        "lower": low, "higher": high})
    # --- scenarios ----------------------------------------------------------------------------
    out: dict[str, Any] = {"one_way": one_way, "scenario_rows": {}, "scenarios": names,
                           "live": live}
    if names:
        engine = _engine_scenarios(result)
        sheet.text(scen_top, 1, "Scenarios of the case (its uncertainty section): the values "
                   "each sets (1 = the case's own value) and each option's NPSV", label)
        hr = scen_top + 1
        for col, name in enumerate(("Input", "Moves", *names), start=1):
            sheet.text(hr, col, name, book.header)
        for inp in inputs:
            rr = input_row[inp.name]
            sheet.text(rr, 1, inp.name, text)
            sheet.text(rr, 2, inp.field.replace("_", " "), text)
            for s, scen in enumerate(names):
                value = scenarios[scen].get(inp.name)
                if value is None and inp.field in LINEAR_FIELDS:
                    value = 1.0  # the case's own value of a multiplier
                if value is None:
                    sheet.text(rr, 3 + s, "(case value)", text)
                else:
                    sheet.number(rr, 3 + s, float(value), book.style(
                        "input" if live[scen] and inp.field in LINEAR_FIELDS else "calc",
                        "0.00"))
        top = scen_top + 2 + len(inputs) + 1
        for col, name in enumerate(("Option", "Central (the case) (£)",
                                    *[f"{s} (£)" for s in names]), start=1):
            sheet.text(top, col, name, book.header)
        for o, name in enumerate(options):
            rr = top + 1 + o
            out["scenario_rows"][name] = rr
            sheet.text(rr, 1, name, text)
            f(rr, 2, f"Calculation!E{calc['option_rows'][o]}", float(npsv[o]))
            for s, scen in enumerate(names):
                mine = float(np.sum((line_option == o) * sign * pv * multipliers[s]))
                if live[scen]:
                    col = column_letter(7 + s)
                    rng = f"${col}${lo}:${col}${hi}"
                    f(rr, 3 + s, f"SUMPRODUCT(({span[1]}=$A{rr})*{span[5]}*{span[6]}*{rng})",
                      mine)
                    _agree(mine, float(engine[scen][o]), scen, name)
                else:
                    sheet.number(rr, 3 + s, float(engine[scen][o]), money)
        pr = top + 1 + len(options)
        sheet.text(pr, 1, "Preferred option (highest NPSV)", book.bold)
        first_o, last_o = top + 1, top + len(options)
        for s, scen in enumerate(["central", *names]):
            col = column_letter(2 + s)
            rng = f"{col}${first_o}:{col}${last_o}"
            values = npsv if scen == "central" else (
                engine[scen] if not live[scen] else
                np.array([np.sum((line_option == o) * sign * pv * multipliers[s - 1])
                          for o in range(len(options))]))
            f(pr, 2 + s, f"INDEX($A${first_o}:$A${last_o},MATCH(MAX({rng}),{rng},0))",
              options[int(np.argmax(values))], book.bold)
        out["preferred_row"] = pr
        fixed = [s for s in names if not live[s]]
        note = ("Every scenario moves only inputs that multiply lines, so each is a live "
                "formula." if not fixed else
                f"Scenario(s) {', '.join(fixed)} move inputs that do not multiply lines (a "
                "delay, drop-off, discount rate, η or optimism bias): their columns hold the "
                "engine's values of this run and do not follow a what-if.")
        sheet.text(pr + 1, 1, note, book.style(italic=True))
    fit_columns(book, ws, sheet, skip_rows=(1, 2, one_way_top, scen_top, block_top,
                                            (out.get("preferred_row") or 0) + 1),
                maximum=40)
    fit_row_height(ws, sheet, one_way_top + 1, dict(enumerate(_ONE_WAY_HEADERS, start=1)))
    fit_row_height(ws, sheet, head, dict(enumerate(block_cols, start=1)))
    print_setup(ws, sheet, title_rows=f"{one_way_top + 1}:{one_way_top + 1}",
                freeze=f"A{one_way_top + 2}")
    protect_formulas(book, "Sensitivity", formulas)
    out.update(block=(lo, hi), one_way_top=one_way_top)
    return out


def _engine_scenarios(result: AppraisalResult) -> dict[str, np.ndarray]:
    """NPSV by option of each named scenario, by the engine (the uncertainty lens's table)."""
    payload = result.lenses.get("uncertainty")
    rows = getattr(payload, "scenarios", None)
    if not rows:
        from appraisal.lenses.uncertainty.case_model import CaseModel
        from appraisal.lenses.uncertainty.deterministic import scenario_table

        rows = scenario_table(CaseModel(result.case, compiled=result.compiled))
    names = [m.name for m in result.options]
    out = {}
    for row in rows:
        values = row["npsv"]
        out[row["scenario"]] = np.array([values[n] for n in names] if isinstance(values, dict)
                                        else values, dtype=float)
    return out


def _agree(mine: float, engine: float, scenario: str, option: str) -> None:
    if not np.isclose(mine, engine, rtol=1e-9, atol=1e-6):
        msg = (f"results.xlsx: scenario '{scenario}', option '{option}': the Sensitivity "
               f"formulas give {mine!r} but the engine {engine!r}; this is a bug, please "
               "report it")
        raise OutputError(msg)
