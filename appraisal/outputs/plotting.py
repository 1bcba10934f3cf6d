"""Matplotlib charts of an appraisal result, for notebooks: ``appraisal.plot(result).tornado()``.

:class:`PlotAccessor` is what :func:`plot` (``appraisal.plot``) returns. Each method draws
one chart on a matplotlib ``Axes`` (a new figure when ``ax`` is not given) and returns the
``Axes``. The numbers come from the same place as the HTML report's figures
(:func:`appraisal.outputs.report.context.report_context`, built once per accessor), so a
notebook chart and the report agree; the cash-flow chart is built from
``result.to_frame("cashflows")``. Axes are labelled with the toolkit's measure names
(:data:`appraisal.engine.headline.LABELS`); money is in £m when it runs to millions.

matplotlib is an optional dependency (``pip install 'appraisal[plot]'``) imported only
when a chart is drawn, so ``import appraisal`` never imports it.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from appraisal import evaluate, example_path, load_case
>>> result = evaluate(load_case(example_path("prevention")))
>>> ax = plot(result).cashflows()
>>> print(ax.get_ylabel())
Net benefit against business as usual
(£m, real, 2025 prices, undiscounted)
>>> ax.get_legend_handles_labels()[1]
['Do minimum', 'Whole-family service', 'Whole-family service and hub']
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from appraisal.engine.headline import LABELS
from appraisal.errors import AppraisalValidationError, Issue

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from appraisal.engine.results import AppraisalResult

__all__ = ["PlotAccessor", "plot"]

#: Default figure size (inches) of a chart drawn without ``ax``: small enough for a notebook.
FIGSIZE = (6.4, 3.6)


def _axes(ax: Axes | None, figsize: tuple[float, float] = FIGSIZE) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new


def _scale(values: Any) -> tuple[float, str]:
    """(divisor, unit): £m when the largest absolute amount is at least £1m, else £."""
    import numpy as np

    arr = np.abs(np.asarray(list(values), dtype=float))
    big = float(np.nanmax(arr)) if arr.size else 0.0
    return (1e6, "£m") if big >= 1e6 else (1.0, "£")


def _missing(lens: str, fix: str) -> AppraisalValidationError:
    msg = f"this result has no {lens} lens to plot"
    return AppraisalValidationError(
        [Issue("missing-lens", msg, field=f"lenses.{lens}", fix=fix)], source="appraisal.plot")


def _no_analysis(msg: str, field: str, fix: str) -> AppraisalValidationError:
    return AppraisalValidationError([Issue("missing-analysis", msg, field=field, fix=fix)],
                                    source="appraisal.plot")


def _finish(ax: Axes, title: str, xlabel: str, ylabel: str) -> Axes:
    """Title and label a chart, give it a small legend, and return it."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize="small")
    return ax


_PARAMETERS = "\nParameters\n----------\n"
_CHART_SECTIONS = """ax : matplotlib Axes, optional
    Where to draw; a new figure when not given.

Returns
-------
matplotlib Axes
"""
_NEEDS_UNCERTAINTY = ("AppraisalValidationError\n    When the result has no uncertainty lens: "
                      'evaluate with ``lenses="all"``.')
_NEEDS_CE = ("AppraisalValidationError\n    When the result has no {what}: the case needs "
             '``cost_effectiveness:`` and ``uncertainty:`` sections, evaluated with '
             '``lenses="all"``.')
_Method = TypeVar("_Method", bound=Callable[..., Any])


def _chart_doc(raises: str = "") -> Callable[[_Method], _Method]:
    """Complete the docstring of a chart method with the sections every chart shares.

    The ``ax`` parameter (after the method's own parameters, if it has any), what it
    returns and ``raises`` (the body of a numpydoc Raises section) go after the method's
    own text and before its examples.
    """
    def document(method: _Method) -> _Method:
        own = inspect.cleandoc(method.__doc__ or "")
        head, examples, rest = own.partition("\nExamples\n")
        text, _, params = head.partition(_PARAMETERS)
        params = params.strip("\n") + "\n" if params else ""
        method.__doc__ = (text.rstrip() + "\n" + _PARAMETERS + params + _CHART_SECTIONS
                          + ("\nRaises\n------\n" + raises + "\n" if raises else "")
                          + ("\nExamples\n" + rest if examples else ""))
        return method
    return document


