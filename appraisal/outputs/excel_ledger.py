"""The ``Ledger`` and ``Switching values`` sheets of ``results.xlsx``, live.

``Ledger``
    PV costs, PV benefits and net position of each agency in each option, as formulas
    over the line rows of the ``Calculation`` sheet: ``SUMPRODUCT`` of the lines' PVs
    where the line's option, agency and kind match (``EXACT``, so names are compared as
    the engine compares them, case and all, and never as wildcards). A line's agency is
    the one the run used, the unit-value pack's included; a line with no agency belongs
    to "(unassigned)", as in the ledger lens (:func:`appraisal.lenses.ledger.agency_ledger`).
    A total per option, the same table by value type (fiscal, economic, social,
    unclassified), and the engine's numbers beside each formula with a check.
``Switching values``
    The engine's switching values (:func:`appraisal.lenses.pipeline.evaluate`,
    :func:`appraisal.greenbook.cba.switching_value`) in words, change as a percentage.
    The PV of each line or category is a formula (the signed sum of its lines' PVs). The
    break-even test of an option other than business as usual is closed form, ``x =
    −(NPSV_o − NPSV_BAU) / PV`` (none when PV is zero or ``x < −1``), so it is a formula
    on the Calculation sheet's option rows; the other tests depend on which option is
    preferred, the runner-up or the best alternative (chosen by the run), so they stay
    the run's values, marked as such.

Before anything is written the formulas' arithmetic is done in numpy and compared with
the engine (relative 1e-9); a difference is a bug and nothing is written. Every formula
carries the engine's number as its cached value and is protected as the Summary's are.

Examples
--------
Both sheets of the minimal example's ``results.xlsx`` (:func:`write_ledger`,
:func:`write_switching`):

>>> import tempfile, openpyxl
>>> from pathlib import Path
>>> from appraisal import evaluate, example_path, load_case
>>> from appraisal.outputs.excel_results import write_results_workbook
>>> result = evaluate(load_case(example_path("minimal")))
>>> path = write_results_workbook(result, Path(tempfile.mkdtemp()) / "results.xlsx")
>>> book = openpyxl.load_workbook(path)
>>> ws = book["Ledger"]
>>> ws["A6"].value, ws["B6"].value, ws["C6"].value[:34]
('(unassigned)', 'New service', '=SUMPRODUCT(Calculation!$O$12:$O$1')
>>> ws = book["Switching values"]
>>> ws["D5"].value
"NPSV against business as usual of 'New service' becomes zero"
>>> ws["G5"].value, ws["I5"].value, ws["E5"].value[:8]
('=-Calculation!$O$12', 'Live formula', '=IF(G5=0')
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from appraisal.cells import column_letter
from appraisal.engine.headline import LABELS
from appraisal.errors import OutputError
from appraisal.greenbook.cba import Conclusion
from appraisal.lenses.ledger import BENEFIT_TYPES, COST_TYPES, UNASSIGNED, agency_ledger
from appraisal.outputs.excel_calc import LINE_COLUMNS, protect_formulas
from appraisal.outputs.excel_layout import (
    MONEY,
    PERCENT,
    fit_columns,
    fit_row_height,
    print_setup,
    shown,
    wrapped_lines,
)

if TYPE_CHECKING:
    from appraisal.engine.results import AppraisalResult
    from appraisal.outputs.excel_book import BookBuilder

__all__ = ["LIVE_FORMULA", "NO_SWITCHING_VALUE", "RUN_VALUE", "VALUE_TYPE_WORDS", "write_ledger",
           "write_switching"]

#: What the Change column shows where no switching value exists (``None`` in results.json).
NO_SWITCHING_VALUE = "none"
#: The value types of the ledger in words (the lens's costs columns; fiscal benefits are
#: cashable and non-cashable together here).
VALUE_TYPE_WORDS = {"fiscal": "Fiscal", "economic": "Economic", "social": "Social",
                    "unclassified": "Unclassified (no value type)"}
_LEDGER_HEADERS = ("Agency", "Option", LABELS["pv_costs"], LABELS["pv_benefits"],
                   "Net position (£)", "PV costs (engine run)", "PV benefits (engine run)",
                   "Net position (engine run)", "Difference (£)")
_SWITCH_HEADERS = ("Applies to", "Line or input", "Option", "Test", "Change needed",
                   "Change needed (engine run)", "Present value (£)",
                   "Present value (engine run) (£)", "How the change is worked out", "Note",
                   "Check")
#: How a switching value of the sheet is worked out (the "How" column).
LIVE_FORMULA = "Live formula"
RUN_VALUE = "Value of this run"
_RTOL = 1e-9
_TOLERANCE = 1e-6  # the check cells' relative tolerance, as the Summary's


def _col(name: str) -> str:
    """The letter of a line column of the Calculation sheet, by its name."""
    return column_letter(LINE_COLUMNS.index(name) + 1)


def _span(calc: dict[str, Any], name: str) -> str:
    """A line column of the Calculation sheet over its line rows ("" when it has none)."""
    rows = calc["line_rows"]
    if not rows:
        return ""
    c = _col(name)
    return f"Calculation!${c}${rows[0]}:${c}${rows[-1]}"


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= _RTOL * max(abs(a), abs(b), 1.0)


def _text(value: str) -> str:
    """A text literal of a formula."""
    return '"' + value.replace('"', '""') + '"'


def write_ledger(book: BookBuilder, result: AppraisalResult, calc: dict[str, Any], *,
                 index: int) -> dict[str, Any]:
    """Write the ``Ledger`` sheet; returns its rows by (option, agency) and (option,
    value type), and the check cell (for tests).

    Raises
    ------
    OutputError
        If the formulas' sums would differ from the engine's ledger.

    The module example shows the sheet.
    """
    case, c = result.case, result.compiled
    ws, sheet = book.sheet("Ledger", index=index)
    formulas: dict[int, dict[int, str]] = defaultdict(dict)
    money, text = book.style("calc", MONEY), book.style("calc")
    bold_money, bold = book.style("calc", MONEY, bold=True), book.style("calc", bold=True)

    def f(r: int, col: int, formula: str, cached: Any, style: int = money) -> None:
        sheet.formula(r, col, formula, cached, style)
        formulas[r][col] = formula

    ledger = agency_ledger(c, result.pv_lines)
    names = list(c.option_names)
    pv = np.asarray(result.pv_lines, dtype=float)
    is_cost = np.asarray(c.is_cost, dtype=bool)
    line_option = np.asarray(c.line_option, dtype=int)
    agency_of = [ln.agency or UNASSIGNED for ln in case.lines]
    vt_of = [ln.value_type or "unclassified" for ln in case.lines]
    pv_col, option_col, kind_col = (_span(calc, n) for n in ("PV (£)", "Option", "Kind"))
    agency_col, vt_col = _span(calc, "Agency"), _span(calc, "Value type")

    sheet.text(1, 1, "Ledger: who pays and who benefits", book.title)
    sheet.text(2, 1, f"Present values by agency and by value type, in each option "
               f"({result.price_label}).", book.style(italic=True))
    sheet.text(3, 1, "Live formulas over the line rows of the Calculation sheet; the "
               "engine's numbers of this run beside them.", book.style(italic=True))
    for col, name in enumerate(_LEDGER_HEADERS, start=1):
        sheet.text(4, col, name, book.header)

    def block(r: int, label: str, o: int, criterion: str, mine: np.ndarray,
              engine: tuple[float, float]) -> None:
        """One row: costs, benefits and net of the lines of option o meeting *criterion*."""
        sheet.text(r, 1, label, text)
        sheet.text(r, 2, names[o], text)
        base = f"EXACT({option_col},$B{r})*{criterion}"
        cost = float(pv[mine & is_cost].sum())
        benefit = float(pv[mine & ~is_cost].sum())
        for got, want, what in ((cost, engine[0], "PV costs"),
                                (benefit, engine[1], "PV benefits")):
            if not _close(got, want):
                msg = (f"results.xlsx: Ledger, {label} in '{names[o]}': the formulas give "
                       f"{what} {got!r} but the engine's ledger {want!r}; nothing was "
                       "written (please report this)")
                raise OutputError(msg)
        f(r, 3, f'SUMPRODUCT({pv_col},{base}*({kind_col}="cost"))', engine[0])
        f(r, 4, f'SUMPRODUCT({pv_col},{base}*({kind_col}="benefit"))', engine[1])
        f(r, 5, f"D{r}-C{r}", engine[1] - engine[0])
        engine_cells(r, engine)

    def engine_cells(r: int, engine: tuple[float, float], style: int = money) -> None:
        sheet.number(r, 6, engine[0], style)
        sheet.number(r, 7, engine[1], style)
        sheet.number(r, 8, engine[1] - engine[0], style)
        f(r, 9, f"ABS(C{r}-F{r})+ABS(D{r}-G{r})+ABS(E{r}-H{r})", 0.0, style)

    out: dict[str, Any] = {"agency_rows": {}, "type_rows": {}, "total_rows": {}}
    r = 5
    first = r
    for o, name in enumerate(names):
        top = r
        for a, agency in enumerate(ledger.agencies):
            mine = (line_option == o) & np.array([x == agency for x in agency_of], bool)
            if not mine.any():
                continue
            criterion = (f"EXACT({agency_col},{_text('')})" if agency == UNASSIGNED
                         else f"EXACT({agency_col},$A{r})")
            engine = (float(ledger.costs[o, a].sum()), float(ledger.benefits[o, a].sum()))
            block(r, agency, o, criterion, mine, engine)
            out["agency_rows"][(name, agency)] = r
            r += 1
        m = result.options[o]
        sheet.text(r, 1, "All agencies", bold)
        sheet.text(r, 2, name, bold)
        if r > top:
            f(r, 3, f"SUM(C{top}:C{r - 1})", m.pv_costs, bold_money)
            f(r, 4, f"SUM(D{top}:D{r - 1})", m.pv_benefits, bold_money)
        else:  # an option with no lines
            sheet.number(r, 3, 0.0, bold_money)
            sheet.number(r, 4, 0.0, bold_money)
        f(r, 5, f"D{r}-C{r}", m.npsv, bold_money)
        engine_cells(r, (m.pv_costs, m.pv_benefits), bold_money)
        out["total_rows"][name] = r
        r += 1
    r += 1
    sheet.text(r, 1, "Value type", book.header)
    for col, name in enumerate(_LEDGER_HEADERS[1:], start=2):
        sheet.text(r, col, name, book.header)
    out["type_header"] = r
    fit_row_height(ws, sheet, r, dict(enumerate(("Value type", *_LEDGER_HEADERS[1:]),
                                                start=1)))
    blocks = [(first, r - 2)]
    r += 1
    type_first = r
    for o, name in enumerate(names):
        for vt, words in VALUE_TYPE_WORDS.items():
            mine = (line_option == o) & np.array([x == vt for x in vt_of], bool)
            if not mine.any():
                continue
            code = "" if vt == "unclassified" else vt
            ben = sum(float(ledger.benefits[o, :, k].sum())
                      for k, v in enumerate(BENEFIT_TYPES) if v.startswith(vt))
            engine = (float(ledger.costs[o, :, COST_TYPES.index(vt)].sum()), ben)
            block(r, words, o, f"EXACT({vt_col},{_text(code)})", mine, engine)
            out["type_rows"][(name, vt)] = r
            r += 1
    if r > type_first:
        blocks.append((type_first, r - 1))
    r += 1
    sheet.text(r, 1, "Tolerance for the check (relative)", text)
    sheet.number(r, 2, _TOLERANCE, book.style("input", "0.000000"))
    sheet.text(r + 1, 1, "Formulas agree with the engine run", book.bold)
    diff = "+".join(f"SUM(I{a}:I{b})" for a, b in blocks)
    size = "+".join(f"SUMPRODUCT(ABS(F{a}:H{b}))" for a, b in blocks)
    f(r + 1, 2, f'IF({diff}<=B{r}*MAX(1,{size}),"OK","CHANGED")', "OK", bold)
    out["check"] = f"B{r + 1}"
    notes = ("Net position = PV benefits − PV costs of the lines of that agency (or value type) "
             "in that option, absolute (not against business as usual).",
             "A line's agency and value type are those the run used, a unit-value pack's "
             "included; lines with no agency are '(unassigned)'.",
             "Fiscal benefits count cashable and non-cashable savings together here (the "
             "split is in agency_matrix.csv and results.json).")
    for k, note in enumerate(notes):
        sheet.text(r + 3 + k, 1, note, book.style(italic=True))
    fit_columns(book, ws, sheet, skip_rows=(1, 2, 3, r, r + 1, r + 3, r + 4, r + 5), maximum=60,
                fixed={1: max(24.0, min(40.0, max(len(a) for a in
                                                     (*ledger.agencies, "All agencies",
                                                      VALUE_TYPE_WORDS["unclassified"]))
                                                * 1.1 + 3))})
    fit_row_height(ws, sheet, 4, dict(enumerate(_LEDGER_HEADERS, start=1)))
    print_setup(ws, sheet, title_rows="4:4", freeze="B5")
    protect_formulas(book, "Ledger", formulas)
    return out


def _signed_pv(is_cost: bool, letter: str, row: int) -> str:
    """A line's signed PV on the Calculation sheet (− for a cost)."""
    return f"{'-' if is_cost else ''}Calculation!${letter}${row}"


