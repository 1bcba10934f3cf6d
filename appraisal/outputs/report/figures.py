"""The report's figures, built from a validated report context.

:func:`build_figures` maps each part of the context to one of the generic chart
builders in :mod:`appraisal.outputs.report.charts`. It only arranges numbers that are
already in the context (it sums nothing that the report also shows as a total), so
the figures and the tables beside them always agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from appraisal.formatting import (
    distinct_decimals,
    format_money,
    format_number,
    format_percent,
)
from appraisal.outputs.report import charts
from appraisal.outputs.report.charts import Chart

__all__ = ["build_figures"]

_PROBABILITY_TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)
#: The colours of what is gained (benefits, savings), lost (costs) and the net of the two.
_GAIN, _LOSS, _NET = charts.OKABE_ITO[2], charts.OKABE_ITO[1], charts.OKABE_ITO[0]


def _ordered(ctx: Mapping[str, Any], keyed: Mapping[str, Any]) -> list[str]:
    """Option ids present in ``keyed``, in the order the options are declared."""
    return [o["id"] for o in ctx["options"] if o["id"] in keyed]


@dataclass(frozen=True)
class _Kit:
    """What every figure needs: names, styles, formatters and unit captions."""

    names: dict[str, str]
    styles: dict[str, tuple[str, str | None]]
    money: Callable[[float], str]
    ticks: Callable[[float], str]
    prices: str
    pv_unit: str
    unit: str

    def colours(self, ids: list[str]) -> list[str]:
        return [self.styles[i][0] for i in ids]

    def dashes(self, ids: list[str]) -> list[str | None]:
        return [self.styles[i][1] for i in ids]

    def money_bars(self, figs: dict[str, Chart], name: str, **spec: Any) -> None:
        """Build the bar chart of money ``name`` into ``figs``, in the report's unit."""
        _add(figs, name, charts.bar_chart, fmt=self.money, tick_fmt=self.ticks, **spec)


def build_figures(ctx: Mapping[str, Any], unit: str) -> dict[str, Chart]:
    """Build every figure the context has data for.

    Parameters
    ----------
    ctx : dict
        A report context that has passed
        :func:`~appraisal.outputs.report.schema.validate_context` (not re-checked here).
    unit : {"£", "£m"}
        The money unit of the report.

    Returns
    -------
    dict of str to Chart
        Keyed by figure name (``"cash_flow"``, ``"pv_by_option"``, ``"waterfall"``,
        ``"value_types"``, ``"agencies"``, ``"pooled_budget"``, ``"cash_by_year"``,
        ``"incidence"``, ``"eta_curve"``,
        ``"mca_contributions"``, ``"tornado"``, ``"npsv_distribution"``,
        ``"p_preferred"``, ``"acceptability"``, ``"sobol"``, ``"sobol_1"``, ``"ceac"``,
        ``"ce_plane"``); figures
        without data are left out. Each option keeps one colour and dash pattern in every figure.
    """
    prices = f"{unit}, real, {ctx['meta']['price_base_year']} prices"
    palette, dashes = charts.OKABE_ITO, charts.DASHES
    kit = _Kit(
        names={o["id"]: o["name"] for o in ctx["options"]},
        styles={o["id"]: (palette[i % len(palette)], dashes[i % len(dashes)])
                for i, o in enumerate(ctx["options"])},
        money=partial(format_money, unit=unit),
        ticks=partial(format_money, unit=unit, decimals=2, trim=True),
        prices=prices,
        pv_unit=f"{prices}, discounted to {ctx['meta']['discount_base_year']}",
        unit=unit,
    )
    figs: dict[str, Chart] = {}
    for part, build in (("cba", _cba), ("public_value", _public_value),
                        ("distributional", _distributional), ("mca", _mca),
                        ("uncertainty", _uncertainty), ("cost_effectiveness", _cost_effectiveness)):
        if ctx.get(part):
            build(ctx[part], ctx, kit, figs)
    return figs