#: The y-axis limits of a chart of probabilities, with a margin so 0 and 1 show.
_PROBABILITY = (-0.02, 1.02)
_EVALUATE_ALL = "evaluate with appraisal.evaluate(case, lenses=\"all\")"
_CE_FIX = "give the case cost_effectiveness: and uncertainty: sections and " + _EVALUATE_ALL


class PlotAccessor:
    """Charts of one :class:`~appraisal.engine.results.AppraisalResult`: ``appraisal.plot(result)``.

    Parameters
    ----------
    result : AppraisalResult
        What :func:`appraisal.evaluate` returned. The uncertainty charts (:meth:`tornado`,
        :meth:`npsv_distribution`, :meth:`acceptability`, :meth:`sobol`) need the
        uncertainty lens, which runs only with ``evaluate(case, lenses="all")``.
    """

    def __init__(self, result: AppraisalResult) -> None:
        self._result = result
        self._ctx: dict[str, Any] | None = None

    def __repr__(self) -> str:
        names = ("cashflows", "eta_curve", "tornado", "npsv_distribution", "acceptability",
                 "sobol", "ceac", "ce_plane")
        return f"<PlotAccessor of {self._result.case.title!r}: {', '.join(names)}>"

    # ------------------------------------------------------------------ shared data
    @property
    def _context(self) -> dict[str, Any]:
        """The report context of the result (built once): the figures' numbers."""
        if self._ctx is None:
            from appraisal.outputs.report.context import report_context

            self._ctx = report_context(self._result)
        return self._ctx

    def _names(self) -> dict[str, str]:
        return {o["id"]: o["name"] for o in self._context["options"]}

    def _ordered(self, keyed: dict[str, Any]) -> list[str]:
        return [o["id"] for o in self._context["options"] if o["id"] in keyed]

    def _unit_caption(self, unit: str, *, discounted: bool = True) -> str:
        case = self._result.case
        text = f"{unit}, real, {case.price_base_year} prices"
        return text + (f", discounted to {case.base_year}" if discounted else ", undiscounted")

    def _uncertainty(self, part: str, what: str) -> dict[str, Any]:
        if "uncertainty" not in self._result.lenses:
            fix = (_EVALUATE_ALL + " (the uncertainty analyses run only on request) on a "
                   "case with an uncertainty: section")
            raise _missing(lens="uncertainty", fix=fix)
        data = self._context.get("uncertainty", {}).get(part)
        if not data:
            msg = f"the uncertainty lens of this result has no {what}"
            fix = {"sobol": "add 'sobol: {base_samples: 1024}' to the case's uncertainty: "
                            "section and " + _EVALUATE_ALL}.get(
                part, "declare uncertain inputs in the case's uncertainty: section and "
                + _EVALUATE_ALL)
            raise _no_analysis(msg, f"uncertainty.{part}", fix)
        return data

    # ------------------------------------------------------------------ charts
    @_chart_doc()
    def cashflows(self, option: str | None = None, *, discounted: bool = False,
                  ax: Axes | None = None) -> Axes:
        """Net benefit by year, from ``result.to_frame("cashflows")``.

        Parameters
        ----------
        option : str, optional
            ``None`` (default): one line per option (except business as usual) of its net
            benefit (benefits minus costs) against business as usual, the report's
            cash-flow profile. An option's name: that option's own benefits (above zero)
            and costs (below zero) as bars by year, with its net benefit as a line.
        discounted : bool
            Discounted amounts instead of real, undiscounted ones.
        """
        result = self._result
        frame = result.to_frame("cashflows")
        column = "discounted" if discounted else "real"
        frame = frame.assign(signed=frame[column].where(frame["kind"] == "benefit",
                                                         -frame[column]))
        years = [int(y) for y in result.compiled.years]
        ax = _axes(ax)
        if option is None:
            net = (frame.pivot_table(index="option", columns="year", values="signed",
                                     aggfunc="sum", fill_value=0.0)
                   .reindex(index=[o.name for o in result.case.options],
                            columns=years, fill_value=0.0))
            cf = result.case.counterfactual.name
            inc = net.sub(net.loc[cf], axis=1).drop(index=cf)
            div, unit = _scale(inc.to_numpy().ravel())
            for name, row in inc.iterrows():
                ax.plot(years, row.to_numpy() / div, label=str(name))
            ylabel = ("Net benefit against business as usual\n"
                      f"({self._unit_caption(unit, discounted=discounted)})")
            title = "Cash-flow profile by option"
        else:
            result.option(option)  # KeyError naming the options when there is no such option
            mine = frame[frame["option"] == option]
            by_kind = (mine.pivot_table(index="year", columns="kind", values="signed",
                                        aggfunc="sum", fill_value=0.0)
                       .reindex(index=years, columns=["benefit", "cost"], fill_value=0.0))
            div, unit = _scale(by_kind.to_numpy().ravel())
            ax.bar(years, by_kind["benefit"] / div, label="Benefits", color="#009E73")
            ax.bar(years, by_kind["cost"] / div, label="Costs", color="#D55E00")
            ax.plot(years, by_kind.sum(axis=1) / div, label="Net benefit", color="black")
            ylabel = self._unit_caption(unit, discounted=discounted)
            title = f"Benefits and costs by year: {option}"
        ax.axhline(0.0, color="grey", linewidth=0.8)
        return _finish(ax, title, "Year", ylabel)

    @_chart_doc("AppraisalValidationError\n    When the result has no distributional lens "
                "(the case has no ``distributional:`` section).")
    def eta_curve(self, *, ax: Axes | None = None) -> Axes:
        """Distributionally weighted NPSV against business as usual as η varies.

        One line per option (except business as usual) over the distributional lens's η
        grid; a dotted vertical line marks the case's central η.
        """
        dist = self._context.get("distributional")
        if not dist or not dist.get("eta_curve"):
            fix = ("add a distributional: section to the case (income groups and the "
                   "incidence of each line)")
            raise _missing(lens="distributional", fix=fix)
        curve, names = dist["eta_curve"], self._names()
        ids = self._ordered(curve["npsv"])
        div, unit = _scale(v for i in ids for v in curve["npsv"][i])
        ax = _axes(ax)
        for i in ids:
            ax.plot(curve["eta"], [v / div for v in curve["npsv"][i]], label=names[i])
        ax.axvline(dist["eta"], color="grey", linestyle=":", label=f"Central η = {dist['eta']:g}")
        ax.axhline(0.0, color="grey", linewidth=0.8)
        return _finish(ax, "Weighted NPSV as the inequality aversion (η) varies",
                       "Elasticity of marginal utility of income (η)",
                       f"Weighted {LABELS['inc_npsv']}\n({self._unit_caption(unit)})")

    @_chart_doc(_NEEDS_UNCERTAINTY)
    def tornado(self, *, ax: Axes | None = None) -> Axes:
        """One-way sensitivity of the NPSV against business as usual (tornado chart).

        Two bars per uncertain input, from the central NPSV to the NPSV with the input at
        its low and at its high value (the uncertainty lens's one-way analysis of the
        preferred option, or the best alternative), widest swing at the top.
        """
        t = self._uncertainty("tornado", "one-way sensitivity (tornado)")
        rows, base = t["rows"], t["base_npsv"]
        div, unit = _scale([base, *(r["npsv_low"] for r in rows),
                            *(r["npsv_high"] for r in rows)])
        ax = _axes(ax, (FIGSIZE[0], max(FIGSIZE[1], 0.35 * len(rows) + 1.2)))
        y = list(range(len(rows)))[::-1]  # widest swing first, at the top
        ax.barh(y, [(r["npsv_low"] - base) / div for r in rows], left=base / div, height=0.6,
                color="#0072B2", label="Input at its low value")
        ax.barh(y, [(r["npsv_high"] - base) / div for r in rows], left=base / div, height=0.6,
                color="#E69F00", label="Input at its high value")
        ax.axvline(base / div, color="black", linewidth=0.8)
        ax.set_yticks(y, [r["parameter"] for r in rows])
        return _finish(ax, f"One-way sensitivity: {self._names().get(t['option'], t['option'])}",
                       f"{LABELS['inc_npsv']}\n({self._unit_caption(unit)})", "Uncertain input")

    @_chart_doc(_NEEDS_UNCERTAINTY)
    def npsv_distribution(self, *, ax: Axes | None = None) -> Axes:
        """Monte Carlo distribution of the NPSV against business as usual, by option.

        One step histogram per option (the lens's bins; options whose NPSV does not vary
        have none), as the share of draws in each band; a dotted line marks zero.
        """
        mc = self._uncertainty("monte_carlo", "Monte Carlo draws")
        hists, names = mc["histograms"], self._names()
        ids = self._ordered(hists)
        div, unit = _scale(e for i in ids for e in hists[i]["bin_edges"])
        ax = _axes(ax)
        for i in ids:
            counts, edges = hists[i]["counts"], hists[i]["bin_edges"]
            total = sum(counts) or 1.0
            ax.stairs([c / total for c in counts], [e / div for e in edges], label=names[i],
                      linewidth=1.5)
        ax.axvline(0.0, color="grey", linestyle=":")
        return _finish(ax, "Distribution of NPSV by option (Monte Carlo)",
                       f"{LABELS['inc_npsv']}\n({self._unit_caption(unit)})",
                       f"Share of {mc['n_draws']:,} draws")

    @_chart_doc(_NEEDS_UNCERTAINTY)
    def acceptability(self, *, ax: Axes | None = None) -> Axes:
        """Acceptability curves: the probability that each option has the highest NPSV.

        One line per option over the lens's acceptability axis (η when the case's
        uncertainty covers distributional weights, else a threshold).
        """
        acc = self._uncertainty("acceptability", "acceptability curves")
        names = self._names()
        x = acc["x"]
        div, unit = _scale(x) if acc["x_is_money"] else (1.0, "")
        ax = _axes(ax)
        for i in self._ordered(acc["curves"]):
            ax.plot([v / div for v in x], acc["curves"][i], label=names[i])
        ax.set_ylim(*_PROBABILITY)
        return _finish(ax, "Acceptability curves", acc["x_label"] + (f" ({unit})" if unit else ""),
                       "Probability preferred")

    @_chart_doc(_NEEDS_CE.format(what="curves"))
    def ceac(self, *, ax: Axes | None = None) -> Axes:
        """Cost-effectiveness acceptability curves and frontier (CEAC, CEAF).

        The probability that each option has the highest net benefit (threshold × effect −
        cost) across the Monte Carlo draws, against the threshold in £ per unit of effect;
        the frontier (dotted) follows the option with the highest expected net benefit.
        The case's own thresholds are marked.
        """
        ce = self._context.get("cost_effectiveness") or {}
        acc = ce.get("acceptability")
        if not acc:
            msg = "this result has no cost-effectiveness acceptability curves"
            raise _no_analysis(msg, "cost_effectiveness.acceptability", _CE_FIX)
        names = self._names()
        ax = _axes(ax)
        x = acc["thresholds"]
        for i in self._ordered(acc["curves"]):
            ax.plot(x, acc["curves"][i], label=names[i])
        ax.plot(x, acc["frontier_probability"], ":", color="black",
                label="Acceptability frontier (CEAF)")
        for t in ce["thresholds"]:
            ax.axvline(t["threshold"], color="grey", linewidth=0.8, linestyle="--")
        ax.set_ylim(*_PROBABILITY)
        return _finish(ax, "Cost-effectiveness acceptability curves",
                       f"Threshold (£ per {ce['effect_unit']})", "Probability most cost-effective")

    @_chart_doc(_NEEDS_CE.format(what="draws of the plane"))
    def ce_plane(self, *, ax: Axes | None = None) -> Axes:
        """The cost-effectiveness plane: incremental cost against incremental effect.

        Each option's draws against the counterfactual (the sample the report's chart
        shows: the first :data:`~appraisal.lenses.cost_effectiveness.PLANE_POINTS` Monte
        Carlo draws) as dots, the mean of all the draws as a ringed marker, and a dashed
        line through the origin for each threshold: below it, an option is cost-effective
        at that threshold.
        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from appraisal import evaluate, example_path, load_case
        >>> result = evaluate(load_case(example_path("falls")), lenses="all")
        >>> ax = plot(result).ce_plane()
        >>> print(ax.get_xlabel(), ax.get_ylabel(), sep="; ")
        Incremental QALYs; Incremental cost
        (£m, real, 2025 prices, discounted to 2025)
        >>> ax.get_legend_handles_labels()[1][:2]
        ['Strength and balance classes', 'Classes and home hazard assessment']
        """
        ce = self._context.get("cost_effectiveness") or {}
        plane = (ce.get("acceptability") or {}).get("plane")
        if not plane:
            msg = "this result has no draws of the cost-effectiveness plane"
            raise _no_analysis(msg, "cost_effectiveness.acceptability.plane", _CE_FIX)
        names = self._names()
        rows = {r["option"]: r for r in plane}
        div, unit = _scale(v for r in plane for v in r["sample_cost"])
        ax = _axes(ax)
        for k, i in enumerate(self._ordered(rows)):
            r = rows[i]
            colour = f"C{k}"
            ax.scatter(r["sample_effect"], [v / div for v in r["sample_cost"]], s=6,
                       alpha=0.4, color=colour, linewidths=0, label=names[i])
            ax.scatter([r["inc_effect"]["mean"]], [r["inc_cost"]["mean"] / div], s=60,
                       color=colour, edgecolors="black", linewidths=1.5, zorder=3)
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        for k, t in enumerate(ce["thresholds"]):
            xs = [min(x0, 0.0), max(x1, 0.0)]
            ax.plot(xs, [x * t["threshold"] / div for x in xs], color="black", linewidth=0.8,
                    linestyle=("--", ":", "-.")[k % 3],
                    label=f"£{t['threshold']:,.0f} per {ce['effect_unit']}")
        ax.axhline(0.0, color="grey", linewidth=0.6)
        ax.axvline(0.0, color="grey", linewidth=0.6)
        ax.set_xlim(min(x0, 0.0), max(x1, 0.0))
        ax.set_ylim(min(y0, 0.0), max(y1, 0.0))
        return _finish(ax, "Cost-effectiveness plane (ringed: mean of all draws)",
                       f"Incremental {ce['effect_unit']}s",
                       f"Incremental cost\n({self._unit_caption(unit)})")

    @_chart_doc("AppraisalValidationError\n    When the result has no uncertainty lens (evaluate "
                'with ``lenses="all"``) or the case asks for no Sobol analysis (``sobol: '
                "{base_samples: 1024}``).\nIndexError\n    When there is no such comparison.")
    def sobol(self, comparison: int = 0, *, ax: Axes | None = None) -> Axes:
        """First-order (S1) and total-order (ST) Sobol indices of the NPSV, by input.

        Parameters
        ----------
        comparison : int
            Which of the lens's comparisons: ``0`` (default) the preferred option against
            business as usual, ``1`` against the runner-up when there is one.
        """
        comps = self._uncertainty("sobol", "Sobol indices")["comparisons"]
        if not 0 <= comparison < len(comps):
            msg = f"comparison {comparison} out of range: this result has {len(comps)}"
            raise IndexError(msg)
        comp = comps[comparison]
        rows = comp["rows"]
        ax = _axes(ax, (FIGSIZE[0], max(FIGSIZE[1], 0.4 * len(rows) + 1.2)))
        y = list(range(len(rows)))[::-1]
        ax.barh([v + 0.2 for v in y], [r["s1"] for r in rows], height=0.4,
                color="#56B4E9", label="First-order (S1)")
        ax.barh([v - 0.2 for v in y], [r["st"] for r in rows], height=0.4,
                color="#0072B2", label="Total-order (ST)")
        ax.set_yticks(y, [r["parameter"] for r in rows])
        _finish(ax, textwrap.fill(f"Sobol indices: {comp['output']}", 60),
                "Sobol index: share of the variance of the NPSV\n" + comp["comparison"],
                "Uncertain input")
        ax.title.set_fontsize("medium")
        return ax


def plot(result: AppraisalResult) -> PlotAccessor:
    """Matplotlib charts of a result for notebooks: ``appraisal.plot(result).cashflows()``.

    The charts: :meth:`~PlotAccessor.cashflows`, :meth:`~PlotAccessor.eta_curve`,
    :meth:`~PlotAccessor.tornado`, :meth:`~PlotAccessor.npsv_distribution`,
    :meth:`~PlotAccessor.acceptability`, :meth:`~PlotAccessor.sobol`,
    :meth:`~PlotAccessor.ceac`, :meth:`~PlotAccessor.ce_plane`; each returns a
    matplotlib ``Axes``. Needs matplotlib (``pip install 'appraisal[plot]'``), imported only
    when a chart is drawn.

    Examples
    --------
    >>> import appraisal
    >>> result = appraisal.evaluate(appraisal.load_case(appraisal.example_path("minimal")))
    >>> type(appraisal.plot(result)).__name__
    'PlotAccessor'
    """
    return PlotAccessor(result)