def _subjects(result: AppraisalResult) -> list[tuple[str, str, int, list[int]]]:
    """The subjects of the engine's switching values, in its order: each line, then each
    (option, category or kind) group, with the lines it sums."""
    case, c = result.case, result.compiled
    out = [("line", ln.name, int(c.line_option[i]), [i]) for i, ln in enumerate(case.lines)]
    groups: dict[tuple[int, str], list[int]] = {}
    for i, ln in enumerate(case.lines):
        groups.setdefault((int(c.line_option[i]), ln.category or ln.kind), []).append(i)
    out += [("category", cat, o, lines) for (o, cat), lines in groups.items()]
    return out


def write_switching(book: BookBuilder, result: AppraisalResult, calc: dict[str, Any], *,
                    index: int) -> dict[str, Any]:
    """Write the ``Switching values`` sheet; returns its rows and which are live (tests).

    Raises
    ------
    OutputError
        If a formula would not give the engine's switching value or PV.

    The module example shows the sheet.
    """
    c = result.compiled
    ws, sheet = book.sheet("Switching values", index=index)
    formulas: dict[int, dict[int, str]] = defaultdict(dict)
    # every cell top-aligned (as wrapped text is), so a row of wrapped text reads level
    money, text = book.style("calc", MONEY, wrap=True), book.style("calc", wrap=True)
    pct = book.style("calc", PERCENT, wrap=True)

    def f(r: int, col: int, formula: str, cached: Any, style: int) -> None:
        sheet.formula(r, col, formula, cached, style)
        formulas[r][col] = formula

    names = list(c.option_names)
    cf = c.counterfactual
    pv = np.asarray(result.pv_lines, dtype=float)
    signed = np.where(c.is_cost, -pv, pv)
    npsv = np.array([m.npsv for m in result.options], dtype=float)
    line_rows = calc["line_rows"]
    option_rows = calc["option_rows"]
    pv_letter = _col("PV (£)")
    svs = list(result.switching_values)
    subjects = _subjects(result)
    per = 2 if len(names) > 1 else 0
    matched = len(svs) == per * len(subjects) and all(
        (sv.target, sv.subject, sv.option) == (t, s, names[o])
        for k, sv in enumerate(svs) for t, s, o, _ in [subjects[k // max(per, 1)]])

    sheet.text(1, 1, "Switching values", book.title)
    sheet.text(2, 1, "How far each line or category would have to change (as a share of its "
               "value in the case) for a conclusion to change. The present values and the "
               "break-even tests are live formulas; the other tests stay this run's values.",
               book.style(italic=True))
    for col, name in enumerate(_SWITCH_HEADERS, start=1):
        sheet.text(4, col, name, book.header)
    out: dict[str, Any] = {"rows": [], "live": []}
    wrapped: list[tuple[int, dict[int, str]]] = []
    tol_row = 5 + len(svs) + 1
    tol = f"$D${tol_row}"
    # the lines' block below the notes: each line's option, group and signed PV, which the
    # categories' PVs sum (a category may hold thousands of lines: too long to list)
    block_lo = tol_row + 8
    block_hi = block_lo + len(c.is_cost) - 1
    # in the main table's columns: B line, C option, D group, G signed PV
    block = {k: f"${k}${block_lo}:${k}${block_hi}" for k in "CDG"}
    groups = [ln.category or ln.kind for ln in result.case.lines]
    r = 5
    for k, sv in enumerate(svs):
        lines = subjects[k // per][3] if matched else []
        sheet.text(r, 1, sv.target.capitalize(), text)
        sheet.text(r, 2, sv.subject, text)
        sheet.text(r, 3, sv.option, text)
        sheet.text(r, 4, sv.test, text)
        engine_change = NO_SWITCHING_VALUE if sv.change is None else float(sv.change)
        if lines:
            terms = (_signed_pv(c.is_cost[lines[0]], pv_letter, line_rows[lines[0]])
                     if sv.target == "line" else
                     f"SUMPRODUCT({block['G']},EXACT({block['C']},$C{r})*"
                     f"EXACT({block['D']},$B{r}))")
            contribution = float(sum(signed[i] for i in lines))
            if not _close(contribution, sv.pv_at_base):
                msg = (f"results.xlsx: Switching values, '{sv.subject}' in '{sv.option}': "
                       f"the formula gives PV {contribution!r} but the engine "
                       f"{sv.pv_at_base!r}; nothing was written (please report this)")
                raise OutputError(msg)
            f(r, 7, terms, float(sv.pv_at_base), money)
        else:
            sheet.number(r, 7, float(sv.pv_at_base), money)
        o = names.index(sv.option)
        live = bool(lines) and sv.conclusion == Conclusion.BREAK_EVEN and o != cf
        if live:
            gap = (f"(Calculation!$E${option_rows[o]}-Calculation!$E${option_rows[cf]})")
            x = f"-{gap}/G{r}"
            mine = (-(npsv[o] - npsv[cf]) / sv.pv_at_base if sv.pv_at_base != 0 else None)
            mine = None if mine is None or mine < -1.0 else mine
            if (mine is None) != (sv.change is None) or (
                    mine is not None and not _close(mine, float(sv.change))):  # type: ignore[arg-type]
                msg = (f"results.xlsx: Switching values, '{sv.subject}' in '{sv.option}': "
                       f"the formula gives {mine!r} but the engine {sv.change!r}; nothing "
                       "was written (please report this)")
                raise OutputError(msg)
            none = _text(NO_SWITCHING_VALUE)
            f(r, 5, f"IF(G{r}=0,{none},IF({x}<-1,{none},{x}))", engine_change, pct)
            why = LIVE_FORMULA
            sheet.text(r, 9, why, text)
            f(r, 10, f'IF(G{r}=0,"the input does not affect this result",IF({x}<-1,'
              f'"would need the amounts to fall by "&TEXT({gap}/G{r},"0%")&", below zero",'
              '""))', sv.note, text)
        else:
            sheet.any(r, 5, engine_change, pct if sv.change is not None else text)
            why = RUN_VALUE
            sheet.text(r, 9, why, text)
            sheet.text(r, 10, sv.note, text)
        wrapped.append((r, {2: sv.subject, 3: sv.option, 4: sv.test, 9: why, 10: sv.note}))
        sheet.any(r, 6, engine_change, pct if sv.change is not None else text)
        sheet.number(r, 8, float(sv.pv_at_base), money)
        f(r, 11, f'IF(AND(ISNUMBER(E{r})=ISNUMBER(F{r}),IF(ISNUMBER(E{r}),ABS(E{r}-F{r})<='
          f'{tol}*MAX(1,ABS(F{r})),E{r}=F{r}),ABS(G{r}-H{r})<={tol}*MAX(1,ABS(H{r}))),'
          '"OK","CHANGED")', "OK", text)
        out["rows"].append(r)
        out["live"].append(live)
        r += 1
    last = r - 1
    r += 1
    # labels run over the empty columns B and C; the cells are in D
    sheet.text(r, 1, "Tolerance for the check (relative)", book.style("calc"))
    sheet.number(r, 4, _TOLERANCE, book.style("input", "0.000000"))
    sheet.text(r + 1, 1, "Formulas agree with the engine run", book.bold)
    check = (f'IF(COUNTIF(K5:K{last},"CHANGED")=0,"OK","CHANGED")' if svs else '"OK"')
    f(r + 1, 4, check, "OK", book.style("calc", bold=True))
    out["check"] = f"D{r + 1}"
    notes = (f"{LIVE_FORMULA}: x = −(NPSV − NPSV of business as usual) / present value, on the "
             "Calculation sheet's option rows; none when the present value is zero or x is "
             "below −100% (the amounts would turn negative).",
             f"{RUN_VALUE}: the test compares with the preferred option, the runner-up or the "
             "best alternative, which the run chooses and a what-if can change; the engine's "
             "value is kept.")
    for k, note in enumerate(notes):
        sheet.text(r + 3 + k, 1, note, book.style(italic=True))
    skip = [1, 2, r, r + 1, r + 3, r + 4]
    if svs and matched:
        if block_lo != r + 8:  # the rows the category formulas refer to
            msg = "results.xlsx: Switching values: the lines' block moved (please report this)"
            raise OutputError(msg)
        skip.append(r + 6)
        sheet.text(r + 6, 1, "Lines summed by the category rows above: each line's option, "
                   "group (its category, or its kind when it has none) and signed present "
                   "value (+ benefit, − cost), from the Calculation sheet", book.bold)
        plain, pv_style = text, money  # top-aligned, as the wrapped line names
        for col, name in ((1, "Applies to"), (2, "Line"), (3, "Option"),
                          (4, "Group (its category, or its kind)"),
                          (7, "Signed present value (£)")):
            sheet.text(r + 7, col, name, book.header)
        wrapped.append((r + 7, {7: "Signed present value (£)"}))
        for i, line in enumerate(result.case.lines):
            rr = block_lo + i
            sheet.text(rr, 1, "Line", plain)
            sheet.text(rr, 2, line.name, text)
            wrapped.append((rr, {2: line.name}))
            sheet.text(rr, 3, names[int(c.line_option[i])], plain)
            sheet.text(rr, 4, groups[i], plain)
            f(rr, 7, _signed_pv(c.is_cost[i], pv_letter, line_rows[i]), float(signed[i]),
              pv_style)
    # widths from what the cells show, measured here (fit_columns would parse every cell of
    # a sheet that has two rows per line and per category)
    longest = max((len(sv.subject) for sv in svs), default=20)
    pvs = [abs(sv.pv_at_base) for sv in svs] + [abs(float(x)) for x in signed]
    changes = [float(sv.change) for sv in svs if sv.change is not None]
    money_width = len(shown(-max(pvs, default=0.0), MONEY)) + 3.0
    change_width = max([len(shown(x, PERCENT)) for x in changes] + [8]) + 3.0
    widths = {1: 12.0, 2: float(min(40, max(24, longest + 4))),
              3: max(16.0, min(40.0, max(len(n) for n in names) * 1.05 + 2)),
              4: 40.0, 5: max(12.0, change_width), 6: max(12.0, change_width),
              7: max(16.0, money_width), 8: max(16.0, money_width), 9: 18.0, 10: 30.0,
              11: 10.0}
    for col, width in widths.items():
        ws.column_dimensions[column_letter(col)].width = round(width, 1)
    fit_row_height(ws, sheet, 4, dict(enumerate(_SWITCH_HEADERS, start=1)))
    lines_of = lru_cache(maxsize=None)(wrapped_lines)
    for row, texts in wrapped:  # as fit_row_height, with repeated texts measured once
        n = max(lines_of(t, widths[col]) for col, t in texts.items())
        sheet.height(row, 13.0 * n + 2)
    print_setup(ws, sheet, title_rows="4:4", freeze="B5")
    protect_formulas(book, "Switching values", formulas)
    return out