def _add(figs: dict[str, Chart], name: str, build: Callable[..., Chart], **spec: Any) -> None:
    """Build the figure ``name`` into ``figs``; its HTML id is ``fig-`` and the name, hyphenated."""
    figs[name] = build("fig-" + name.replace("_", "-"), **spec)


#: Each builder below draws the figures of one part of the context (given when it is not
#: empty) into ``figs``.
_Part = Mapping[str, Any]


def _cba(cba: _Part, ctx: _Part, kit: _Kit, figs: dict[str, Chart]) -> None:
    names = kit.names
    flows = cba["cash_flows"]
    ids = _ordered(ctx, flows["net"])
    if ids:
        _add(figs, "cash_flow", charts.line_chart,
             title="Cash-flow profile by option",
             description=(f"{flows['measure']} per year for each option, in {kit.prices}, "
                          "undiscounted."),
             x=flows["years"], series={names[i]: flows["net"][i] for i in ids},
             x_label="Year", y_label=f"{kit.prices}, undiscounted", x_fmt=lambda v: f"{v:.0f}",
             y_fmt=kit.money, tick_fmt=kit.ticks, colours=kit.colours(ids),
             dashes=kit.dashes(ids))
    metrics = {m["option"]: m for m in cba["metrics"]}
    ids = _ordered(ctx, metrics)
    kit.money_bars(
        figs, "pv_by_option", title="Present value of benefits and costs by option",
        description=(f"PV benefits, PV costs (shown below zero) and NPSV for each option, "
                     f"in {kit.pv_unit}."),
        categories=[names[i] for i in ids], category_label="Option",
        series={"PV benefits": [metrics[i]["pv_benefits"] for i in ids],
                "PV costs": [-metrics[i]["pv_costs"] for i in ids],
                "NPSV": [metrics[i]["npsv"] for i in ids]},
        colours=[_GAIN, _LOSS, _NET])
    option = cba.get("waterfall_option", ctx["summary"]["preferred_option"])
    lines = sorted(cba["pv_lines"], key=lambda ln: ln["kind"] != "benefit")
    steps = [(ln["category"], ln["pv"][option] if ln["kind"] == "benefit" else -ln["pv"][option])
             for ln in lines]
    _add(figs, "waterfall", charts.waterfall_chart,
         title=f"From present values to NPSV: {names[option]}",
         description=(f"Each benefit adds to, and each cost takes away from, the net present "
                      f"social value of {names[option]}, in {kit.pv_unit}."),
         steps=steps, total_label="NPSV", fmt=kit.money, tick_fmt=kit.ticks)


def _public_value(pv: _Part, ctx: _Part, kit: _Kit, figs: dict[str, Chart]) -> None:
    names = kit.names
    if pv.get("by_value_type"):
        rows = pv["by_value_type"]
        kit.money_bars(
            figs, "value_types", title="Net present value by type of value",
            description=f"Fiscal, economic and social value for each option, in {kit.pv_unit}.",
            categories=[names[r["option"]] for r in rows], category_label="Option",
            series={"Fiscal": [r["fiscal"] for r in rows],
                    "Economic": [r["economic"] for r in rows],
                    "Social": [r["social"] for r in rows]},
            stacked=True)
    if pv.get("agencies"):
        _agency_bars(
            figs, "agencies", kit, pv["agencies"], "rows", "Who pays and who benefits",
            description=(f"PV of costs borne (below zero), benefits received and net position "
                         f"of each agency, in {kit.pv_unit}."), category_label="Agency",
            series={"Costs borne": ("pv_costs", -1), "Benefits received": ("pv_benefits", 1),
                    "Net position": ("net", 1)},
            colours=[_LOSS, _GAIN, _NET], horizontal=True)
    if pv.get("pooled_budget"):
        pool = pv["pooled_budget"]
        _agency_bars(
            figs, "pooled_budget", kit, pool, "partners", "Pooled budget by partner",
            description=(f"Each partner's PV of {pool['basis']}, its contribution to the pooled "
                         f"cost as the case is funded, and its contribution in proportion to "
                         f"its savings, in {kit.pv_unit}."), category_label="Partner",
            series={"PV of savings": ("savings", 1), "Paid as funded": ("actual_contribution", 1),
                    "Paid in proportion to savings": ("proportional_contribution", 1)},
            colours=[_GAIN, _LOSS, _NET])
    if pv.get("cash_by_year"):
        cash = pv["cash_by_year"]
        agencies = cash["agencies"]
        n = len(charts.OKABE_ITO)
        _add(figs, "cash_by_year", charts.line_chart,
             title=f"Cumulative cash position by agency: "
                                       f"{names[cash['option']]}",
             description=("Running total of each agency's cashable savings less its costs, "
                          f"year by year, incremental to the counterfactual, in {kit.prices}, "
                          "undiscounted."),
             x=cash["years"], series={a["agency"]: a["cumulative"] for a in agencies},
             x_label="Year", y_label=f"{kit.prices}, undiscounted",
             x_fmt=lambda v: f"{v:.0f}", y_fmt=kit.money, tick_fmt=kit.ticks,
             colours=[charts.OKABE_ITO[i % n] for i in range(len(agencies))],
             dashes=[charts.DASHES[i % len(charts.DASHES)] for i in range(len(agencies))])


