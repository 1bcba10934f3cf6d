"""The report's "Cost-effectiveness" section: built from the cost-effectiveness lens (ICERs,
dominance, INB at the thresholds, the frontier) and, when the uncertainty lens ran, its
acceptability curves (a chart with its data table); left out of a case without the section."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from appraisal import evaluate, example_path, load_case
from appraisal.errors import AppraisalValidationError
from appraisal.formatting import format_money, format_percent
from appraisal.outputs.report import render_report
from appraisal.outputs.report.context import report_context
from appraisal.outputs.report.schema import validate_context

EXAMPLE = Path(__file__).parent / "data" / "report_context_example.json"


@pytest.fixture(scope="module")
def falls_all():
    return evaluate(load_case(example_path("falls")), lenses="all")


@pytest.fixture(scope="module")
def falls_ctx(falls_all):
    return report_context(falls_all)


def _section(html: str) -> str:
    start = html.index('<section class="report-section" id="cost-effectiveness"')
    return html[start:html.index("</section>", start)]


def test_context_carries_the_lens_figures_and_the_ceac(falls_all, falls_ctx):
    ce = falls_ctx["cost_effectiveness"]
    lens = falls_all.lenses["cost_effectiveness"].to_dict()
    assert [r["icer"] for r in ce["versus_counterfactual"]] == [
        r["icer"] for r in lens["versus_counterfactual"]]
    block = falls_all.lenses["uncertainty"].acceptability["cost_effectiveness"]
    acc = ce["acceptability"]
    assert acc["n_draws"] == block["n_draws"]
    assert acc["thresholds"] == block["ceac"]["thresholds"]
    names = {o["id"]: o["name"] for o in falls_ctx["options"]}
    for oid, curve in acc["curves"].items():
        assert curve == block["ceac"]["probability_best"][names[oid]]


def test_section_shows_icers_inb_frontier_and_the_chart(falls_all, falls_ctx):
    html = _section(render_report(falls_ctx))
    lens = falls_all.lenses["cost_effectiveness"].to_dict()
    for r in lens["versus_counterfactual"]:
        assert f'<td class="num">{format_money(r["icer"], "£")}</td>' in html
    for r in lens["frontier"]:
        if r["icer"] is not None:
            assert format_money(r["icer"], "£") in html
    assert 'id="fig-ceac"' in html
    assert "Acceptability frontier (CEAF)" in html
    block = falls_all.lenses["uncertainty"].acceptability["cost_effectiveness"]
    for row in block["at_thresholds"]:
        for p in row["probability_best"].values():
            assert f'<td class="num">{format_percent(p, 1)}</td>' in html


def test_no_acceptability_without_the_uncertainty_lens():
    ctx = report_context(evaluate(load_case(example_path("falls"))))
    assert "acceptability" not in ctx["cost_effectiveness"]
    html = _section(render_report(ctx))
    assert "fig-ceac" not in html
    assert "Acceptability curves" not in html
    assert "Fully incremental analysis" in html


def test_section_left_out_without_a_cost_effectiveness_section():
    ctx = report_context(evaluate(load_case(example_path("minimal"))))
    assert not ctx.get("cost_effectiveness")  # empty sections are dropped
    assert 'id="cost-effectiveness"' not in render_report(ctx)


def test_schema_refuses_a_probability_above_one():
    ctx = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    bad = copy.deepcopy(ctx)
    curve = bad["cost_effectiveness"]["acceptability"]["curves"]["preferred"]
    curve[0] = 1.5
    with pytest.raises(AppraisalValidationError) as err:
        validate_context(bad)
    assert any(re.fullmatch(r"cost_effectiveness\.acceptability\.curves\.preferred\[0\]",
                            i.field or "") for i in err.value.errors)


def test_plot_ceac_draws_the_report_curves(falls_all, falls_ctx):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import appraisal

    ax = appraisal.plot(falls_all).ceac()
    acc = falls_ctx["cost_effectiveness"]["acceptability"]
    names = {o["id"]: o["name"] for o in falls_ctx["options"]}
    lines = {ln.get_label(): list(ln.get_ydata()) for ln in ax.get_lines()}
    for oid, curve in acc["curves"].items():
        assert lines[names[oid]] == curve
    assert lines["Acceptability frontier (CEAF)"] == acc["frontier_probability"]
    plt.close(ax.figure)


def test_plot_ceac_without_the_draws_says_how_to_get_them():
    import appraisal

    res = evaluate(load_case(example_path("falls")))
    with pytest.raises(AppraisalValidationError) as err:
        appraisal.plot(res).ceac()
    assert "lenses=" in err.value.errors[0].fix
