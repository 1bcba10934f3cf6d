"""Inline SVG charts for the business-case report, in pure Python.

Each builder returns a :class:`Chart`: the SVG markup (a :class:`markupsafe.Markup`
that the report inlines) and the chart's data as table rows, so every chart can be
read as a table too. The SVG is made only of fixed tag and attribute names, numbers
formatted by this module and text passed through :func:`markupsafe.escape`, so a
label such as ``<script>alert(1)</script>`` appears as text, never as markup.

Accessibility: every SVG has ``role="img"``, a ``<title>`` and a ``<desc>`` referenced
by ``aria-labelledby``. Colours come from the Okabe–Ito palette, which stays
distinguishable under the common colour-vision deficiencies; lines also differ by
dash pattern and bars carry a dark outline, so charts survive greyscale printing.
The SVG uses presentation attributes only (no ``style`` attributes), so it needs no
``'unsafe-inline'`` in the report's Content-Security-Policy.

The builders check that the data line up (lengths, finite numbers) and raise
:class:`~appraisal.errors.AppraisalValidationError` if not; the drawing kernels in
:mod:`appraisal.outputs.report._svg` do not validate.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from appraisal.errors import AppraisalValidationError, Issue
from appraisal.formatting import format_number
from appraisal.outputs.report import _svg as svg
from appraisal.outputs.report._svg import Formatter, nice_ticks

__all__ = [
    "DASHES",
    "OKABE_ITO",
    "Chart",
    "bar_chart",
    "histogram_chart",
    "line_chart",
    "nice_ticks",
    "scatter_chart",
    "tornado_chart",
    "waterfall_chart",
]

#: Okabe & Ito (2008) colour-blind-safe palette, ordered so the colours with the
#: most contrast against white come first (yellow, the weakest, is last).
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
             "#F0E442")
#: Dash patterns that go with the palette, so lines differ without colour too.
DASHES = (None, "7 4", "2 3", "9 3 2 3", "4 4", "1 2", "12 4", "6 2 2 2")
_UP, _DOWN, _TOTAL = "#009E73", "#D55E00", "#0072B2"
_ID = re.compile(r"^[a-z][a-z0-9-]{0,63}$")


@dataclass(frozen=True, slots=True)
class Chart:
    """An inline SVG chart with its data as a table.

    Attributes
    ----------
    chart_id : str
        Unique id in the page; the SVG's title and description ids derive from it.
    title, description : str
        Short title and a one-sentence text alternative (also inside the SVG).
    svg : markupsafe.Markup
        The ``<svg>`` element.
    columns : tuple of str
        Header cells of the data table.
    rows : tuple of tuple of str
        Body rows of the data table, already formatted as text.
    """

    chart_id: str
    title: str
    description: str
    svg: Markup
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


# --------------------------------------------------------------------------- validation


def _fail(chart_id: str, field: str, message: str, fix: str) -> None:
    raise AppraisalValidationError([Issue("bad-chart-data", message, field=field, fix=fix)],
                                   source=f"chart '{chart_id}'")


def _check_id(chart_id: str) -> None:
    if not isinstance(chart_id, str) or not _ID.match(chart_id):
        _fail(str(chart_id), "chart_id",
              f"'chart_id' must be lower-case letters, digits and hyphens (got {chart_id!r})",
              "use an id such as 'cba-waterfall'")


def _check_values(chart_id: str, field: str, values: Sequence[float], length: int | None) -> None:
    if length is not None and len(values) != length:
        _fail(chart_id, field, f"'{field}' has {len(values)} values but {length} were expected",
              "give one value per category")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            _fail(chart_id, field, f"'{field}' must hold finite numbers (got {v!r})",
                  "remove NaN/None values upstream")


# --------------------------------------------------------------------------- builders


def bar_chart(chart_id: str, *, title: str, description: str, categories: Sequence[str],
              series: Mapping[str, Sequence[float]], category_label: str = "Category",
              stacked: bool = False, horizontal: bool = False,
              fmt: Formatter = format_number, tick_fmt: Formatter | None = None,
              colours: Sequence[str] | None = None) -> Chart:
    """Grouped or stacked bars, vertical or horizontal.

    Parameters
    ----------
    chart_id : str
        Unique id in the page (lower-case letters, digits, hyphens).
    title, description : str
        Chart title and text alternative.
    categories : sequence of str
        One bar group per category.
    series : mapping of str to sequence of float
        One value per category for each series (legend entry). In a stacked chart
        positive values stack above zero and negative values below it.
    category_label : str
        Header of the first column of the data table.
    stacked, horizontal : bool
        Stack series instead of grouping them; draw bars horizontally.
    fmt, tick_fmt : callable
        Format values in the data table (``fmt``) and on the axis (``tick_fmt``,
        defaults to ``fmt``).
    colours : sequence of str, optional
        One colour per series; defaults to the Okabe–Ito palette.

    Returns
    -------
    Chart
        The data table has one row per category and one column per series (plus a
        total when stacked).

    Examples
    --------
    >>> c = bar_chart("pv", title="PV", description="PV by option.", categories=["A", "B"],
    ...               series={"Benefits": [3.0, 4.0], "Costs": [-1.0, -2.0]}, stacked=True)
    >>> c.columns
    ('Category', 'Benefits', 'Costs', 'Total')
    >>> c.rows[1]
    ('B', '4', '-2', '2')
    >>> str(c.svg).startswith('<svg class="chart" id="pv"')
    True
    """
    _check_id(chart_id)
    for name, values in series.items():
        _check_values(chart_id, f"series[{name!r}]", values, len(categories))
    names = list(series)
    palette = list(colours) if colours else [OKABE_ITO[i % 8] for i in range(len(names))]
    tick_fmt = tick_fmt or fmt
    pos = [sum(max(series[s][i], 0.0) for s in names) for i in range(len(categories))]
    neg = [sum(min(series[s][i], 0.0) for s in names) for i in range(len(categories))]
    extent = [*pos, *neg] if stacked else [v for s in names for v in series[s]]
    ticks = svg.domain(extent)

    def _bars(cat: str, i: int) -> list[tuple[str, float, float]]:
        """(tooltip, start, end) of each series' bar of category ``i``, as values: from zero,
        or stacked on the series before it (positive values above zero, negative below)."""
        out, up, down = [], 0.0, 0.0
        for s in names:
            v = series[s][i]
            start = (up if v >= 0 else down) if stacked else 0.0
            out.append((f"{cat}, {s}: {fmt(v)}", start, start + v))
            if stacked:
                up, down = (up + v, down) if v >= 0 else (up, down + v)
        return out

    legend, legend_h = svg.legend([(s, palette[i], None) for i, s in enumerate(names)], 16.0)
    top = legend_h + 14.0
    bars = []
    if horizontal:
        label_w = min(300.0, max([svg.text_width(c) for c in categories] + [40.0]) + 12.0)
        left, right = label_w, svg.WIDTH - 40.0
        per = 22.0 if stacked else 16.0 * len(names) + 10.0
        height = top + per * len(categories) + 30.0
        scale = svg.Scale(ticks[0], ticks[-1], left, right)
        bars.append(svg.value_axis(scale, ticks, tick_fmt, horizontal=True, cross0=top,
                                   cross1=top + per * len(categories)))
        for i, cat in enumerate(categories):
            y0 = top + per * i
            bars.append(svg.text(left - 8.0, y0 + per / 2 + 4.0, svg.clip(cat, label_w - 12.0),
                                 anchor="end", full=cat))
            for j, (tip, start, end) in enumerate(_bars(cat, i)):
                x0, x1 = sorted((scale(start), scale(end)))
                if stacked:
                    bars.append(svg.rect(x0, y0 + 4.0, x1 - x0, per - 8.0, palette[j], tip))
                else:
                    bars.append(svg.rect(x0, y0 + 5.0 + 16.0 * j, x1 - x0, 14.0, palette[j], tip))
    else:
        tick_w = max(svg.text_width(tick_fmt(t)) for t in ticks)
        left, right = tick_w + 16.0, svg.WIDTH - 12.0
        plot_h = 240.0
        bottom = top + plot_h
        height = bottom + 44.0
        scale = svg.Scale(ticks[0], ticks[-1], bottom, top)
        bars.append(svg.value_axis(scale, ticks, tick_fmt, horizontal=False, cross0=left,
                                   cross1=right))
        band = (right - left) / max(len(categories), 1)
        for i, cat in enumerate(categories):
            x_band = left + band * i
            words = svg.clip(cat, band * 2 - 8.0)
            lines = svg.wrap(words, band - 6.0)
            for k, line in enumerate(lines[:2]):
                bars.append(svg.text(x_band + band / 2, bottom + 16.0 + 14.0 * k, line,
                                     anchor="middle", full=cat if k == 0 else None))
            inner = band * 0.7
            for j, (tip, start, end) in enumerate(_bars(cat, i)):
                y0, y1 = sorted((scale(start), scale(end)))
                if stacked:
                    bars.append(svg.rect(x_band + band * 0.15, y0, inner, y1 - y0, palette[j], tip))
                else:
                    w = inner / len(names)
                    bars.append(svg.rect(x_band + band * 0.15 + w * j, y0, w, y1 - y0, palette[j],
                                         tip))
    image = svg.frame(chart_id, title, description, height, legend + "".join(bars))
    columns = (category_label, *names, *(("Total",) if stacked else ()))
    rows = tuple(
        (cat, *(fmt(series[s][i]) for s in names),
         *((fmt(sum(series[s][i] for s in names)),) if stacked else ()))
        for i, cat in enumerate(categories)
    )
    return Chart(chart_id, title, description, image, columns, rows)


def tornado_chart(chart_id: str, *, title: str, description: str, parameters: Sequence[str],
                  low: Sequence[float], high: Sequence[float], base: float,
                  low_labels: Sequence[str] | None = None,
                  high_labels: Sequence[str] | None = None,
                  fmt: Formatter = format_number, tick_fmt: Formatter | None = None) -> Chart:
    """Tornado diagram: the outcome at each input's low and high value, widest swing first.

    Parameters
    ----------
    chart_id, title, description : str
        As for :func:`bar_chart`.
    parameters : sequence of str
        Input names.
    low, high : sequence of float
        The outcome (e.g. NPSV) with each input at its low and at its high value.
    base : float
        The outcome with every input at its central value.
    low_labels, high_labels : sequence of str, optional
        How each input was varied (e.g. ``"-20%"``), shown in the data table.
    fmt, tick_fmt : callable
        Formatters for the table and the axis.

    Returns
    -------
    Chart
        Rows sorted by swing, widest first.

    Examples
    --------
    >>> c = tornado_chart("t", title="T", description="D.", parameters=["a", "b"],
    ...                   low=[9.0, 5.0], high=[11.0, 15.0], base=10.0)
    >>> [r[0] for r in c.rows]
    ['b', 'a']
    >>> c.rows[0][-1]
    '10'
    """
    _check_id(chart_id)
    n = len(parameters)
    _check_values(chart_id, "low", low, n)
    _check_values(chart_id, "high", high, n)
    _check_values(chart_id, "base", [base], None)
    lows = list(low_labels) if low_labels is not None else ["low"] * n
    highs = list(high_labels) if high_labels is not None else ["high"] * n
    tick_fmt = tick_fmt or fmt
    order = sorted(range(n), key=lambda i: -abs(high[i] - low[i]))
    ticks = svg.domain([*low, *high], include=(base,))
    legend, legend_h = svg.legend([("Input at low value", OKABE_ITO[1], None),
                                   ("Input at high value", OKABE_ITO[0], None)], 16.0)
    top = legend_h + 14.0
    label_w = min(300.0, max([svg.text_width(p) for p in parameters] + [40.0]) + 12.0)
    scale = svg.Scale(ticks[0], ticks[-1], label_w, svg.WIDTH - 40.0)
    per = 34.0
    bottom = top + per * n
    parts = [svg.value_axis(scale, ticks, tick_fmt, horizontal=True, cross0=top, cross1=bottom)]
    for row, i in enumerate(order):
        y0 = top + per * row
        label = svg.clip(parameters[i], label_w - 12.0)
        parts.append(svg.text(label_w - 8.0, y0 + per / 2 + 4.0, label, anchor="end",
                              full=parameters[i]))
        for k, (value, colour, how) in enumerate(((low[i], OKABE_ITO[1], lows[i]),
                                                  (high[i], OKABE_ITO[0], highs[i]))):
            x0, x1 = sorted((scale(base), scale(value)))
            parts.append(svg.rect(x0, y0 + 4.0 + 13.0 * k, x1 - x0, 12.0, colour,
                                  f"{parameters[i]} {how}: {fmt(value)}"))
    parts.append(svg.tag("line", {"x1": scale(base), "y1": top - 4.0, "x2": scale(base),
                                  "y2": bottom + 2.0, "stroke": svg.INK, "stroke_width": 1.5,
                                  "stroke_dasharray": "4 3"}))
    parts.append(svg.text(scale(base), top - 6.0, f"Central: {fmt(base)}", anchor="middle",
                          size=11.0))
    image = svg.frame(chart_id, title, description, bottom + 30.0, legend + "".join(parts))
    columns = ("Input", "Low case", "Outcome at low", "High case", "Outcome at high", "Swing")
    rows = tuple((parameters[i], lows[i], fmt(low[i]), highs[i], fmt(high[i]),
                  fmt(abs(high[i] - low[i]))) for i in order)
    return Chart(chart_id, title, description, image, columns, rows)


def line_chart(chart_id: str, *, title: str, description: str, x: Sequence[float],
               series: Mapping[str, Sequence[float]], x_label: str, y_label: str,
               x_fmt: Formatter = format_number, y_fmt: Formatter = format_number,
               tick_fmt: Formatter | None = None, y_ticks: Sequence[float] | None = None,
               marker_x: float | None = None, colours: Sequence[str] | None = None,
               dashes: Sequence[str | None] | None = None) -> Chart:
    """Lines over a numeric x axis (years, η, a threshold value).

    Parameters
    ----------
    chart_id, title, description : str
        As for :func:`bar_chart`.
    x : sequence of float
        Increasing x values shared by every series.
    series : mapping of str to sequence of float
        One y value per x for each line.
    x_label, y_label : str
        Axis titles (also the table headers).
    x_fmt, y_fmt : callable
        Formatters for the x and y values.
    tick_fmt : callable, optional
        Formatter for the y-axis ticks (defaults to ``y_fmt``).
    y_ticks : sequence of float, optional
        Fixed y ticks (e.g. ``[0, 0.25, 0.5, 0.75, 1]`` for probabilities).
    marker_x : float, optional
        Draw a dashed vertical reference line at this x (e.g. the central η).
    colours, dashes : sequence, optional
        One colour and one dash pattern (``None`` for solid) per series, so a series
        can keep the same look across charts; default the Okabe–Ito palette in order.

    Returns
    -------
    Chart
        The data table has one row per x value.

    Examples
    --------
    >>> c = line_chart("l", title="T", description="D.", x=[2025, 2026],
    ...                series={"A": [1.0, 2.0]}, x_label="Year", y_label="£",
    ...                x_fmt=lambda v: f"{v:.0f}")
    >>> c.columns, c.rows
    (('Year', 'A'), (('2025', '1'), ('2026', '2')))
    >>> c.svg.count("<path")
    1
    """
    _check_id(chart_id)
    _check_values(chart_id, "x", x, None)
    for name, values in series.items():
        _check_values(chart_id, f"series[{name!r}]", values, len(x))
    names = list(series)
    colours = list(colours) if colours else [OKABE_ITO[i % 8] for i in range(len(names))]
    dashes = list(dashes) if dashes else [DASHES[i % 8] for i in range(len(names))]
    legend, legend_h = svg.legend([(s, colours[i], dashes[i]) for i, s in enumerate(names)], 16.0,
                                  line=True)
    top = legend_h + 34.0
    yt = list(y_ticks) if y_ticks is not None else svg.domain([v for s in names for v in series[s]])
    tick_fmt = tick_fmt or y_fmt
    left = max(svg.text_width(tick_fmt(t)) for t in yt) + 16.0
    right, bottom = svg.WIDTH - 30.0, top + 240.0
    xt = svg.nice_ticks(min(x), max(x), 6)
    x0, x1 = (min(x), max(x)) if max(x) > min(x) else (xt[0], xt[-1])
    xs = svg.Scale(x0, x1, left, right)
    ys = svg.Scale(yt[0], yt[-1], bottom, top)
    parts = [svg.value_axis(ys, yt, tick_fmt, horizontal=False, cross0=left, cross1=right),
             svg.text(left, top - 14.0, y_label, fill=svg.MUTED)]
    for t in xt:
        if xs.d0 - 1e-9 <= t <= xs.d1 + 1e-9:
            parts.append(svg.tag("line", {"x1": xs(t), "y1": bottom, "x2": xs(t),
                                          "y2": bottom + 5.0, "stroke": svg.INK}))
            parts.append(svg.text(xs(t), bottom + 18.0, x_fmt(t), anchor="middle", fill=svg.MUTED))
    parts.append(svg.text((left + right) / 2, bottom + 36.0, x_label, anchor="middle",
                          fill=svg.MUTED))
    if marker_x is not None:
        parts.append(svg.tag("line", {"x1": xs(marker_x), "y1": top, "x2": xs(marker_x),
                                      "y2": bottom, "stroke": svg.MUTED,
                                      "stroke_dasharray": "3 3"}))
    for i, s in enumerate(names):
        colour, dash = colours[i], dashes[i]
        d = " ".join(f"{'M' if k == 0 else 'L'}{svg.n(xs(xv))} {svg.n(ys(yv))}"
                     for k, (xv, yv) in enumerate(zip(x, series[s], strict=True)))
        parts.append(svg.tag("path", {"d": d, "fill": "none", "stroke": colour, "stroke_width": 2.5,
                                      "stroke_dasharray": dash, "stroke_linejoin": "round"},
                             svg.tag("title", None, str(escape(s)))))
        if len(x) <= 25:
            parts.extend(svg.tag("circle", {"cx": xs(xv), "cy": ys(yv), "r": 3.0, "fill": colour})
                         for xv, yv in zip(x, series[s], strict=True))
    image = svg.frame(chart_id, title, description, bottom + 48.0, legend + "".join(parts))
    rows = tuple((x_fmt(xv), *(y_fmt(series[s][k]) for s in names)) for k, xv in enumerate(x))
    return Chart(chart_id, title, description, image, (x_label, *names), rows)


def waterfall_chart(chart_id: str, *, title: str, description: str,
                    steps: Sequence[tuple[str, float]], total_label: str,
                    fmt: Formatter = format_number, tick_fmt: Formatter | None = None) -> Chart:
    """Horizontal waterfall: each step moves the running total; the last bar is the total.

    Parameters
    ----------
    chart_id, title, description : str
        As for :func:`bar_chart`.
    steps : sequence of (str, float)
        Labelled changes, in order (e.g. each benefit category, then each cost as a
        negative number).
    total_label : str
        Label of the closing bar (e.g. ``"NPSV"``).
    fmt, tick_fmt : callable
        Formatters for the table and the axis.

    Returns
    -------
    Chart
        Rows: each step with its change and the running total, then the total.

    Examples
    --------
    >>> c = waterfall_chart("w", title="T", description="D.",
    ...                     steps=[("Benefits", 10.0), ("Costs", -4.0)], total_label="NPSV")
    >>> c.rows
    (('Benefits', '10', '10'), ('Costs', '-4', '6'), ('NPSV', '6', '6'))
    """
    _check_id(chart_id)
    labels = [label for label, _ in steps]
    values = [value for _, value in steps]
    _check_values(chart_id, "steps", values, None)
    tick_fmt = tick_fmt or fmt
    running = [0.0]
    for v in values:
        running.append(running[-1] + v)
    total = running[-1]
    ticks = svg.domain(running)
    legend, legend_h = svg.legend([("Increase", _UP, None), ("Decrease", _DOWN, None),
                                   (total_label, _TOTAL, None)], 16.0)
    top = legend_h + 12.0
    all_labels = [*labels, total_label]
    label_w = min(300.0, max(svg.text_width(s) for s in all_labels) + 12.0)
    scale = svg.Scale(ticks[0], ticks[-1], label_w, svg.WIDTH - 40.0)
    per = 26.0
    bottom = top + per * len(all_labels)
    parts = [svg.value_axis(scale, ticks, tick_fmt, horizontal=True, cross0=top, cross1=bottom)]
    for i, label in enumerate(all_labels):
        y0 = top + per * i
        is_total = i == len(labels)
        start, end = (0.0, total) if is_total else (running[i], running[i + 1])
        colour = _TOTAL if is_total else (_UP if end >= start else _DOWN)
        x0, x1 = sorted((scale(start), scale(end)))
        parts.append(svg.text(label_w - 8.0, y0 + per / 2 + 4.0, svg.clip(label, label_w - 12.0),
                              anchor="end", weight="bold" if is_total else None, full=label))
        parts.append(svg.rect(x0, y0 + 4.0, x1 - x0, per - 8.0, colour,
                              f"{label}: {fmt(end - start)}"))
        if not is_total:
            parts.append(svg.tag("line", {"x1": scale(end), "y1": y0 + per - 4.0, "x2": scale(end),
                                          "y2": y0 + per + 4.0, "stroke": svg.MUTED,
                                          "stroke_dasharray": "2 2"}))
    image = svg.frame(chart_id, title, description, bottom + 30.0, legend + "".join(parts))
    rows = tuple((label, fmt(v), fmt(running[i + 1])) for i, (label, v) in enumerate(steps))
    rows += ((total_label, fmt(total), fmt(total)),)
    return Chart(chart_id, title, description, image, ("Step", "Change", "Running total"), rows)


def histogram_chart(chart_id: str, *, title: str, description: str,
                    histograms: Mapping[str, tuple[Sequence[float], Sequence[float]]],
                    x_label: str, fmt: Formatter = format_number,
                    share_fmt: Formatter | None = None, tick_fmt: Formatter | None = None,
                    colours: Sequence[str] | None = None) -> Chart:
    """Small multiples of histograms, one panel per series on a shared x axis.

    Parameters
    ----------
    chart_id, title, description : str
        As for :func:`bar_chart`.
    histograms : mapping of str to (bin_edges, counts)
        For each series, ``n + 1`` increasing bin edges and ``n`` counts (or shares).
    x_label : str
        Title of the shared x axis.
    fmt : callable
        Formatter for bin edges (table and axis).
    share_fmt : callable, optional
        Formatter for the share of draws in a bin (a fraction); defaults to a percentage
        with one decimal.
    tick_fmt : callable, optional
        Formatter for the axis (defaults to ``fmt``).
    colours : sequence of str, optional
        One colour per panel; defaults to the Okabe–Ito palette in order.

    Returns
    -------
    Chart
        One row per series and bin: series, bin from, bin to, share of draws.

    Examples
    --------
    >>> c = histogram_chart("h", title="T", description="D.",
    ...                     histograms={"A": ([0.0, 1.0, 2.0], [1, 3])}, x_label="NPSV")
    >>> c.rows
    (('A', '0', '1', '25.0%'), ('A', '1', '2', '75.0%'))
    """
    _check_id(chart_id)
    for name, (edges, counts) in histograms.items():
        _check_values(chart_id, f"histograms[{name!r}].counts", counts, None)
        _check_values(chart_id, f"histograms[{name!r}].bin_edges", edges, len(counts) + 1)
        if any(b <= a for a, b in itertools.pairwise(edges)) or sum(counts) <= 0:
            _fail(chart_id, f"histograms[{name!r}]",
                  "bin edges must increase and counts must not all be zero",
                  "pass numpy.histogram output")
    share_fmt = share_fmt or (lambda v: f"{v * 100:.1f}%")
    edges_all = [e for edges, _ in histograms.values() for e in edges]
    ticks = nice_ticks(min(edges_all), max(edges_all), 6)
    left, right = 40.0, svg.WIDTH - 40.0
    xs = svg.Scale(ticks[0], ticks[-1], left, right)
    panel, gap, top = 64.0, 26.0, 8.0
    parts, rows = [], []
    for p, (name, (edges, counts)) in enumerate(histograms.items()):
        y_top = top + p * (panel + gap) + gap
        base = y_top + panel
        total = float(sum(counts))
        peak = max(counts) / total
        parts.append(svg.text(left, y_top - 8.0, svg.clip(name, 400.0), weight="bold", full=name))
        colour = colours[p] if colours else OKABE_ITO[p % 8]
        for k, c in enumerate(counts):
            share = c / total
            h = panel * share / peak
            tip = f"{name}: {fmt(edges[k])} to {fmt(edges[k + 1])}: {share_fmt(share)}"
            parts.append(svg.rect(xs(edges[k]), base - h, xs(edges[k + 1]) - xs(edges[k]), h,
                                  colour, tip))
            rows.append((name, fmt(edges[k]), fmt(edges[k + 1]), share_fmt(share)))
        parts.append(svg.tag("line", {"x1": left, "y1": base, "x2": right, "y2": base,
                                      "stroke": svg.INK}))
    bottom = top + len(histograms) * (panel + gap) + gap
    if ticks[0] < 0 < ticks[-1]:
        parts.append(svg.tag("line", {"x1": xs(0.0), "y1": top + gap - 4.0, "x2": xs(0.0),
                                      "y2": bottom - gap, "stroke": svg.INK, "stroke_width": 1.2,
                                      "stroke_dasharray": "4 3"}))
    for t in ticks:
        parts.append(svg.text(xs(t), bottom - gap + 16.0, (tick_fmt or fmt)(t), anchor="middle",
                              fill=svg.MUTED))
    parts.append(svg.text((left + right) / 2, bottom - gap + 34.0, x_label, anchor="middle",
                          fill=svg.MUTED))
    image = svg.frame(chart_id, title, description, bottom + 20.0, "".join(parts))
    columns = ("Series", "Bin from", "Bin to", "Share of draws")
    return Chart(chart_id, title, description, image, columns, tuple(rows))


def _ray_segment(slope: float, x0: float, x1: float, y0: float, y1: float
                 ) -> tuple[float, float, float, float] | None:
    """The part of the line ``y = slope * x`` inside the box, or None if it misses it."""
    lo, hi = x0, x1
    if slope > 0:
        lo, hi = max(lo, y0 / slope), min(hi, y1 / slope)
    elif slope < 0:
        lo, hi = max(lo, y1 / slope), min(hi, y0 / slope)
    if hi <= lo:
        return None
    return lo, slope * lo, hi, slope * hi


def scatter_chart(chart_id: str, *, title: str, description: str,
                  series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
                  centres: Mapping[str, tuple[float, float]],
                  x_label: str, y_label: str, x_fmt: Formatter = format_number,
                  y_fmt: Formatter = format_number, x_tick_fmt: Formatter | None = None,
                  y_tick_fmt: Formatter | None = None,
                  rays: Sequence[tuple[str, float]] = (),
                  colours: Sequence[str] | None = None,
                  table: tuple[Sequence[str], Sequence[Sequence[str]]] | None = None) -> Chart:
    """Points of several series on two numeric axes, each series' centre ringed, with
    lines through the origin (a cost-effectiveness plane and its thresholds).

    Parameters
    ----------
    chart_id, title, description : str
        As for :func:`bar_chart`.
    series : mapping of str to (x values, y values)
        The points of each series (the same number of x and y values).
    centres : mapping of str to (x, y)
        A ringed marker per series (its mean), drawn over the points.
    x_label, y_label : str
        Axis titles.
    x_fmt, y_fmt : callable
        Formatters of x and y values; ``x_tick_fmt`` and ``y_tick_fmt`` those of the
        ticks (default the value formatters).
    rays : sequence of (label, slope)
        Dashed lines ``y = slope * x`` (a threshold: £ per unit of effect), labelled at
        their end.
    colours : sequence of str, optional
        One colour per series; default the Okabe–Ito palette in order.
    table : (columns, rows), optional
        The data table to give with the chart; default one row per series: its number of
        points and its centre. (A table of every point would be as long as the sample.)

    Returns
    -------
    Chart

    Examples
    --------
    >>> c = scatter_chart("s", title="T", description="D.",
    ...                   series={"A": ([1.0, 2.0], [10.0, 30.0])}, centres={"A": (1.5, 20.0)},
    ...                   x_label="QALYs", y_label="£", rays=[("£10 per QALY", 10.0)])
    >>> c.columns, c.rows
    (('Series', 'Points', 'Mean QALYs', 'Mean £'), (('A', '2', '1.5', '20'),))
    >>> c.svg.count("<circle"), c.svg.count("stroke-dasharray")
    (3, 1)
    """
    _check_id(chart_id)
    for name, (xv, yv) in series.items():
        _check_values(chart_id, f"series[{name!r}].x", xv, None)
        _check_values(chart_id, f"series[{name!r}].y", yv, len(xv))
    for name, centre in centres.items():
        _check_values(chart_id, f"centres[{name!r}]", centre, 2)
    _check_values(chart_id, "rays", [s for _, s in rays], None)
    names = list(series)
    colours = list(colours) if colours else [OKABE_ITO[i % 8] for i in range(len(names))]
    xs_all = [v for s in names for v in series[s][0]] + [c[0] for c in centres.values()]
    ys_all = [v for s in names for v in series[s][1]] + [c[1] for c in centres.values()]
    xt, yt = svg.domain(xs_all), svg.domain(ys_all)
    x_tick_fmt, y_tick_fmt = x_tick_fmt or x_fmt, y_tick_fmt or y_fmt
    legend, legend_h = svg.legend([(s, colours[i], None) for i, s in enumerate(names)], 16.0)
    top = legend_h + 34.0
    left = max(svg.text_width(y_tick_fmt(t)) for t in yt) + 16.0
    right, bottom = svg.WIDTH - 30.0, top + 300.0
    sx, sy = svg.Scale(xt[0], xt[-1], left, right), svg.Scale(yt[0], yt[-1], bottom, top)
    parts = [svg.value_axis(sy, yt, y_tick_fmt, horizontal=False, cross0=left, cross1=right),
             svg.text(left, top - 14.0, y_label, fill=svg.MUTED)]
    for t in xt:
        colour, width = (svg.INK, 1.2) if t == 0 else (svg.GRID, 0.6)
        parts.append(svg.tag("line", {"x1": sx(t), "y1": top, "x2": sx(t), "y2": bottom,
                                      "stroke": colour, "stroke_width": width}))
        parts.append(svg.text(sx(t), bottom + 18.0, x_tick_fmt(t), anchor="middle",
                              fill=svg.MUTED))
    parts.append(svg.text((left + right) / 2, bottom + 36.0, x_label, anchor="middle",
                          fill=svg.MUTED))
    for k, (label, slope) in enumerate(rays):
        seg = _ray_segment(slope, xt[0], xt[-1], yt[0], yt[-1])
        if seg is None:
            continue
        ax, ay, bx, by = seg
        parts.append(svg.tag("line", {"x1": sx(ax), "y1": sy(ay), "x2": sx(bx), "y2": sy(by),
                                      "stroke": svg.INK, "stroke_width": 1.2,
                                      "stroke_dasharray": DASHES[1 + k % 7]},
                             svg.tag("title", None, str(escape(label)))))
        at_top = sy(by) <= top + 0.5  # the ray leaves through the top, not the right
        parts.append(svg.text(sx(bx) - (10.0 if at_top else 4.0),
                              sy(by) + (4.0 if at_top else -6.0), label, anchor="end",
                              size=11.0))
    for i, s in enumerate(names):
        xv, yv = series[s]
        parts.extend(svg.tag("circle", {"cx": sx(a), "cy": sy(b), "r": 2.2, "fill": colours[i],
                                        "fill_opacity": 0.45})
                     for a, b in zip(xv, yv, strict=True))
    for i, s in enumerate(names):
        if s in centres:
            cx, cy = centres[s]
            parts.append(svg.tag("circle", {"cx": sx(cx), "cy": sy(cy), "r": 6.5,
                                            "fill": colours[i], "stroke": svg.INK,
                                            "stroke_width": 2.0},
                                 svg.tag("title", None, str(escape(
                                     f"{s}: mean {x_fmt(cx)}, {y_fmt(cy)}")))))
    image = svg.frame(chart_id, title, description, bottom + 48.0, legend + "".join(parts))
    if table is not None:
        columns, rows = tuple(table[0]), tuple(tuple(r) for r in table[1])
    else:
        columns = ("Series", "Points", f"Mean {x_label}", f"Mean {y_label}")
        rows = tuple((s, f"{len(series[s][0]):,}", x_fmt(centres[s][0]), y_fmt(centres[s][1]))
                     for s in names if s in centres)
    return Chart(chart_id, title, description, image, columns, rows)
