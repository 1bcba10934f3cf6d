"""The case as a vectorised model: central draw == deterministic appraisal, exact mappings."""

from __future__ import annotations

import contextlib
import functools
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import appraisal.lenses.uncertainty.lens  # registers the section
from appraisal import (
    AppraisalValidationError,
    Case,
    case_from_records,
    evaluate,
    example_path,
    load_case,
)
from appraisal.engine.compile import compile_case, evaluate_arrays
from appraisal.lenses.uncertainty.case_model import CaseModel

with contextlib.suppress(ImportError):  # the example also has MCA sections
    import appraisal.lenses.mca.lens  # noqa: F401


def _prevention() -> Case:
    return load_case(example_path("prevention"))


def _records(**extra):
    return dict(
        title="T", base_year=2025, horizon_years=6,
        options=[{"name": "BAU", "counterfactual": True}, {"name": "A"}, {"name": "B"}],
        lines=[{"option": "A", "name": "build", "kind": "cost", "values": {2025: 100}},
               {"option": "A", "name": "gain", "kind": "benefit",
                "values": {2026: 40, 2027: 40, 2028: 40}},
               {"option": "B", "name": "build", "kind": "cost", "values": {2025: 60}},
               {"option": "B", "name": "gain", "kind": "benefit",
                "values": {2026: 25, 2027: 25, 2028: 25}}],
        **extra)


UNC = {"draws": 100, "inputs": [
    {"name": "cost", "target": {"kind": "cost"}, "field": "scale",
     "distribution": {"dist": "triangular", "low": 0.8, "mode": 1.0, "high": 1.5}},
    {"name": "gain A", "target": {"line": "gain", "option": "A"}, "field": "value_multiplier",
     "distribution": {"dist": "uniform", "low": 0.5, "high": 1.5}},
    {"name": "rates", "field": "rate_shift",
     "distribution": {"dist": "uniform", "low": -0.02, "high": 0.02}},
    {"name": "late", "target": {"kind": "benefit"}, "field": "delay",
     "distribution": {"dist": "discrete", "values": [0, 1, 2]}},
    {"name": "ob", "target": {"line": "build"}, "field": "ob_uplift",
     "distribution": {"dist": "uniform", "low": -0.2, "high": 0.2}}]}


def _small() -> Case:
    return case_from_records(**_records(uncertainty=UNC))


def _metrics_match(out, result, row=0):
    for j, m in enumerate(result.options):
        assert out["npsv"][row, j] == pytest.approx(m.npsv, rel=1e-12, abs=1e-6)
        assert out["pv_costs"][row, j] == pytest.approx(m.pv_costs, rel=1e-12, abs=1e-6)
        assert out["pv_benefits"][row, j] == pytest.approx(m.pv_benefits, rel=1e-12, abs=1e-6)
        assert out["inc_npsv"][row, j] == pytest.approx(m.inc_npsv, rel=1e-12, abs=1e-6)
        if m.bcr is None:
            assert not np.isfinite(out["bcr"][row, j])
        else:
            assert out["bcr"][row, j] == pytest.approx(m.bcr, rel=1e-12)
        if m.inc_bcr is None:
            assert not np.isfinite(out["inc_bcr"][row, j])
        else:
            assert out["inc_bcr"][row, j] == pytest.approx(m.inc_bcr, rel=1e-12)


def test_central_draw_equals_the_deterministic_appraisal_of_the_prevention_case():
    case = _prevention()
    model = CaseModel(case)
    out = model(model.central_inputs())
    result = evaluate(case)
    _metrics_match(out, result)
    weighted = result.lenses["distributional"].weighted
    np.testing.assert_allclose(out["weighted_npsv"][0], weighted, rtol=1e-12)
    assert model.option_names[model.focus] == result.preferred_option


def test_central_draw_equals_the_deterministic_appraisal_with_every_field_moved():
    case = _small()
    model = CaseModel(case)
    # 'ob' is uniform(-0.2, 0.2): its central value 0 is the compiled uplift
    _metrics_match(model(model.central_inputs()), evaluate(case))


def test_many_draws_in_one_call_equal_one_call_per_draw():
    model = CaseModel(_small())
    rng = np.random.default_rng(4)
    draws = {n: d.ppf(rng.uniform(size=7)) for n, d in model.specs.items()}
    together = model(draws)
    for k in range(7):
        alone = model({n: v[k:k + 1] for n, v in draws.items()})
        for key in ("npsv", "inc_bcr", "focus_margin"):
            np.testing.assert_allclose(together[key][k], alone[key][0], rtol=1e-13)


def test_delay_draw_equals_a_case_with_the_benefits_moved_a_year_later():
    model = CaseModel(_small())
    inputs = model.central_inputs()
    inputs["late"] = np.array([1])  # index 1 of values [0, 1, 2]: one year
    later = _records()
    for line in later["lines"]:
        if line["kind"] == "benefit":
            line["values"] = {y + 1: v for y, v in line["values"].items()}
    np.testing.assert_allclose(model(inputs)["npsv"][0],
                               [m.npsv for m in evaluate(case_from_records(**later)).options],
                               rtol=1e-12)


def test_rate_shift_matches_the_engine_and_ob_uplift_replaces_the_uplift():
    case = _small()
    model = CaseModel(case)
    compiled = compile_case(case)
    inputs = model.central_inputs()
    inputs["rates"] = np.array([0.01])
    inputs["ob"] = np.array([0.25])
    expected = evaluate_arrays(compiled, rate_shift=np.array([0.01]),
                               ob_uplift=[[0.25, 0.0, 0.25, 0.0]]).npsv[0]
    np.testing.assert_allclose(model(inputs)["npsv"][0], expected, rtol=1e-12)


@functools.cache
def _small_model_and_result():
    case = _small()
    return CaseModel(case), evaluate(case)


@settings(max_examples=30, deadline=None)
@given(x=st.floats(0.0, 3.0))
def test_scale_of_costs_moves_npsv_linearly(x):
    model, result = _small_model_and_result()
    inputs = model.central_inputs()
    inputs["cost"] = np.array([x])
    out = model(inputs)["npsv"][0]
    expected = [m.pv_benefits - x * m.pv_costs for m in result.options]
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-9)


def test_model_pickles_and_gives_the_same_answer():
    model = CaseModel(_small())
    again = pickle.loads(pickle.dumps(model))
    x = model.central_inputs()
    np.testing.assert_array_equal(again(x)["npsv"], model(x)["npsv"])


def test_case_without_section_is_refused():
    with pytest.raises(AppraisalValidationError, match="no uncertain inputs"):
        CaseModel(case_from_records(**_records()))


def test_rate_shift_on_an_unused_schedule_is_refused():
    unc = {"inputs": [{"name": "r", "target": {"schedule": "health"}, "field": "rate_shift",
                       "distribution": 0.0}]}
    with pytest.raises(AppraisalValidationError, match="schedule 'health'"):
        CaseModel(case_from_records(**_records(uncertainty=unc)))
