"""Tests for appraisal.lenses.uncertainty.sampling."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from appraisal.errors import AppraisalValidationError
from appraisal.lenses.uncertainty.correlation import Correlation, CorrelationGroup
from appraisal.lenses.uncertainty.distributions import (
    Constant,
    Discrete,
    Normal,
    Triangular,
    Uniform,
)
from appraisal.lenses.uncertainty.sampling import (
    central_inputs,
    run_monte_carlo,
    sample_inputs,
)

SPECS = {
    "capex": Triangular(0.9, 1.0, 1.4),
    "demand": Normal(100.0, 20.0, low=0.0),
    "wellby": Uniform(10_000.0, 15_000.0),
    "vintage": Discrete(("2022", "2026"), (0.7, 0.3)),
    "horizon": Constant(60.0),
}
CORR = Correlation.from_groups([CorrelationGroup(("capex", "demand"), 0.6)])


def _all_draws(specs, n, seed, **kwargs) -> dict[str, np.ndarray]:
    chunks = list(sample_inputs(specs, n, seed, **kwargs))
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)
    assert chunks[-1].stop == n
    return {k: np.concatenate([c.inputs[k] for c in chunks]) for k in specs}


def _npsv_model(x):
    """A small vectorised appraisal: two options' NPSV per draw (draws x options)."""
    benefit = x["demand"] * x["wellby"] / 1000.0
    cost = 1500.0 * x["capex"]
    return {"npsv": np.stack([np.zeros_like(benefit), benefit - cost], axis=1),
            "bcr": benefit / cost}


@pytest.mark.parametrize("corr", [None, CORR])
@pytest.mark.parametrize("chunk_size", [None, 1, 4096, 5000, 100_000])
def test_draws_do_not_depend_on_chunk_size(chunk_size, corr):
    """DESIGN: the same seed gives identical results whatever the chunk size."""
    reference = _all_draws(SPECS, 10_000, 7, correlation=corr, chunk_size=8192)
    got = _all_draws(SPECS, 10_000, 7, correlation=corr, chunk_size=chunk_size)
    for name in SPECS:
        np.testing.assert_array_equal(got[name], reference[name])


def test_short_run_is_a_prefix_of_a_long_run():
    short = _all_draws(SPECS, 1000, 11, correlation=CORR)
    long = _all_draws(SPECS, 9000, 11, correlation=CORR, chunk_size=4096)
    for name in SPECS:
        np.testing.assert_array_equal(short[name], long[name][:1000])


def test_an_input_keeps_its_draws_when_other_inputs_change():
    base = _all_draws({"a": Uniform(0, 1), "b": Normal(0, 1)}, 5000, 3)
    more = _all_draws({"z": Normal(5, 1), "b": Normal(0, 1), "a": Uniform(0, 1),
                       "c": Triangular(0, 1, 2)}, 5000, 3)
    np.testing.assert_array_equal(base["a"], more["a"])
    np.testing.assert_array_equal(base["b"], more["b"])


def test_seeds_matter_and_seed_sequences_work():
    a = _all_draws(SPECS, 100, 1)["demand"]
    assert not np.array_equal(a, _all_draws(SPECS, 100, 2)["demand"])
    np.testing.assert_array_equal(a, _all_draws(SPECS, 100, np.random.SeedSequence(1))["demand"])
    child = np.random.SeedSequence(1).spawn(1)[0]
    assert not np.array_equal(a, _all_draws(SPECS, 100, child)["demand"])


def test_sampled_inputs_have_the_right_marginals_and_types():
    draws = _all_draws(SPECS, 40_000, 5)
    assert draws["vintage"].dtype.kind == "i"
    assert np.mean(draws["vintage"] == 0) == pytest.approx(0.7, abs=0.01)
    np.testing.assert_array_equal(draws["horizon"], 60.0)
    assert stats.kstest(draws["wellby"], stats.uniform(10_000, 5_000).cdf).pvalue > 1e-3
    assert draws["demand"].min() >= 0.0


def test_correlation_is_induced_on_sampled_inputs():
    draws = _all_draws(SPECS, 16_384, 9, correlation=CORR)
    rho = stats.spearmanr(draws["capex"], draws["demand"]).statistic
    assert rho == pytest.approx(0.6, abs=0.03)
    assert abs(stats.spearmanr(draws["capex"], draws["wellby"]).statistic) < 0.03


def test_central_inputs():
    central = central_inputs(SPECS)
    assert {k: v.tolist() for k, v in central.items()} == {
        "capex": [1.0], "demand": [100.0], "wellby": [12_500.0], "vintage": [0],
        "horizon": [60.0]}


