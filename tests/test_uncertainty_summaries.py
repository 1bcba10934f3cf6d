"""Tests for appraisal.lenses.uncertainty.summaries."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from appraisal.errors import AppraisalValidationError
from appraisal.lenses.uncertainty.summaries import (
    acceptability_curve,
    acceptability_sweep,
    probability_above,
    probability_best,
    summarise,
    wilson_interval,
)


@pytest.mark.parametrize(("k", "n", "low", "high"), [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_wilson_interval_matches_newcombe(k: int, n: int, low: float, high: float):
    """Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion.
    Statistics in Medicine 17, 857-872, Table II, method 3 (Wilson score)."""
    got = wilson_interval(k, n)
    assert (round(float(got[0]), 4), round(float(got[1]), 4)) == (low, high)


def test_summarise_matches_numpy_and_reports_uncertainty_of_the_mean():
    rng = np.random.default_rng(0)
    draws = rng.normal([10.0, -1.0], [2.0, 3.0], size=(40_000, 2))
    s = summarise(draws, name="npsv", labels=["A", "B"])
    np.testing.assert_allclose(s.mean, draws.mean(axis=0))
    np.testing.assert_allclose(s.sd, draws.std(axis=0, ddof=1))
    np.testing.assert_allclose(s.mcse, s.sd / 200.0)
    np.testing.assert_allclose(s.percentiles[50.0], np.median(draws, axis=0))
    assert sorted(s.percentiles) == [5.0, 25.0, 50.0, 75.0, 95.0]
    np.testing.assert_allclose(s.p_positive, (draws > 0).mean(axis=0))
    assert np.all((s.p_positive_low <= s.p_positive) & (s.p_positive <= s.p_positive_high))
    # the analytic P(x > 0) of N(-1, 3) lies inside the Wilson interval
    assert s.p_positive_low[1] < 0.3694 < s.p_positive_high[1]
    frame = s.to_frame()
    assert list(frame.index) == ["A", "B"]
    assert {"mean", "sd", "mcse", "p5", "p95", "p_positive_low"} <= set(frame.columns)


def test_summarise_flattens_trailing_axes_into_labelled_columns():
    s = summarise(np.ones((10, 2, 3)), name="pv")
    assert s.labels[:2] == ("pv[0,0]", "pv[0,1]")
    assert len(s.labels) == 6
    assert summarise(np.arange(5.0), name="bcr").labels == ("bcr",)


@pytest.mark.parametrize(("draws", "kwargs", "code"), [
    (np.array([1.0, np.nan, 2.0]), {}, "not-finite"),
    (np.array([1.0]), {}, "too-few-draws"),
    (np.ones((4, 2)), {"labels": ["only-one"]}, "invalid-argument"),
    (np.ones(4), {"percentiles": (5, 105)}, "invalid-argument"),
])
def test_summarise_refuses_bad_input(draws, kwargs, code):
    with pytest.raises(AppraisalValidationError) as caught:
        summarise(draws, name="npsv", **kwargs)
    assert caught.value.issues[0].code == code


def test_probability_best_splits_ties_and_respects_direction():
    values = np.array([[1.0, 1.0, 0.0], [0.0, 2.0, 1.0], [3.0, 0.0, 3.0], [0.0, 0.0, 5.0]])
    np.testing.assert_allclose(probability_best(values), [0.25, 0.375, 0.375])
    np.testing.assert_allclose(probability_best(values, maximise=False), [0.375, 0.375, 0.25])


@settings(max_examples=80, deadline=None)
@given(values=hnp.arrays(np.int64, st.tuples(st.integers(1, 30), st.integers(1, 5)),
                         elements=st.integers(-10**6, 10**6)),
       shift=st.integers(-10**6, 10**6))
def test_probability_best_properties(values: np.ndarray, shift: int):
    values = values.astype(np.float64)  # integral values: shifts are exact in floating point
    p = probability_best(values)
    assert p.sum() == pytest.approx(1.0)
    assert np.all((p >= 0) & (p <= 1))
    # a common shift of all options changes no preference
    np.testing.assert_allclose(probability_best(values + shift), p)
    # an option that dominates every other in every draw is always best
    dominant = np.column_stack([values, values.max(axis=1) + 1.0])
    assert probability_best(dominant)[-1] == 1.0


def test_probability_above_thresholds():
    bcr = np.array([0.8, 1.2, 1.6, 2.5, 4.5])
    np.testing.assert_allclose(probability_above(bcr, [1.0, 1.5, 2.0, 4.0]),
                               [0.8, 0.6, 0.4, 0.2])


def test_acceptability_sweep_matches_the_curve_kernel_and_finds_the_switch():
    """Two options; weighted NPSV(eta) = sum_g NPSV_g (y_g / y_median)^-eta. Option B
    benefits the low-income group, so B is preferred once eta is high enough. Switch point:
    A = 1.0 vs B = 0.6 * 0.5^-eta, B wins when 0.5^-eta > 1/0.6, eta > log2(1/0.6) = 0.737."""
    rng = np.random.default_rng(8)
    d = 20_000
    by_group = np.zeros((d, 2, 2))  # draws, options, groups (low, middle income)
    by_group[:, 0, 1] = rng.normal(1.0, 0.2, d)
    by_group[:, 1, 0] = rng.normal(0.6, 0.2, d)
    relative_income = np.array([0.5, 1.0])
    etas = [0.0, 0.5, 0.737, 1.0, 1.5]
    curve = acceptability_sweep(lambda eta: by_group @ relative_income**-eta, etas)
    stacked = np.stack([by_group @ relative_income**-eta for eta in etas])
    np.testing.assert_allclose(curve.probability_best, acceptability_curve(stacked))
    np.testing.assert_allclose(curve.expected, stacked.mean(axis=1))
    np.testing.assert_allclose(curve.probability_best.sum(axis=1), 1.0)
    assert curve.frontier[[0, 1, 3, 4]].tolist() == [0, 0, 1, 1]
    assert curve.probability_best[2, 1] == pytest.approx(0.5, abs=0.02)
    assert np.all(np.diff(curve.probability_best[:, 1]) > 0)


def test_acceptability_sweep_with_named_parameter_values():
    table = {"2022": np.array([[1.0, 2.0], [1.0, 0.5]]), "2026": np.array([[3.0, 2.0],
                                                                           [1.0, 0.0]])}
    curve = acceptability_sweep(table.__getitem__, ["2022", "2026"])
    assert curve.parameter_values == ("2022", "2026")
    np.testing.assert_allclose(curve.probability_best, [[0.5, 0.5], [1.0, 0.0]])


def test_acceptability_sweep_refuses_inconsistent_or_bad_objectives():
    with pytest.raises(AppraisalValidationError, match="shape"):
        acceptability_sweep(lambda p: np.ones((5, 2 + p)), [0, 1])
    with pytest.raises(AppraisalValidationError, match="NaN"):
        acceptability_sweep(lambda p: np.full((5, 2), np.nan), [0])
    with pytest.raises(AppraisalValidationError, match="non-empty"):
        acceptability_sweep(lambda p: np.ones((5, 2)), [])
