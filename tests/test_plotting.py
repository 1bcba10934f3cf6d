"""``appraisal.plot(result)``: matplotlib charts from the same numbers as the report's figures."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt

import appraisal
from appraisal.outputs.report.context import report_context

MONEY = "£m, real, 2025 prices, discounted to 2025"


@pytest.fixture(scope="module")
def case():
    return appraisal.load_case(appraisal.example_path("prevention"))


@pytest.fixture(scope="module")
def result(case):
    """The prevention example with every lens, and a small Sobol run (64 base samples)."""
    spec = case.sections["uncertainty"]
    small = dataclasses.replace(spec, draws=2000, sobol_base_samples=64)
    return appraisal.evaluate(
        dataclasses.replace(case, sections={**case.sections, "uncertainty": small}),
        lenses="all")


@pytest.fixture(scope="module")
def ctx(result):
    return report_context(result)


@pytest.fixture(scope="module")
def deterministic(case):
    return appraisal.evaluate(case)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _alternatives(result):
    return [o.name for o in result.case.options if not o.counterfactual]


def test_import_appraisal_does_not_import_matplotlib():
    code = ("import sys, appraisal\n"
            "r = appraisal.evaluate(appraisal.load_case(appraisal.example_path('minimal')))\n"
            "appraisal.plot(r)\n"
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_cashflows_draws_one_line_per_alternative_equal_to_the_report(result, ctx):
    ax = appraisal.plot(result).cashflows()
    labels = ax.get_legend_handles_labels()[1]
    assert labels == _alternatives(result)
    assert ax.get_xlabel() == "Year"
    assert ax.get_ylabel() == ("Net benefit against business as usual\n"
                               "(£m, real, 2025 prices, undiscounted)")
    # the line of each option is the report's cash-flow profile, in £m
    net = ctx["cba"]["cash_flows"]["net"]
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    for name in labels:
        np.testing.assert_allclose(lines[name].get_ydata(), np.asarray(net[name]) / 1e6,
                                   atol=1e-9)
        np.testing.assert_array_equal(lines[name].get_xdata(), result.compiled.years)


def test_cashflows_of_one_option_sum_to_its_discounted_pv(result):
    name = "Whole-family service"
    ax = appraisal.plot(result).cashflows(name, discounted=True)
    years = len(result.compiled.years)
    assert len(ax.patches) == 2 * years  # a benefit bar and a cost bar per year
    assert [ln.get_label() for ln in ax.get_lines() if not ln.get_label().startswith("_")] \
        == ["Net benefit"]
    assert "discounted to 2025" in ax.get_ylabel()
    benefits = sum(p.get_height() for p in ax.patches[:years])
    costs = -sum(p.get_height() for p in ax.patches[years:])
    m = result.option(name)
    assert benefits * 1e6 == pytest.approx(m.pv_benefits, rel=1e-9)
    assert costs * 1e6 == pytest.approx(m.pv_costs, rel=1e-9)


def test_cashflows_unknown_option_names_the_options(result):
    with pytest.raises(KeyError, match="Whole-family service"):
        appraisal.plot(result).cashflows("No such option")


def test_eta_curve_one_line_per_alternative_and_the_central_eta(result, ctx):
    _fig, ax = plt.subplots()
    assert appraisal.plot(result).eta_curve(ax=ax) is ax
    curve = ctx["distributional"]["eta_curve"]
    labelled = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
    assert [ln.get_label() for ln in labelled] == [*_alternatives(result), "Central η = 1.3"]
    np.testing.assert_allclose(labelled[1].get_ydata(),
                               np.asarray(curve["npsv"]["Whole-family service"]) / 1e6)
    assert ax.get_xlabel() == "Elasticity of marginal utility of income (η)"
    assert ax.get_ylabel() == f"Weighted NPSV against business as usual\n({MONEY})"


def test_tornado_two_bars_per_input_from_the_central_npsv(result, ctx):
    ax = appraisal.plot(result).tornado()
    t = ctx["uncertainty"]["tornado"]
    rows = t["rows"]
    assert len(ax.patches) == 2 * len(rows)
    assert [tick.get_text() for tick in ax.get_yticklabels()] == [r["parameter"] for r in rows]
    assert ax.get_xlabel() == f"NPSV against business as usual\n({MONEY})"
    assert ax.get_ylabel() == "Uncertain input"
    lows, highs = ax.patches[:len(rows)], ax.patches[len(rows):]
    for r, low, high in zip(rows, lows, highs, strict=True):
        assert low.get_x() == pytest.approx(t["base_npsv"] / 1e6)
        assert low.get_x() + low.get_width() == pytest.approx(r["npsv_low"] / 1e6)
        assert high.get_x() + high.get_width() == pytest.approx(r["npsv_high"] / 1e6)
    # widest swing at the top
    assert lows[0].get_y() > lows[-1].get_y()


def test_npsv_distribution_one_histogram_per_varying_option(result, ctx):
    ax = appraisal.plot(result).npsv_distribution()
    hists = ctx["uncertainty"]["monte_carlo"]["histograms"]
    assert len(ax.patches) == len(hists) >= 2
    assert ax.get_legend_handles_labels()[1] == [n for n in _alternatives(result)
                                                 if n in hists]
    for patch in ax.patches:  # shares of the draws
        assert patch.get_data().values.sum() == pytest.approx(1.0)
    assert ax.get_xlabel() == f"NPSV against business as usual\n({MONEY})"
    assert ax.get_ylabel() == "Share of 2,000 draws"


def test_acceptability_one_curve_per_option(result, ctx):
    ax = appraisal.plot(result).acceptability()
    acc = ctx["uncertainty"]["acceptability"]
    lines = ax.get_lines()
    assert [ln.get_label() for ln in lines] == [o.name for o in result.case.options]
    total = np.sum([ln.get_ydata() for ln in lines], axis=0)
    np.testing.assert_allclose(total, 1.0, atol=1e-9)  # one option is best in every draw
    assert ax.get_xlabel() == acc["x_label"]
    assert ax.get_ylabel() == "Probability preferred"


def test_sobol_first_and_total_order_bars_per_input(result, ctx):
    comp = ctx["uncertainty"]["sobol"]["comparisons"][0]
    ax = appraisal.plot(result).sobol()
    n = len(comp["rows"])
    assert len(ax.patches) == 2 * n
    assert [p.get_width() for p in ax.patches[:n]] == pytest.approx(
        [r["s1"] for r in comp["rows"]])
    assert [p.get_width() for p in ax.patches[n:]] == pytest.approx(
        [r["st"] for r in comp["rows"]])
    assert ax.get_legend_handles_labels()[1] == ["First-order (S1)", "Total-order (ST)"]
    assert ax.get_ylabel() == "Uncertain input"
    assert "against business as usual" in ax.get_xlabel()
    with pytest.raises(IndexError, match="out of range"):
        appraisal.plot(result).sobol(comparison=len(ctx["uncertainty"]["sobol"]["comparisons"]))


@pytest.mark.parametrize("method", ["tornado", "npsv_distribution", "acceptability", "sobol"])
def test_uncertainty_charts_without_the_lens_say_to_evaluate_with_all(deterministic, method):
    with pytest.raises(appraisal.AppraisalValidationError) as err:
        getattr(appraisal.plot(deterministic), method)()
    issue = err.value.issues[0]
    assert issue.code == "missing-lens"
    assert 'lenses="all"' in issue.fix


def test_sobol_without_a_sobol_run_says_how_to_ask_for_one(case):
    result = appraisal.evaluate(dataclasses.replace(case, sections={
        **case.sections,
        "uncertainty": dataclasses.replace(case.sections["uncertainty"], draws=1000)}),
        lenses="all")
    assert appraisal.plot(result).tornado().patches  # the other analyses are there
    with pytest.raises(appraisal.AppraisalValidationError) as err:
        appraisal.plot(result).sobol()
    assert err.value.issues[0].code == "missing-analysis"
    assert "sobol: {base_samples: 1024}" in err.value.issues[0].fix


def test_eta_curve_without_a_distributional_section(deterministic):
    minimal = appraisal.evaluate(appraisal.load_case(appraisal.example_path("minimal")))
    with pytest.raises(appraisal.AppraisalValidationError, match="distributional"):
        appraisal.plot(minimal).eta_curve()
    assert appraisal.plot(deterministic).eta_curve().get_lines()  # the deterministic lenses suffice


CHARTS = ("cashflows", "eta_curve", "tornado", "npsv_distribution", "acceptability", "sobol",
          "ceac", "ce_plane")


@pytest.mark.parametrize("name", CHARTS)
def test_every_chart_documents_its_parameters_return_and_errors_in_numpydoc_order(name):
    """The shared sections are added to each chart's own docstring, in numpydoc order."""
    import inspect

    from appraisal.outputs.plotting import PlotAccessor

    method = getattr(PlotAccessor, name)
    doc = method.__doc__
    heads = [h for h in ("Parameters", "Returns", "Raises", "Examples")
             if f"\n{h}\n{'-' * len(h)}\n" in doc]
    assert heads[:2] == ["Parameters", "Returns"]
    assert [doc.index(f"\n{h}\n") for h in heads] == sorted(doc.index(f"\n{h}\n") for h in heads)
    documented = [ln.split(" : ")[0] for ln in doc.split("\nParameters\n")[1]
                  .split("\nReturns\n")[0].splitlines() if " : " in ln]
    params = [p for p in inspect.signature(method).parameters if p != "self"]
    assert documented == params
    assert ("\nRaises\n" in doc) == (name != "cashflows")
