"""Issue 17's remaining cost-effectiveness outputs: the acceptability curves (CEAC), their
frontier (CEAF) and the plane's draws as CSV tables beside results.json, and the
cost-effectiveness plane as a report chart and a notebook chart.

The CSVs carry the names and the values of ``uncertainty.acceptability.cost_effectiveness``
in results.json; the plane's sample is bounded (the first ``PLANE_POINTS`` draws)."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import appraisal
from appraisal import evaluate, example_path, load_case
from appraisal.errors import AppraisalValidationError
from appraisal.lenses.cost_effectiveness import PLANE_POINTS, ce_acceptability
from appraisal.outputs.files import MANIFEST, write_outputs
from appraisal.outputs.report import render_report
from appraisal.outputs.report.charts import _ray_segment, scatter_chart
from appraisal.outputs.report.context import report_context

CEAC_COLUMNS = ["threshold", "option", "probability_best", "expected_net_benefit"]
CE_FILES = ("ce_acceptability.csv", "ce_acceptability_frontier.csv", "ce_plane_sample.csv")


@pytest.fixture(scope="module")
def falls_all():
    return evaluate(load_case(example_path("falls")), lenses="all")


@pytest.fixture(scope="module")
def written(falls_all, tmp_path_factory):
    out = tmp_path_factory.mktemp("ceout") / "out"
    paths = write_outputs(falls_all, out, formats=("json", "csv"))
    block = json.loads((out / "results.json").read_text(encoding="utf-8"))[
        "uncertainty"]["acceptability"]["cost_effectiveness"]
    return out, [p.name for p in paths], block


# ------------------------------------------------------------------ CSVs
def test_ce_tables_are_written_and_in_the_manifest(written):
    out, names, _ = written
    assert set(CE_FILES) <= set(names)
    listed = {f["name"] for f in json.loads((out / MANIFEST).read_text())["files"]}
    assert set(CE_FILES) <= listed


def _exact_csv(path, floats):
    """The CSV with its float columns parsed by Python's ``float`` (exact for the shortest
    round-trip text the CSVs hold; pandas' own parser may be one unit in the last place off,
    as with pandas 2.2, and its ``float_precision="round_trip"`` is deprecated)."""
    return pd.read_csv(path, converters={name: float for name in floats})


def test_ceac_csv_rows_sum_to_one_and_equal_results_json(written, falls_all):
    out, _, block = written
    frame = _exact_csv(out / "ce_acceptability.csv",
                       ("threshold", "probability_best", "expected_net_benefit"))
    assert list(frame.columns) == CEAC_COLUMNS
    names = [o.name for o in falls_all.case.options]
    assert set(frame["option"]) == set(names)
    sums = frame.groupby("threshold")["probability_best"].sum()
    assert len(sums) == len(block["ceac"]["thresholds"])
    np.testing.assert_allclose(sums.to_numpy(), 1.0, rtol=0, atol=1e-12)
    curves = block["ceac"]
    for row in frame.itertuples(index=False):
        k = curves["thresholds"].index(row.threshold)
        assert row.probability_best == curves["probability_best"][row.option][k]
        assert row.expected_net_benefit == pytest.approx(
            curves["expected_net_benefit"][row.option][k], rel=1e-15, abs=1e-9)


def test_ceaf_csv_equals_results_json(written):
    out, _, block = written
    frame = _exact_csv(out / "ce_acceptability_frontier.csv",
                       ("threshold", "frontier_probability"))
    assert list(frame.columns) == ["threshold", "frontier_option", "frontier_probability"]
    assert frame["threshold"].tolist() == block["ceac"]["thresholds"]
    assert frame["frontier_option"].tolist() == block["ceac"]["frontier_option"]
    assert frame["frontier_probability"].tolist() == block["ceac"]["frontier_probability"]


def test_plane_sample_csv_is_bounded_and_equals_results_json(written):
    out, _, block = written
    frame = _exact_csv(out / "ce_plane_sample.csv", ("inc_cost", "inc_effect"))
    assert list(frame.columns) == ["draw", "option", "inc_cost", "inc_effect"]
    sample = block["plane_sample"]
    assert sample["n_points"] == min(PLANE_POINTS, block["n_draws"]) == 500
    assert len(frame) == 500 * len(sample["options"])
    for r in sample["options"]:
        mine = frame[frame["option"] == r["option"]].sort_values("draw")
        assert mine["draw"].tolist() == list(range(500))
        assert mine["inc_cost"].tolist() == r["inc_cost"]
        assert mine["inc_effect"].tolist() == r["inc_effect"]


def test_no_ce_curves_without_the_draws(tmp_path):
    """The deterministic run (no uncertainty lens) writes the lens's own tables only."""
    paths = write_outputs(evaluate(load_case(example_path("falls"))), tmp_path / "o",
                          formats=("csv",))
    names = {p.name for p in paths}
    assert "cost_effectiveness.csv" in names
    assert not set(CE_FILES) & names