def _agency_bars(figs: dict[str, Chart], name: str, kit: _Kit, block: _Part, rows: str,
                 title: str, *, series: Mapping[str, tuple[str, int]], **spec: Any) -> None:
    """Money bars of one option's agencies (``block[rows]``), titled with the option's name.

    ``series`` maps each series' label to the field of a row it shows and its sign.
    """
    agencies = block[rows]
    kit.money_bars(figs, name, title=f"{title}: {kit.names[block['option']]}",
                   categories=[r["agency"] for r in agencies],
                   series={label: [sign * r[key] for r in agencies]
                           for label, (key, sign) in series.items()}, **spec)


def _distributional(dist: _Part, ctx: _Part, kit: _Kit, figs: dict[str, Chart]) -> None:
    names = kit.names
    ids = _ordered(ctx, dist["incidence"])
    if ids:
        kit.money_bars(
            figs, "incidence", title="Incidence of net benefits by income group",
            description=f"Unweighted net benefit to each income group, in {kit.pv_unit}.",
            categories=dist["groups"], category_label="Income group",
            series={names[i]: dist["incidence"][i] for i in ids}, colours=kit.colours(ids))
    curve = dist.get("eta_curve")
    if curve:
        ids = _ordered(ctx, curve["npsv"])
        _add(figs, "eta_curve", charts.line_chart,
             title="Weighted NPSV as the inequality aversion (η) varies",
             description=(f"Distributionally weighted NPSV of each option for values of η; the "
                          f"dashed line marks the central η of {format_number(dist['eta'])}. "
                          f"Values in {kit.pv_unit}."),
             x=curve["eta"], series={names[i]: curve["npsv"][i] for i in ids},
             x_label="Elasticity of marginal utility of income (η)", y_label=kit.pv_unit,
             x_fmt=partial(format_number, decimals=2), y_fmt=kit.money, tick_fmt=kit.ticks,
             marker_x=dist["eta"], colours=kit.colours(ids), dashes=kit.dashes(ids))


#: Stacked segments a chart can tell apart: the palette has eight colours.
_MAX_SEGMENTS = 8


