"""The public-value lenses in the pipeline, the outputs and the engine draws (issue 3, part 8)."""

from __future__ import annotations

import json

import pytest

from appraisal.cli.commands import summary_text
from appraisal.inputs.load import example_path, load_case
from appraisal.lenses.pipeline import evaluate
from appraisal.outputs.files import write_outputs

LENSES = ("valuation", "public_value", "distributional", "non_monetised")


@pytest.fixture(scope="module")
def prevention():
    return evaluate(load_case(example_path("prevention")))


def test_minimal_case_is_unchanged_and_has_no_public_value_lenses():
    """Regression: numbers of the minimal example before issue 3 (commit 5197f15), to 1e-12
    relative: issue 14's engine sums each present value in another order (a matrix product
    padded to whole row tiles, so results do not depend on the chunk), which may move the
    last digit."""
    result = evaluate(load_case(example_path("minimal")))
    assert result.option("New service").pv_costs == pytest.approx(194.9847137622815, rel=1e-12)
    assert result.option("New service").pv_benefits == pytest.approx(171.23976700867667,
                                                                     rel=1e-12)
    assert not set(LENSES) & set(result.to_dict())


def test_prevention_costs_are_unchanged(prevention):
    """Regression: issue 3 changed only the example's benefit lines (commit 5197f15 costs).
    The hub option's costs changed on purpose with the works-duration fix: the hub's
    spending stays in its planned years (it was stretched later, which lowered its PV by
    about £10k), and its running costs are marked as not waiting for the hub."""
    costs = [m.pv_costs for m in prevention.options]
    assert costs == pytest.approx([8866427.16913053, 9727195.820017349, 20502772.35125173,
                                   28387924.085569397], rel=1e-12)  # the last digit: issue 14


def test_prevention_uses_every_lens(prevention):
    data = prevention.to_dict()
    assert set(LENSES) <= set(data)
    methods = {r["method"] for r in data["valuation"]["lines"]}
    assert methods == {"pack", "measure"}
    agencies = {r["agency"] for o in data["public_value"]["options"] for r in o["agencies"]
                if r["inc_pv_benefits"]}
    assert {"Council", "NHS", "Police", "DWP", "Households"} <= agencies
    assert data["distributional"]["income_source"].startswith("ILLUSTRATIVE")
    assert prevention.preferred_option == "Whole-family service"
    unconfirmed = prevention.manifest["unconfirmed_parameters_used"]
    assert {"wellbeing_values", "unit_values:illustrative", "gdp_deflator"} <= set(unconfirmed)
    json.dumps(data, default=str)  # plain JSON types


def test_wellby_range_brackets_the_central_npsv(prevention):
    rng = prevention.to_dict()["valuation"]["range"]
    assert rng["lines_with_range"]
    for low, mid, high in zip(rng["low"], rng["central"], rng["high"], strict=True):
        assert low["npsv"] <= mid["npsv"] <= high["npsv"]
    wfs = next(m.npsv for m in prevention.options if m.name == "Whole-family service")
    assert rng["central"][2]["npsv"] == pytest.approx(wfs, rel=1e-12)


def test_outputs_include_every_lens_table(prevention, tmp_path):
    written = {p.name for p in write_outputs(prevention, tmp_path / "out")}
    assert {"valuation.csv", "agency_matrix.csv", "agency_positions.csv",
            "cash_position.csv", "pooled_budget.csv", "incidence.csv",
            "distributional_npsv.csv", "eta_sweep.csv", "non_monetised.csv"} <= written
    data = json.loads((tmp_path / "out" / "results.json").read_text())
    assert data["distributional"]["eta"] == 1.3


def test_summary_prints_every_lens(prevention):
    text = summary_text(prevention)
    for heading in ("Valuation:", "Public-value ledger", "Distributional analysis",
                    "Non-monetised impacts"):
        assert heading in text