def test_zero_variance_monte_carlo_equals_the_deterministic_run():
    """Reliability plan P17: Monte Carlo with zero-variance inputs equals the deterministic
    result."""
    specs = {"capex": Triangular(1.1, 1.1, 1.1), "demand": Normal(90.0, 0.0),
             "wellby": Uniform(12_000.0, 12_000.0)}
    mc = run_monte_carlo(_npsv_model, specs, 300, seed=4, chunk_size=100)
    deterministic = _npsv_model(central_inputs(specs))
    np.testing.assert_array_equal(mc.outputs["npsv"],
                                  np.repeat(deterministic["npsv"], 300, axis=0))


def test_monte_carlo_mean_within_four_standard_errors_and_seeds_agree():
    """Reliability plan 7.7: mean within 4 SE of the analytic value; two seeds agree within
    their combined Monte Carlo error."""
    specs = {"demand": Normal(100.0, 20.0), "wellby": Uniform(10_000.0, 14_000.0),
             "capex": Triangular(0.9, 1.0, 1.4)}
    expected = 100.0 * 12_000.0 / 1000.0 - 1500.0 * (0.9 + 1.0 + 1.4) / 3
    means, ses = [], []
    for seed in (1, 2):
        y = run_monte_carlo(_npsv_model, specs, 50_000, seed, outputs=["npsv"]).outputs["npsv"]
        means.append(y[:, 1].mean())
        ses.append(y[:, 1].std(ddof=1) / math.sqrt(y.shape[0]))
        assert abs(means[-1] - expected) < 4 * ses[-1]
    assert abs(means[0] - means[1]) < 4 * math.hypot(*ses)


def test_run_monte_carlo_keeps_only_what_is_asked_and_records_the_seed():
    res = run_monte_carlo(_npsv_model, SPECS, 5000, seed=21, chunk_size=4096,
                          outputs=["bcr"], keep_inputs=["demand"])
    assert set(res.outputs) == {"bcr"}
    assert set(res.inputs) == {"demand"}
    assert res.outputs["bcr"].shape == (5000,)
    assert not res.outputs["bcr"].flags.writeable
    np.testing.assert_array_equal(res.inputs["demand"], _all_draws(SPECS, 5000, 21)["demand"])
    assert res.seed_record() == {"entropy": 21, "spawn_key": [], "n": 5000,
                                 "block_size": 4096}
    again = run_monte_carlo(_npsv_model, SPECS, 5000, seed=21, chunk_size=8192,
                            outputs="bcr")
    np.testing.assert_array_equal(again.outputs["bcr"], res.outputs["bcr"])
    assert (res.chunk_size, again.chunk_size) == (4096, 8192)
    assert again.seed_record() == res.seed_record()  # the chunks change nothing recorded


def test_invalid_arguments_are_all_reported_together():
    with pytest.raises(AppraisalValidationError) as caught:
        list(sample_inputs({"a": "uniform", "b": Normal(0, 1)}, 0, None, chunk_size=-5,
                           correlation=Correlation.from_groups([CorrelationGroup(("b", "q"))])))
    assert {i.field for i in caught.value.issues} == {"specs.a", "n", "chunk_size",
                                                      "correlation", "seed"}


def test_sample_inputs_validates_before_iterating():
    with pytest.raises(AppraisalValidationError):
        sample_inputs(SPECS, -1, 0)


@pytest.mark.parametrize(("model", "code"), [
    (lambda x: {"other": x["demand"]}, "missing-output"),
    (lambda x: {"npsv": x["demand"][:3]}, "bad-output-shape"),
    (lambda x: x["demand"], "bad-model-output"),
])
def test_model_output_problems_are_explained(model, code):
    with pytest.raises(AppraisalValidationError) as caught:
        run_monte_carlo(model, SPECS, 100, seed=1, outputs=["npsv"])
    assert caught.value.issues[0].code == code


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 3000), chunk=st.integers(1, 9000), block=st.sampled_from([64, 512]),
       seed=st.integers(0, 2**32))
def test_chunking_property(n: int, chunk: int, block: int, seed: int):
    """Reliability plan P17: results independent of chunking (any n, chunk size, seed)."""
    specs = {"x": Normal(0, 1), "y": Triangular(0, 1, 3)}
    whole = _all_draws(specs, n, seed, block_size=block, chunk_size=n + block)
    parts = _all_draws(specs, n, seed, block_size=block, chunk_size=chunk)
    for name in specs:
        np.testing.assert_array_equal(whole[name], parts[name])