def test_plane_sample_is_the_first_draws_against_the_counterfactual():
    rng = np.random.default_rng(3)
    costs = rng.normal(size=(1200, 3)) * 1e5
    effects = rng.normal(size=(1200, 3))
    out = ce_acceptability(costs, effects, [{"threshold": 20000.0, "name": "x"}],
                           ["A", "BAU", "C"], 1, points_kept=700)
    sample = out["plane_sample"]
    assert sample["n_points"] == 700
    assert [r["option"] for r in sample["options"]] == ["A", "C"]
    np.testing.assert_array_equal(sample["options"][1]["inc_cost"],
                                  costs[:700, 2] - costs[:700, 1])
    np.testing.assert_array_equal(sample["options"][0]["inc_effect"],
                                  effects[:700, 0] - effects[:700, 1])
    few = ce_acceptability(costs[:40], effects[:40], [{"threshold": 1.0, "name": "x"}],
                           ["A", "BAU", "C"], 1)
    assert few["plane_sample"]["n_points"] == 40


# ------------------------------------------------------------------ report chart
def test_report_has_the_plane_chart(falls_all):
    html = render_report(report_context(falls_all))
    start = html.index('<svg class="chart" id="fig-ce-plane"')
    svg = html[start:html.index("</svg>", start)]
    assert 'role="img"' in svg
    assert 'aria-labelledby="fig-ce-plane-title fig-ce-plane-desc"' in svg
    assert "the first 500 of the 5,000 Monte Carlo draws" in svg  # the description
    assert svg.count("<circle") == 2 * 500 + 2   # the sample, and each option's mean
    assert svg.count("per QALY</text>") == 2     # the two NICE thresholds, labelled
    assert '<figcaption id="fig-ce-plane-caption">Cost-effectiveness plane</figcaption>' in html
    table = html[html.index("</svg>", start):]
    table = table[:table.index("</table>")]
    assert "More costly, more effective" in table
    assert len(re.findall(r"<tr><th scope=\"row\">", table)) == 2  # one row per option


def test_ray_is_clipped_to_the_plot():
    assert _ray_segment(2.0, 0.0, 10.0, 0.0, 10.0) == (0.0, 0.0, 5.0, 10.0)
    assert _ray_segment(0.5, 0.0, 10.0, 0.0, 10.0) == (0.0, 0.0, 10.0, 5.0)
    assert _ray_segment(1.0, -4.0, 10.0, -2.0, 10.0) == (-2.0, -2.0, 10.0, 10.0)
    assert _ray_segment(1.0, 1.0, 2.0, 5.0, 9.0) is None  # misses the box


def test_scatter_refuses_misaligned_or_non_finite_points():
    with pytest.raises(AppraisalValidationError, match="expected"):
        scatter_chart("s", title="T", description="D.", series={"A": ([1.0, 2.0], [1.0])},
                      centres={}, x_label="x", y_label="y")
    with pytest.raises(AppraisalValidationError, match="finite"):
        scatter_chart("s", title="T", description="D.",
                      series={"A": ([1.0], [float("nan")])}, centres={}, x_label="x",
                      y_label="y")


# ------------------------------------------------------------------ notebook chart
def test_ce_plane_plot_draws_the_sample_and_the_thresholds(falls_all):
    import matplotlib

    matplotlib.use("Agg")
    ax = appraisal.plot(falls_all).ce_plane()
    sizes = [len(c.get_offsets()) for c in ax.collections]
    assert sizes.count(500) == 2  # the sample of each option
    assert sizes.count(1) == 2    # and its mean
    labels = ax.get_legend_handles_labels()[1]
    assert "£20,000 per QALY" in labels
    assert "£30,000 per QALY" in labels
    import matplotlib.pyplot as plt

    plt.close(ax.figure)


def test_ce_plane_plot_needs_the_draws():
    res = evaluate(load_case(example_path("falls")))
    with pytest.raises(AppraisalValidationError, match="plane"):
        appraisal.plot(res).ce_plane()


# ------------------------------------------------------------------ accessibility
_here = Path(__file__).parent
_spec = importlib.util.spec_from_file_location("report_browser", _here / "browser.py")
browser = sys.modules.get("report_browser") or importlib.util.module_from_spec(_spec)
if "report_browser" not in sys.modules:
    sys.modules["report_browser"] = browser
    _spec.loader.exec_module(browser)
chromium = browser.chromium
_a11y_spec = importlib.util.spec_from_file_location("ceout_a11y",
                                                    _here / "test_report_accessibility.py")
a11y = importlib.util.module_from_spec(_a11y_spec)
_a11y_spec.loader.exec_module(a11y)


@pytest.mark.browser
def test_falls_report_keeps_the_accessibility_rules(chromium, falls_all, tmp_path):
    """The rules of tests/test_report_accessibility.py on the falls report (its new plane
    chart included): text alternatives of every chart, heading order, text contrast."""
    page = tmp_path / "report.html"
    page.write_text(render_report(report_context(falls_all)), encoding="utf-8")
    with browser._browser(chromium, 1280, 60.0) as (pipe, session):
        browser._open(pipe, session, page.resolve(), javascript=False, media="screen",
                      width=1280, settle=0.2)
        out = pipe.call("Runtime.evaluate", {"expression": a11y._COLLECT,
                                             "returnByValue": True}, session=session)
    dom = json.loads(out["result"]["value"])
    assert "fig-ce-plane" in [s["id"] for s in dom["svgs"]]
    a11y.test_headings_are_in_order(dom)
    a11y.test_images_and_charts_have_text_alternatives(dom)
    a11y.test_text_contrast_is_at_least_aa(dom)
