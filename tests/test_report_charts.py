"""Inline SVG chart builders: accessible, escaped, faithful to their data."""

from __future__ import annotations

import itertools
import math
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from appraisal.errors import AppraisalValidationError
from appraisal.outputs.report import charts
from appraisal.outputs.report.charts import (
    Chart,
    bar_chart,
    histogram_chart,
    line_chart,
    nice_ticks,
    tornado_chart,
    waterfall_chart,
)

PAYLOAD = '<script>alert(1)</script>" onmouseover="x'


def _all_charts(label: str = "A") -> list[Chart]:
    return [
        bar_chart("c-bar", title="T", description="D", categories=[label, "B"],
                  series={label: [1.0, -2.0], "S2": [3.0, 4.0]}),
        bar_chart("c-stack", title="T", description="D", categories=[label, "B"],
                  series={label: [1.0, -2.0], "S2": [3.0, 4.0]}, stacked=True, horizontal=True),
        tornado_chart("c-tornado", title="T", description="D", parameters=[label, "b"],
                      low=[1.0, 2.0], high=[3.0, 9.0], base=2.5, low_labels=[label, "-"],
                      high_labels=["+", label]),
        line_chart("c-line", title="T", description="D", x=[0.0, 1.0, 2.0],
                   series={label: [1.0, 2.0, 1.5]}, x_label=label, y_label=label,
                   marker_x=1.0),
        waterfall_chart("c-water", title="T", description="D",
                        steps=[(label, 5.0), ("cost", -2.0)], total_label=label),
        histogram_chart("c-hist", title="T", description="D",
                        histograms={label: ([-1.0, 0.0, 1.0], [2, 6])}, x_label=label),
    ]


@pytest.mark.parametrize("chart", _all_charts(), ids=lambda c: c.chart_id)
def test_every_chart_is_an_accessible_image(chart):
    assert isinstance(chart.svg, Markup)
    root = ET.fromstring(str(chart.svg))  # well-formed XML: nothing unbalanced
    assert root.tag == "svg"
    assert root.get("role") == "img"
    assert "style" not in root.attrib
    title_id, desc_id = root.get("aria-labelledby").split()
    title = root.find(f"title[@id='{title_id}']")
    desc = root.find(f"desc[@id='{desc_id}']")
    assert title is not None
    assert title.text == chart.title
    assert desc is not None
    assert desc.text == chart.description
    assert chart.rows
    assert all(len(r) == len(chart.columns) for r in chart.rows)
    assert not any("style" in el.attrib or any(a.startswith("on") for a in el.attrib)
                   for el in root.iter())


@pytest.mark.parametrize("chart", _all_charts(PAYLOAD), ids=lambda c: c.chart_id)
def test_user_text_in_charts_is_escaped_text(chart):
    svg = str(chart.svg)
    root = ET.fromstring(svg)  # would fail if the payload had closed an element or attribute
    tags = {el.tag for el in root.iter()}
    assert tags <= {"svg", "title", "desc", "g", "rect", "line", "text", "path", "circle"}
    assert "<script" not in svg
    texts = "".join(root.itertext())
    assert "alert(1)" in texts  # kept, as text (full label in a tooltip when clipped)
    assert all(not a.startswith("on") for el in root.iter() for a in el.attrib)


def test_bar_heights_are_proportional_to_values():
    """A bar twice the value is twice as tall (vertical, one series, zero baseline)."""
    c = bar_chart("b", title="T", description="D", categories=["x", "y"],
                  series={"s": [10.0, 20.0]})
    rects = [r for r in ET.fromstring(str(c.svg)).iter("rect") if r.find("title") is not None]
    h = [float(r.get("height")) for r in rects]
    assert math.isclose(h[1], 2 * h[0], rel_tol=0.01)
    assert c.rows == (("x", "10"), ("y", "20"))


def test_stacked_bars_put_negatives_below_zero_and_total_the_table():
    c = bar_chart("b", title="T", description="D", categories=["opt"],
                  series={"Benefits": [30.0], "Costs": [-10.0]}, stacked=True)
    assert c.columns == ("Category", "Benefits", "Costs", "Total")
    assert c.rows == (("opt", "30", "-10", "20"),)
    rects = [r for r in ET.fromstring(str(c.svg)).iter("rect") if r.find("title") is not None]
    (ben,), (cost,) = ([r for r in rects if "Benefits" in r.find("title").text],
                       [r for r in rects if "Costs" in r.find("title").text])
    # SVG y grows downwards: the benefit bar ends where the cost bar starts (the zero line).
    assert math.isclose(float(ben.get("y")) + float(ben.get("height")), float(cost.get("y")),
                        abs_tol=0.15)
    assert math.isclose(float(ben.get("height")), 3 * float(cost.get("height")), rel_tol=0.02)