def _mca(mca: _Part, ctx: _Part, kit: _Kit, figs: dict[str, Chart]) -> None:
    rows = mca["scores"]
    series = {c["name"]: [r["weighted"][c["id"]] for r in rows] for c in mca["criteria"]}
    description = ("Each bar is an option's total weighted score; segments show how much "
                   "each criterion contributes.")
    if len(series) > _MAX_SEGMENTS:
        # distinct colours run out: keep the criteria that contribute most, sum the rest
        ranked = sorted(series, key=lambda n: -max(abs(v) for v in series[n]))
        kept, rest = ranked[: _MAX_SEGMENTS - 1], ranked[_MAX_SEGMENTS - 1:]
        other = [sum(series[n][i] for n in rest) for i in range(len(rows))]
        series = {**{n: series[n] for n in kept}, f"Other criteria ({len(rest)})": other}
        description += (f" The {len(rest)} criteria that contribute least are summed as 'Other "
                        "criteria'; the table above gives every criterion.")
    _add(figs, "mca_contributions", charts.bar_chart,
         title="Weighted score by option and criterion",
         description=description,
         categories=[kit.names[r["option"]] for r in rows], category_label="Option",
         series=series,
         stacked=True, horizontal=True, fmt=partial(format_number, decimals=1),
         tick_fmt=format_number)


def _uncertainty(unc: _Part, ctx: _Part, kit: _Kit, figs: dict[str, Chart]) -> None:
    names = kit.names
    if unc.get("tornado"):
        t = unc["tornado"]
        _add(figs, "tornado", charts.tornado_chart,
             title=f"One-way sensitivity of NPSV: {names[t['option']]}",
             description=(f"NPSV of {names[t['option']]} with each input at its low and high "
                          f"value, widest swing first, in {kit.pv_unit}."),
             parameters=[r["parameter"] for r in t["rows"]],
             low=[r["npsv_low"] for r in t["rows"]], high=[r["npsv_high"] for r in t["rows"]],
             low_labels=[r["low_label"] for r in t["rows"]],
             high_labels=[r["high_label"] for r in t["rows"]], base=t["base_npsv"],
             fmt=kit.money, tick_fmt=kit.ticks)
    mc = unc.get("monte_carlo")
    if mc:
        ids = _ordered(ctx, mc["histograms"])
        if ids:
            # bin edges at the precision at which neighbouring edges differ
            places = max(distinct_decimals(mc["histograms"][i]["bin_edges"], kit.unit)
                         for i in ids)
            edge_fmt = partial(format_money, unit=kit.unit, decimals=places)
            _add(figs, "npsv_distribution", charts.histogram_chart,
                 title="Distribution of NPSV by option",
                 description=(f"Share of {mc['n_draws']:,} Monte Carlo draws in each NPSV band, "
                              f"one panel per option; the dashed line marks zero. "
                              f"{kit.pv_unit}."),
                 histograms={names[i]: (mc["histograms"][i]["bin_edges"],
                                        mc["histograms"][i]["counts"]) for i in ids},
                 x_label=f"NPSV ({kit.pv_unit})", fmt=edge_fmt, tick_fmt=kit.ticks,
                 colours=kit.colours(ids))
        ids = _ordered(ctx, mc["p_preferred"])
        _add(figs, "p_preferred", charts.bar_chart,
             title="Probability that each option has the highest NPSV",
             description="Share of Monte Carlo draws in which each option has the highest NPSV.",
             categories=[names[i] for i in ids], category_label="Option",
             series={"Probability preferred": [mc["p_preferred"][i] for i in ids]},
             horizontal=True, fmt=partial(format_percent, decimals=1), tick_fmt=format_percent)
    acc = unc.get("acceptability")
    if acc:
        ids = _ordered(ctx, acc["curves"])
        x_fmt = partial(format_money, unit="auto", trim=True) if acc["x_is_money"] \
            else format_number
        _add(figs, "acceptability", charts.line_chart,
             title="Acceptability curves",
             description=(f"Probability that each option has the highest NPSV as "
                          f"{acc['x_label']} varies."),
             x=acc["x"], series={names[i]: acc["curves"][i] for i in ids},
             x_label=acc["x_label"], y_label="Probability preferred", x_fmt=x_fmt,
             y_fmt=format_percent, y_ticks=_PROBABILITY_TICKS, colours=kit.colours(ids),
             dashes=kit.dashes(ids))
    for k, comp in enumerate((unc.get("sobol") or {}).get("comparisons", [])):
        _add(figs, "sobol" if k == 0 else f"sobol_{k}", charts.bar_chart,
             title=f"Sobol sensitivity indices: {comp['output']}",
             description=("First-order and total-order Sobol indices: the share of the variance "
                          f"of the {comp['output']} ({comp['comparison']}) due to each input "
                          "alone and with its interactions."),
             categories=[r["parameter"] for r in comp["rows"]], category_label="Input",
             series={"First-order (S1)": [r["s1"] for r in comp["rows"]],
                     "Total-order (ST)": [r["st"] for r in comp["rows"]]},
             horizontal=True, fmt=partial(format_number, decimals=2))


