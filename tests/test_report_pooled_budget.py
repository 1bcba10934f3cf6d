"""Pooled budget and cash position by year in the report's public-value section (issue 16).

The numbers are the public-value ledger's (``results.json`` ``public_value``), for the
option the section describes; the report shows each as a table and a chart.
"""

from __future__ import annotations

import math

import pytest

from appraisal import evaluate, example_path, load_case
from appraisal.outputs.report import render_report
from appraisal.outputs.report.context import report_context


@pytest.fixture(scope="module")
def prevention():
    result = evaluate(load_case(example_path("prevention")), lenses="all")
    return result, report_context(result)


def _option(ctx, option_id):
    return next(o["name"] for o in ctx["options"] if o["id"] == option_id)


def test_pooled_budget_is_the_ledger_pool_of_the_sections_option(prevention):
    result, ctx = prevention
    pv = ctx["public_value"]
    pool = pv["pooled_budget"]
    assert pool["option"] == pv["agencies"]["option"]
    ledger = result.lenses["public_value"]
    want = ledger.pooled_budget(ledger.option_names.index(_option(ctx, pool["option"])))
    assert pool["pooled_cost"] == pytest.approx(want["pooled_cost"])
    assert [p["agency"] for p in pool["partners"]] == [r["agency"] for r in want["partners"]]
    for got, row in zip(pool["partners"], want["partners"], strict=True):
        assert got["savings"] == pytest.approx(row["pv_savings"])
        assert got["actual_contribution"] == pytest.approx(row["actual_contribution"])
        assert got["proportional_contribution"] == pytest.approx(row["proportional_contribution"])
        assert got["proportional_net"] == pytest.approx(got["savings"]
                                                        - got["proportional_contribution"])
    # both splits share out the whole pooled cost
    for key in ("actual_contribution", "proportional_contribution"):
        assert math.fsum(p[key] for p in pool["partners"]) == pytest.approx(pool["pooled_cost"])
    assert pool["note"] == want["note"]


def test_cash_by_year_is_the_ledger_cash_position(prevention):
    result, ctx = prevention
    cash = ctx["public_value"]["cash_by_year"]
    ledger = result.lenses["public_value"]
    rows = ledger.cash_rows(ledger.option_names.index(_option(ctx, cash["option"])))
    assert cash["years"] == sorted({r["year"] for r in rows})
    shown = {a["agency"] for a in cash["agencies"]}
    assert shown | set(cash.get("zero_agencies", [])) == {r["agency"] for r in rows}
    for a in cash["agencies"]:
        mine = [r for r in rows if r["agency"] == a["agency"]]
        assert a["net"] == pytest.approx([r["net_cash"] for r in mine])
        assert a["cumulative"] == pytest.approx([r["cumulative_net_cash"] for r in mine])
        assert any(a["net"])
    for name in cash.get("zero_agencies", []):
        assert all(r["net_cash"] == 0 for r in rows if r["agency"] == name)


def test_tables_and_charts_are_rendered_with_a_pinned_first_column(prevention):
    _, ctx = prevention
    page = render_report(ctx)
    for anchor, caption, figure in (
            ("pooled-budget", "Pooled budget contributions by partner", "fig-pooled-budget"),
            ("cash-by-year", "Cash position by agency and year", "fig-cash-by-year")):
        start = page.index(f'id="{anchor}"')
        block = page[start:page.index("</figure>", start)]
        assert caption in block
        assert f'id="{figure}-caption"' in block
        assert '<div class="table-wrap">' in block  # the wrapper whose first column is sticky
        assert '<th scope="row">' in block
    cash = ctx["public_value"]["cash_by_year"]
    for year in (cash["years"][0], cash["years"][-1]):
        assert f'<th scope="row">{year}</th>' in page


def test_a_case_without_agencies_has_neither_block():
    ctx = report_context(evaluate(load_case(example_path("minimal")), lenses="all"))
    assert "pooled_budget" not in ctx.get("public_value", {})
    page = render_report(ctx)
    assert 'id="pooled-budget"' not in page
    assert 'id="cash-by-year"' not in page