def test_waterfall_steps_add_up_to_the_total_bar():
    c = waterfall_chart("w", title="T", description="D",
                        steps=[("a", 6.0), ("b", 4.0), ("c", -3.0)], total_label="NPSV")
    assert c.rows[-1] == ("NPSV", "7", "7")
    assert [r[2] for r in c.rows[:-1]] == ["6", "10", "7"]
    rects = [r for r in ET.fromstring(str(c.svg)).iter("rect") if r.find("title") is not None]
    widths = [float(r.get("width")) for r in rects]
    assert math.isclose(widths[0] + widths[1] - widths[2], widths[3], abs_tol=0.3)


def test_tornado_sorts_by_swing_and_reports_it():
    c = tornado_chart("t", title="T", description="D", parameters=["small", "big"],
                      low=[9.0, 0.0], high=[11.0, 20.0], base=10.0)
    assert [r[0] for r in c.rows] == ["big", "small"]
    assert [r[-1] for r in c.rows] == ["20", "2"]


def test_histogram_shares_sum_to_one_per_series():
    c = histogram_chart("h", title="T", description="D",
                        histograms={"A": ([0.0, 1.0, 2.0, 3.0], [1, 2, 1]),
                                    "B": ([0.0, 1.5, 3.0], [3, 1])}, x_label="NPSV")
    for name in ("A", "B"):
        shares = [float(r[3].rstrip("%")) for r in c.rows if r[0] == name]
        assert math.isclose(sum(shares), 100.0, abs_tol=0.11)


def test_line_chart_draws_one_path_per_series_with_distinct_dashes():
    c = line_chart("l", title="T", description="D", x=[1.0, 2.0],
                   series={"a": [1.0, 2.0], "b": [2.0, 1.0]}, x_label="x", y_label="y")
    paths = list(ET.fromstring(str(c.svg)).iter("path"))
    assert len(paths) == 2
    assert paths[0].get("stroke-dasharray") != paths[1].get("stroke-dasharray")
    assert paths[0].get("stroke") != paths[1].get("stroke")


def test_palette_is_okabe_ito():
    """Okabe & Ito (2008), "Color Universal Design": the eight colours of the palette."""
    assert set(charts.OKABE_ITO) == {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2",
                                     "#D55E00", "#CC79A7", "#000000"}


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: bar_chart("b", title="T", description="D", categories=["a", "b"],
                           series={"s": [1.0]}), "has 1 values but 2 were expected"),
        (lambda: bar_chart("b", title="T", description="D", categories=["a"],
                           series={"s": [float("nan")]}), "finite numbers"),
        (lambda: bar_chart("Bad id!", title="T", description="D", categories=["a"],
                           series={"s": [1.0]}), "'chart_id' must be lower-case"),
        (lambda: histogram_chart("h", title="T", description="D",
                                 histograms={"A": ([1.0, 0.0], [1])}, x_label="x"),
         "bin edges must increase"),
        (lambda: line_chart("l", title="T", description="D", x=[1.0, 2.0],
                            series={"s": [True, 2.0]}, x_label="x", y_label="y"),
         "finite numbers"),
    ],
)
def test_builders_refuse_bad_data_naming_the_field(call, match):
    with pytest.raises(AppraisalValidationError, match=match):
        call()


@given(st.floats(-1e9, 1e9), st.floats(-1e9, 1e9), st.integers(2, 10))
def test_nice_ticks_cover_the_range_with_round_equal_steps(a, b, count):
    lo, hi = min(a, b), max(a, b)
    ticks = nice_ticks(lo, hi, count)
    assert ticks[0] <= lo + 1e-9 * max(1.0, abs(lo))
    assert ticks[-1] >= hi - 1e-9 * max(1.0, abs(hi))
    steps = [y - x for x, y in itertools.pairwise(ticks)]
    assert all(s > 0 for s in steps)
    # A difference of two ticks near 1e9 is only exact to a few ulps of the ticks themselves.
    fuzz = 4 * math.ulp(max(abs(ticks[0]), abs(ticks[-1])))
    assert all(math.isclose(s, steps[0], rel_tol=1e-6, abs_tol=fuzz) for s in steps)
    mantissa = steps[0] / 10 ** math.floor(math.log10(steps[0]))
    assert any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (1, 2, 2.5, 5, 10))
    assert 2 <= len(ticks) <= 3 * count + 3


@pytest.mark.parametrize(("a", "b"), [(31691057.999999996, 31691058.0),
                                      (31691058.0, 31691057.99609375)])
def test_nice_ticks_of_a_range_at_float_rounding_level(a, b):
    """Regression (found by Hypothesis 6.100 under the lowest versions): a range that is
    one value up to float rounding gets round, distinct ticks around it."""
    ticks = nice_ticks(min(a, b), max(a, b), 4)
    steps = [y - x for x, y in itertools.pairwise(ticks)]
    assert all(s > 0 for s in steps)
    assert ticks[0] <= min(a, b)
    assert ticks[-1] >= max(a, b)


def test_nice_ticks_of_a_subnormal_range():
    """Regression (Hypothesis 6.100): a range of one subnormal step is one value."""
    ticks = nice_ticks(0.0, 5e-324, 2)
    assert ticks[0] <= 0.0 < 5e-324 <= ticks[-1]
    assert all(y > x for x, y in itertools.pairwise(ticks))