def _cost_effectiveness(ce: _Part, ctx: _Part, kit: _Kit, figs: dict[str, Chart]) -> None:
    acc = ce.get("acceptability")
    if not acc:
        return
    unit = ce["effect_unit"]
    ids = _ordered(ctx, acc["curves"])
    x_label = f"Threshold (£ per {unit})"
    _add(figs, "ceac", charts.line_chart,
         title="Cost-effectiveness acceptability curves",
         description=(f"Probability that each option has the highest net benefit (threshold × "
                      f"{unit} − cost) across {acc['n_draws']:,} Monte Carlo draws, as the "
                      f"threshold varies; the acceptability frontier (CEAF) follows the option "
                      f"with the highest expected net benefit."),
         x=acc["thresholds"],
         series={**{kit.names[i]: acc["curves"][i] for i in ids},
                 "Acceptability frontier (CEAF)": acc["frontier_probability"]},
         x_label=x_label, y_label="Probability most cost-effective",
         x_fmt=partial(format_money, unit="£", trim=True), y_fmt=format_percent,
         y_ticks=_PROBABILITY_TICKS, colours=[*kit.colours(ids), "#000000"],
         dashes=[*kit.dashes(ids), "1 2"])
    plane = acc.get("plane")
    if not plane:
        return
    rows = {r["option"]: r for r in plane}
    ids = _ordered(ctx, rows)
    cost_fmt = kit.money

    def qalys(v: float) -> str:
        return format_number(v, decimals=1)

    def spread(r: Mapping[str, float], fmt: Callable[[float], str]) -> str:
        return f"{fmt(r['p5'])} to {fmt(r['p95'])}"

    cf = kit.names[ce["counterfactual"]]
    _add(figs, "ce_plane", charts.scatter_chart,
         title="Cost-effectiveness plane",
         description=(f"Incremental cost against incremental {unit}s of each option compared "
                      f"with {cf}, for {acc['plane_selection']} (dots; the ringed dot is the "
                      f"mean of all {acc['n_draws']:,} draws); dashed lines are the thresholds: "
                      f"below a line an option is cost-effective at that threshold."),
         series={kit.names[i]: (rows[i]["sample_effect"], rows[i]["sample_cost"]) for i in ids},
         centres={kit.names[i]: (rows[i]["inc_effect"]["mean"], rows[i]["inc_cost"]["mean"])
                  for i in ids},
         x_label=f"Incremental {unit}s", y_label=f"Incremental cost ({kit.pv_unit})",
         x_fmt=qalys, y_fmt=cost_fmt, x_tick_fmt=format_number, y_tick_fmt=kit.ticks,
         rays=[(f"£{format_number(t['threshold'])} per {unit}", t["threshold"])
               for t in ce["thresholds"]],
         colours=kit.colours(ids),
         table=(("Option", f"Mean incremental {unit}s", f"5th to 95th percentile ({unit}s)",
                 "Mean incremental cost", "5th to 95th percentile (cost)",
                 "More costly, more effective", "Less costly, more effective",
                 "More costly, less effective", "Less costly, less effective"),
                [(kit.names[i], qalys(rows[i]["inc_effect"]["mean"]),
                  spread(rows[i]["inc_effect"], qalys), cost_fmt(rows[i]["inc_cost"]["mean"]),
                  spread(rows[i]["inc_cost"], cost_fmt),
                  *(format_percent(rows[i]["quadrants"][q], 1) for q in (
                      "north-east", "south-east", "north-west", "south-west")))
                 for i in ids]))
