"""The value-of-information block of the report's uncertainty section (issue 16).

EVPI and the EVPPI of each input group come from the uncertainty lens (regression on the
Monte Carlo draws); the report shows them as a table and one generated sentence whose
every figure is a number of the ``uncertainty.value_of_information`` record.
"""

from __future__ import annotations

import re

import pytest

from appraisal import evaluate, example_path, load_case
from appraisal.formatting import format_money, format_percent
from appraisal.outputs.report import render_report
from appraisal.outputs.report.context import report_context
from appraisal.outputs.report.narrative import value_of_information_text

_NUM = r"\d{1,3}(?:,\d{3})*(?:\.\d+)?"
TOKEN = re.compile(rf"£{_NUM}m?|{_NUM}%|(?<![\w.,£]){_NUM}(?![\w%])")


@pytest.fixture(scope="module")
def prevention():
    result = evaluate(load_case(example_path("prevention")), lenses="all")
    return result, report_context(result)


def test_evpi_and_evppi_are_the_lens_figures(prevention):
    result, ctx = prevention
    lens = result.lenses["uncertainty"].value_of_information
    voi = ctx["uncertainty"]["value_of_information"]
    assert voi["evpi"] == pytest.approx(lens["evpi"])
    assert voi["evpi"] > 0
    by_inputs = {tuple(g["inputs"]): g for g in voi["groups"]}
    assert len(by_inputs) == len(lens["evppi"])
    for row in lens["evppi"]:
        g = by_inputs[tuple(row["parameters"])]
        assert g["evppi"] == pytest.approx(max(row["evppi"], 0.0))
        assert g["share_of_evpi"] == pytest.approx(g["evppi"] / voi["evpi"])
        assert g["group"] == row["name"].startswith("group: ")
        assert not g["name"].startswith("group")
    values = [g["evppi"] for g in voi["groups"]]
    assert values == sorted(values, reverse=True)
    assert all(v <= voi["evpi"] * (1 + 1e-9) for v in values)  # EVPPI never exceeds EVPI


def test_every_figure_of_the_sentence_is_in_the_record(prevention):
    _, ctx = prevention
    voi = ctx["uncertainty"]["value_of_information"]
    unit = voi["money_unit"]
    allowed = {format_money(voi["evpi"], unit)}
    for g in voi["groups"]:
        allowed |= {format_money(g["evppi"], unit), format_percent(g["share_of_evpi"])}
    found = TOKEN.findall(voi["text"])
    assert found, "the sentence quotes no figure"
    assert set(found) <= allowed, set(found) - allowed
    assert format_money(voi["evpi"], unit) in voi["text"]
    top = voi["groups"][0]
    assert top["name"][1:] in voi["text"]
    assert format_money(top["evppi"], unit) in voi["text"]


def test_the_table_and_sentence_are_rendered(prevention):
    _, ctx = prevention
    voi = ctx["uncertainty"]["value_of_information"]
    page = render_report(ctx)
    start = page.index('id="value-of-information"')
    block = page[start:page.index("</table>", start)]
    assert "Expected value of partial perfect information (EVPPI)" in block
    assert format_money(voi["evpi"], voi["money_unit"]) in block
    for g in voi["groups"]:
        assert g["name"] in block
    assert "remove all the uncertainty before deciding" in block  # the plain-words meaning


def test_no_monte_carlo_means_no_block():
    ctx = report_context(evaluate(load_case(example_path("minimal")), lenses="all"))
    assert "value_of_information" not in ctx.get("uncertainty", {})
    assert 'id="value-of-information"' not in render_report(ctx)


def test_a_zero_evpi_says_research_cannot_change_the_decision():
    text = value_of_information_text({"evpi": 0.0, "groups": []}, "£")
    assert text.startswith("The expected value of perfect information (EVPI) is £0:")
    assert "could change the decision" in text
    assert "Knowing" not in text


def test_groups_worth_nothing_are_named_together():
    voi = {"evpi": 2_500_000.0, "groups": [
        {"name": "Costs", "inputs": ["capex", "opex"], "evppi": 2_000_000.0,
         "share_of_evpi": 0.8},
        {"name": "Timing", "inputs": ["delay"], "evppi": 10.0, "share_of_evpi": 4e-6},
        {"name": "Prices", "inputs": ["wage"], "evppi": 0.0, "share_of_evpi": 0.0}]}
    text = value_of_information_text(voi, "£m")
    assert "£2.5m" in text
    assert "costs (capex and opex) alone is worth £2.0m (80% of" in text
    # £10 is £0.0m in the report's unit: named with the zero group, not as "nothing"
    assert "Knowing timing or prices alone is worth next to nothing: none of them" in text
