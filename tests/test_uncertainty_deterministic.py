"""Scenarios, one-way (tornado), two-way grids and switching values on the vectorised model."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest

import appraisal.lenses.uncertainty.lens  # registers the section
from appraisal import (
    AppraisalValidationError,
    NoSwitchingValueError,
    case_from_records,
    evaluate,
    example_path,
    load_case,
)
from appraisal.lenses.uncertainty.case_model import CaseModel
from appraisal.lenses.uncertainty.deterministic import (
    one_way,
    scenario_table,
    search_bounds,
    switching_value,
    switching_values,
    two_way,
)

with contextlib.suppress(ImportError):  # the example also has MCA sections
    import appraisal.lenses.mca.lens  # noqa: F401


@pytest.fixture(scope="module")
def prevention():
    return CaseModel(load_case(example_path("prevention")))


def _minimal(**unc):
    inputs = [
        {"name": "cost", "target": {"kind": "cost"}, "field": "scale",
         "distribution": {"dist": "pert", "low": 0.9, "mode": 1.0, "high": 1.4}},
        {"name": "rates", "field": "rate_shift",
         "distribution": {"dist": "uniform", "low": -0.01, "high": 0.01}}]
    return case_from_records(
        title="T", base_year=2025, horizon_years=10,
        options=[{"name": "BAU", "counterfactual": True}, {"name": "New"}],
        lines=[{"option": "New", "name": "costs", "kind": "cost",
                "values": {2025: 100, 2026: 50, 2027: 50}},
               {"option": "New", "name": "gain", "kind": "benefit",
                "values": {y: 30 for y in range(2028, 2035)}}],
        uncertainty={"inputs": inputs, **unc})


def _gap(model, name, value):
    inputs = model.central_inputs()
    inputs[name] = np.asarray([value])
    out = model(inputs)
    metric = "weighted_npsv" if model.spec.input(name).field == "eta" else "npsv"
    focus, _ = (model.weighted_focus if metric == "weighted_npsv"
                else (model.focus, model.runner_up))
    m = out[metric][0]
    return m[focus] - np.delete(m, focus).max(), np.abs(out["pv_costs"][0]).max()


def test_found_switching_values_zero_the_decision_margin(prevention):
    found = [s for s in switching_values(prevention) if s.value is not None]
    assert {s.field for s in found} >= {"scale", "additionality", "eta"}
    for s in found:
        gap, size = _gap(prevention, s.parameter, s.value)
        assert abs(gap) <= 1e-7 * size, (s.parameter, gap)
        # and the decision really is different just past it
        step = 1e-6 * max(1.0, abs(s.value))
        before, _ = _gap(prevention, s.parameter, s.value - step)
        after, _ = _gap(prevention, s.parameter, s.value + step)
        assert np.sign(before) != np.sign(after)


def test_switching_value_of_a_cost_scale_matches_the_linear_formula():
    """For a cost scale the NPSV is linear: x* = 1 + NPSV / PV costs (the closed form that
    appraisal.greenbook.cba.switching_value uses)."""
    case = _minimal()
    model = CaseModel(case)
    result = evaluate(case)
    new = result.option("New")
    # the minimal case prefers BAU: 'New' becomes preferred when its NPSV reaches zero
    s = switching_value(model, "cost")
    assert s.value == pytest.approx(new.pv_benefits / new.pv_costs, rel=1e-9)
    assert s.change == pytest.approx(s.value - 1.0)


def test_switching_value_of_the_discount_rate_turns_the_npsv_to_zero():
    model = CaseModel(_minimal())
    s = switching_value(model, "rates")
    assert s.value < 0  # a lower rate makes the later benefits worth more
    gap, size = _gap(model, "rates", s.value)
    assert abs(gap) <= 1e-9 * size


def test_no_switching_value_in_the_range_raises_and_is_null_in_the_table(prevention):
    with pytest.raises(NoSwitchingValueError, match="stays preferred"):
        switching_value(prevention, "WELLBY value", bounds=(0.9, 1.1))
    rows = {s.parameter: s for s in switching_values(prevention)}
    assert rows["WELLBY value"].value is None
    assert rows["WELLBY value"].change is None
    assert "stays preferred" in rows["WELLBY value"].note


def test_switching_bounds_must_increase_and_the_input_exist(prevention):
    with pytest.raises(AppraisalValidationError, match="increasing"):
        switching_value(prevention, "benefit scale", bounds=(2.0, 1.0))
    with pytest.raises(AppraisalValidationError, match="not an uncertain input"):
        switching_value(prevention, "nothing")
    lo, hi = search_bounds(prevention, "discount rate shift")
    assert lo >= -float(np.min(prevention.compiled.rates))
    assert hi > 0.01


def test_one_way_is_a_tornado_of_the_focus_increment(prevention):
    tornado = one_way(prevention)
    swings = [r["swing"] for r in tornado.rows]
    assert swings == sorted(swings, reverse=True)
    assert "eta" not in [r["parameter"] for r in tornado.rows]
    focus = prevention.focus
    assert tornado.base_npsv == pytest.approx(
        prevention(prevention.central_inputs())["inc_npsv"][0, focus])
    top = tornado.rows[0]
    inputs = prevention.central_inputs()
    inputs[top["parameter"]] = prevention.spec.input(top["parameter"]).distribution.ppf([0.95])
    assert prevention(inputs)["inc_npsv"][0, focus] == pytest.approx(top["npsv_high"])
    with pytest.raises(AppraisalValidationError):
        one_way(prevention, low=0.9, high=0.1)


def test_scenarios_apply_their_values_and_central_is_deterministic(prevention):
    rows = {r["scenario"]: r for r in scenario_table(prevention)}
    result = evaluate(prevention.compiled.case)
    assert rows["central"]["npsv"] == pytest.approx({m.name: m.npsv for m in result.options})
    inputs = prevention.central_inputs()
    for name, value in prevention.spec.scenarios["pessimistic"].items():
        inputs[name] = np.asarray([value])
    expected = prevention(inputs)["npsv"][0]
    assert list(rows["pessimistic"]["npsv"].values()) == pytest.approx(expected.tolist())
    assert rows["pessimistic"]["preferred_option"] == "Business as usual"


def test_two_way_grid_corners_match_single_evaluations():
    model = CaseModel(_minimal())
    grid = two_way(model, "cost", "rates", points=3)
    assert grid.values.shape == (3, 3)
    inputs = model.central_inputs()
    inputs["cost"], inputs["rates"] = grid.x[-1:], grid.y[:1]
    assert grid.values[-1, 0] == pytest.approx(model(inputs)["inc_npsv"][0, model.focus])
    with pytest.raises(AppraisalValidationError):
        two_way(model, "cost", "cost")
