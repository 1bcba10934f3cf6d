"""The ``Charts`` sheet of ``results.xlsx``: native Excel charts over live cells.

Three charts, each drawn from a small table of formulas on the same sheet (below the
charts), so a what-if in an input moves the tables and the charts with them:

- **present value by option and category**: a stacked bar per option, costs to the left
  of zero (as negative numbers) and benefits to the right, one series per category of
  cost or benefit; each cell is the category's PV on the ``Sensitivity`` sheet's one-way
  table (``PV of the category``), which sums the line PVs of ``Calculation``;
- **net cash flow by year**: benefits minus costs of each option by year, in real terms
  and undiscounted (``SUMIFS`` over the lines' flows on ``Calculation``);
- **tornado of the one-way sensitivity**: the change in the headline option's NPSV when
  each category is made lower or higher by the *Change* of the ``Sensitivity`` sheet
  (20% unless edited); categories sorted by their swing in this run, largest at the top.

Why a sheet of its own: ``Calculation`` is protected and as wide as the horizon, and the
``Sensitivity`` sheet's tables have their own print set-up; a ``Charts`` sheet prints one
chart to an A4 landscape page, and its tables keep the series' cells contiguous whatever
the order of the tables they read. The charts carry the cached values of their cells
(``numCache``), so a viewer that does not calculate still draws them. The categories'
present values must add up to each option's NPSV of the engine (relative 1e-9), or nothing
is written.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

import numpy as np

from appraisal.cells import column_letter
from appraisal.engine.headline import LABELS, headline
from appraisal.errors import OutputError
from appraisal.outputs.excel_calc import Y0, protect_formulas
from appraisal.outputs.excel_layout import MONEY, fit_row_height, print_setup
from appraisal.outputs.excel_sensitivity import _NO_CATEGORY

if TYPE_CHECKING:
    from appraisal.engine.results import AppraisalResult
    from appraisal.outputs.excel_book import BookBuilder

__all__ = ["CHART_TITLES", "SHEET", "axis_format", "write_charts"]

#: The sheet's title.
SHEET = "Charts"
#: Chart titles, by chart.
CHART_TITLES = {"pv": "Present value by option and category",
                "cash_flow": "Net cash flow by year (benefits minus costs)",
                "tornado": "One-way sensitivity: change in NPSV"}
#: Rows and (at least) columns each chart spans (one chart to a printed A4 page).
_ROWS, _CHART_COLS = 30, 7
#: Where a chart ends in its last column (EMU: 100 pixels of a 16-character column).
_END_OFFSET = 100 * 9525
#: Colours of the series: costs in warm colours, benefits in cool ones, options in turn.
_COSTS = ("C0504D", "F79646", "E6B9B8", "9B2D1F", "FAC090", "7F6000")
_BENEFITS = ("4F81BD", "9BBB59", "4BACC6", "8064A2", "1F497D", "76923C", "B9CDE5")
_LINES = ("1F497D", "C0504D", "9BBB59", "8064A2", "F79646", "4BACC6", "7F7F7F", "000000")
_RTOL = 1e-9


def axis_format(largest: float) -> tuple[str, str]:
    """A £ number format for a value axis whose largest absolute value is *largest*,
    and the unit in words for its title.

    Examples
    --------
    >>> axis_format(2_500_000.0)
    ('£#,##0.0,,"m";-£#,##0.0,,"m";£0', '£ million')
    >>> axis_format(45_000.0)[1], axis_format(900.0)[1]
    ('£ thousand', '£')
    """
    if largest >= 1e6:
        return '£#,##0.0,,"m";-£#,##0.0,,"m";£0', "£ million"
    if largest >= 1e4:
        return '£#,##0,"k";-£#,##0,"k";£0', "£ thousand"
    return "£#,##0;-£#,##0;£0", "£"


def _check(mine: np.ndarray, engine: np.ndarray, what: str) -> None:
    scale = np.maximum(np.abs(engine), 1.0)
    if not (np.abs(mine - engine) <= _RTOL * scale).all():
        msg = (f"results.xlsx: the Charts sheet's {what} differ from the engine's; this is a "
               "bug, please report it")
        raise OutputError(msg)


def write_charts(book: BookBuilder, result: AppraisalResult, calc: dict[str, Any],
                 sensitivity: dict[str, Any], *, index: int) -> dict[str, Any]:
    """Write the ``Charts`` sheet: three charts and the live tables they draw.

    ``calc`` and ``sensitivity`` are what :func:`~appraisal.outputs.excel_calc.write_calculation`
    and :func:`~appraisal.outputs.excel_sensitivity.write_sensitivity` returned. Returns
    where each chart's table is (first and last row and column, for tests).

    Raises
    ------
    OutputError
        If a table's values would differ from the engine's (a bug; nothing is written).
    """
    from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, TwoCellAnchor
    from openpyxl.worksheet.pagebreak import Break

    case, c = result.case, result.compiled
    ws, sheet = book.sheet(SHEET, index=index)
    formulas: dict[int, dict[int, str]] = defaultdict(dict)
    money, text = book.style("calc", MONEY), book.style("calc")
    head, label = book.header, book.style("calc", bold=True)

    def f(r: int, col: int, formula: str, cached: Any, style: int = money) -> None:
        sheet.formula(r, col, formula, cached, style)
        formulas[r][col] = formula

    heads: dict[int, dict[int, str]] = defaultdict(dict)

    def h(r: int, col: int, name: str) -> None:
        sheet.text(r, col, name, head)
        heads[r][col] = name

    sheet.text(1, 1, "Charts: present values, cash flows and sensitivity", book.title)
    caption = book.style(italic=True)
    sheet.text(2, 1, "Drawn from the live tables at the foot of this sheet (formulas on the "
               "Calculation and Sensitivity sheets): change an input and they follow.", caption)
    sheet.text(3, 1, f"{result.price_label}.", caption)
    options = [m.name for m in result.options]
    n_opt = len(options)
    top = 4 + 3 * _ROWS  # the tables start below the three charts
    groups = sensitivity["one_way"]
    pv = np.asarray(result.pv_lines, dtype=float)
    line_option = np.asarray(c.line_option, dtype=int)
    out: dict[str, Any] = {}

    # --- table A: PV by option and category (costs negative) --------------------------
    r0 = top
    sheet.text(r0, 1, f"{CHART_TITLES['pv']} (£, present value; costs shown below zero)",
               label)
    h(r0 + 1, 1, "Option")
    pv_table = np.zeros((n_opt, len(groups)))
    for g, group in enumerate(groups):
        kind, cat = group["kind"], group["category"]
        h(r0 + 1, 2 + g, f"{'Costs' if kind == 'cost' else 'Benefits'}: {cat}")
        cat_of = np.array([(ln.kind, ln.category or _NO_CATEGORY) == (kind, cat)
                           for ln in case.lines], bool)
        first = group["rows"][0]
        for o in range(n_opt):
            value = float(pv[cat_of & (line_option == o)].sum())
            sign = "-" if kind == "cost" else ""
            pv_table[o, g] = (-value if kind == "cost" else value) + 0.0  # never -0
            f(r0 + 2 + o, 2 + g, f"{sign}Sensitivity!$E${first + o}", pv_table[o, g])
    for o, name in enumerate(options):
        sheet.text(r0 + 2 + o, 1, name, text)
    npsv_col = 2 + len(groups)
    h(r0 + 1, npsv_col, f"{LABELS['npsv']} (sum)")
    for o in range(n_opt):
        r = r0 + 2 + o
        f(r, npsv_col, f"SUM(B{r}:{column_letter(npsv_col - 1)}{r})" if groups else "0",
          float(pv_table[o].sum()))
    _check(pv_table.sum(axis=1), np.array([m.npsv for m in result.options]),
           "present values by category")
    out["pv"] = {"rows": (r0 + 2, r0 + 1 + n_opt), "cols": (2, 1 + len(groups))}

    # --- table B: net cash flow by year ----------------------------------------------------
    r1 = r0 + n_opt + 4
    T = c.n_years
    sheet.text(r1, 1, f"{CHART_TITLES['cash_flow']} (£, real, undiscounted)", label)
    h(r1 + 1, 1, "Year")
    for o, name in enumerate(options):
        h(r1 + 1, 2 + o, name)
    rows = calc["line_rows"]
    sign = np.where(c.is_cost, -1.0, 1.0)
    flows = np.zeros((T, n_opt))
    real = np.asarray(result.real_flows, dtype=float).reshape(len(case.lines), T)
    for o in range(n_opt):
        flows[:, o] = ((line_option == o) * sign) @ real
    years = np.asarray(c.years)
    year_style = book.style("calc", "0")
    for k in range(T):
        r, col = r1 + 2 + k, column_letter(Y0 + k)
        f(r, 1, f"Calculation!{col}$5", int(years[k]), year_style)
        for o in range(n_opt):
            if rows:
                span = f"Calculation!${{}}${rows[0]}:${{}}${rows[-1]}"
                flow, kind, opt = span.format(col, col), span.format("C", "C"), \
                    span.format("P", "P")
                formula = (f'SUMIFS({flow},{opt},{o + 1},{kind},"benefit")'
                           f'-SUMIFS({flow},{opt},{o + 1},{kind},"cost")')
            else:
                formula = "0"
            f(r, 2 + o, formula, float(flows[k, o]))
    out["cash_flow"] = {"rows": (r1 + 2, r1 + 1 + T), "cols": (2, 1 + n_opt)}

    # --- table C: tornado of the headline option -------------------------------------------
    r2 = r1 + T + 4
    head_line = headline(result)
    option = (head_line["best_alternative"] or {}).get("option") or head_line["preferred_option"]
    o_star = options.index(option)
    swing = [max(abs(g["lower"][o_star] - result.options[o_star].npsv),
                 abs(g["higher"][o_star] - result.options[o_star].npsv)) for g in groups]
    order = sorted(range(len(groups)), key=lambda g: -swing[g])
    sheet.text(r2, 1, f"{CHART_TITLES['tornado']} of '{option}' (£) when each category is "
               "lower or higher by the Change on the Sensitivity sheet", label)
    for col, name in enumerate(("Category", "NPSV change if lower (£)",
                                "NPSV change if higher (£)"), start=1):
        h(r2 + 1, col, name)
    npsv = result.options[o_star].npsv
    for k, g in enumerate(order):
        group, r = groups[g], r2 + 2 + k
        row = group["rows"][0] + o_star
        sheet.text(r, 1, f"{'Costs' if group['kind'] == 'cost' else 'Benefits'}: "
                   f"{group['category']}", text)
        f(r, 2, f"Sensitivity!$G${row}-Sensitivity!$F${row}",
          float(group["lower"][o_star] - npsv))
        f(r, 3, f"Sensitivity!$H${row}-Sensitivity!$F${row}",
          float(group["higher"][o_star] - npsv))
    out["tornado"] = {"rows": (r2 + 2, r2 + 1 + len(groups)), "cols": (2, 3), "option": option}
    last_row = r2 + 1 + max(len(groups), 1)

    # --- the charts ----------------------------------------------------------------------------
    charts = [
        _pv_chart(pv_table, options, groups, r0, case.price_base_year),
        _cash_flow_chart(flows, years, options, r1),
        _tornado_chart(table=[(groups[g], float(groups[g]["lower"][o_star] - npsv),
                               float(groups[g]["higher"][o_star] - npsv)) for g in order],
                       top=r2, option=option),
    ]
    widest = max((len(n) for n in options), default=10)
    ws.column_dimensions["A"].width = max(34.0, min(60.0, widest * 1.1 + 3))
    n_cols = max(2 + len(groups), 1 + n_opt, 3, _CHART_COLS)
    for col in range(2, n_cols + 1):
        ws.column_dimensions[column_letter(col)].width = 16
    for k, chart in enumerate(charts):
        # anchored to cells, so the chart spans the printed columns in any application
        chart.anchor = TwoCellAnchor(_from=AnchorMarker(col=0, row=3 + k * _ROWS),
                                     to=AnchorMarker(col=n_cols - 1, colOff=_END_OFFSET,
                                                   row=1 + (k + 1) * _ROWS))
        ws.add_chart(chart)
        ws.row_breaks.append(Break(id=3 + (k + 1) * _ROWS))
    for row in (r0 + 1, r1 + 1, r2 + 1):
        fit_row_height(ws, sheet, row, heads[row])
    print_setup(ws, sheet)
    ws.print_area = f"A1:{column_letter(n_cols)}{last_row}"
    protect_formulas(book, SHEET, formulas)
    return out


def _ref(col: int, first: int, last: int | None = None) -> str:
    letter = column_letter(col)
    return f"{SHEET}!${letter}${first}" + ("" if last is None else f":${letter}${last}")


def _series(values: list[float], ref: str, title_ref: str, title: str, fmt: str,
            colour: str, *, line: bool = False) -> Any:
    """A chart series over *ref*, titled by the cell *title_ref*, with cached values."""
    from openpyxl.chart import Series
    from openpyxl.chart.data_source import NumData, NumVal, StrRef
    from openpyxl.chart.series import SeriesLabel
    from openpyxl.chart.shapes import GraphicalProperties
    from openpyxl.drawing.line import LineProperties

    series = Series(ref)  # openpyxl's series factory: a numRef to *ref* (its text as given)
    series.val.numRef.f = ref
    series.val.numRef.numCache = NumData(formatCode=fmt, ptCount=len(values),
                                         pt=[NumVal(idx=i, v=v) for i, v in enumerate(values)])
    series.tx = SeriesLabel(strRef=StrRef(f=title_ref, strCache=_str_data([title])))
    if line:
        series.graphicalProperties = GraphicalProperties(ln=LineProperties(
            solidFill=colour, w=28575))
        series.smooth = False
        series.marker.symbol = "none"
    else:
        series.graphicalProperties = GraphicalProperties(solidFill=colour)
        series.graphicalProperties.line.solidFill = colour
    return series


def _str_data(texts: list[str]) -> Any:
    from openpyxl.chart.data_source import StrData, StrVal

    return StrData(ptCount=len(texts), pt=[StrVal(idx=i, v=t) for i, t in enumerate(texts)])


def _categories(ref: str, texts: list[str]) -> Any:
    from openpyxl.chart.data_source import AxDataSource, StrRef

    return AxDataSource(strRef=StrRef(f=ref, strCache=_str_data(texts)))


def _axes(chart: Any, *, category_title: str, value_title: str, fmt: str,
          horizontal: bool) -> None:
    """Axes shown (openpyxl 3.1 hides them unless told), titled in words, £ formatted."""
    from openpyxl.chart.axis import ChartLines

    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.x_axis.title = category_title
    chart.y_axis.title = value_title
    chart.y_axis.number_format = fmt
    chart.y_axis.numFmt.sourceLinked = False
    chart.y_axis.majorGridlines = ChartLines()
    chart.x_axis.tickLblPos = "low"  # labels beside the plot, not across negative bars
    if horizontal:  # categories top-down in the order of the table
        chart.x_axis.scaling.orientation = "maxMin"
        chart.y_axis.crosses = "max"
    chart.legend.position = "b"


def _pv_chart(table: np.ndarray, options: list[str], groups: list[dict[str, Any]], top: int,
              price_year: int) -> Any:
    from openpyxl.chart import BarChart

    fmt, unit = axis_format(float(np.abs(table).sum(axis=1).max()) if table.size else 0.0)
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap, chart.gapWidth = "bar", "stacked", 100, 60
    chart.title = CHART_TITLES["pv"]
    first, last = top + 2, top + 1 + len(options)
    costs = benefits = 0
    for g, group in enumerate(groups):
        if group["kind"] == "cost":
            colour, costs = _COSTS[costs % len(_COSTS)], costs + 1
        else:
            colour, benefits = _BENEFITS[benefits % len(_BENEFITS)], benefits + 1
        name = f"{'Costs' if group['kind'] == 'cost' else 'Benefits'}: {group['category']}"
        series = _series([float(v) for v in table[:, g]], _ref(2 + g, first, last),
                         _ref(2 + g, top + 1), name, fmt, colour)
        series.cat = _categories(_ref(1, first, last), options)
        chart.series.append(series)
    _axes(chart, category_title="Option",
          value_title=f"Present value ({unit}, {price_year} prices); costs below zero",
          fmt=fmt, horizontal=True)
    return chart


def _cash_flow_chart(flows: np.ndarray, years: np.ndarray, options: list[str],
                     top: int) -> Any:
    from openpyxl.chart import LineChart

    fmt, unit = axis_format(float(np.abs(flows).max()) if flows.size else 0.0)
    chart = LineChart()
    chart.title = CHART_TITLES["cash_flow"]
    first, last = top + 2, top + 1 + len(years)
    for o, name in enumerate(options):
        series = _series([float(v) for v in flows[:, o]], _ref(2 + o, first, last),
                         _ref(2 + o, top + 1), name, fmt, _LINES[o % len(_LINES)], line=True)
        series.cat = _categories(_ref(1, first, last), [str(int(y)) for y in years])
        chart.series.append(series)
    _axes(chart, category_title="Year", value_title=f"Net flow ({unit}, real, undiscounted)",
          fmt=fmt, horizontal=False)
    step = max(1, len(years) // 15)  # at most about 15 year labels
    chart.x_axis.tickLblSkip = step
    chart.x_axis.tickMarkSkip = step
    return chart


def _tornado_chart(*, table: list[tuple[dict[str, Any], float, float]], top: int,
                   option: str) -> Any:
    from openpyxl.chart import BarChart

    lower = [row[1] for row in table]
    higher = [row[2] for row in table]
    fmt, unit = axis_format(max((abs(v) for v in lower + higher), default=0.0))
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap, chart.gapWidth = "bar", "clustered", 100, 50
    chart.title = f"{CHART_TITLES['tornado']} of {option}"
    first, last = top + 2, top + 1 + len(table)
    names = [f"{'Costs' if g['kind'] == 'cost' else 'Benefits'}: {g['category']}"
             for g, _, _ in table]
    for col, values, title, colour in ((2, lower, "NPSV change if lower (£)", _COSTS[0]),
                                       (3, higher, "NPSV change if higher (£)", _BENEFITS[0])):
        series = _series(values, _ref(col, first, last), _ref(col, top + 1), title, fmt,
                         colour)
        series.cat = _categories(_ref(1, first, last), names)
        chart.series.append(series)
    _axes(chart, category_title="Category of cost or benefit",
          value_title=f"Change in NPSV ({unit})", fmt=fmt, horizontal=True)
    return chart
