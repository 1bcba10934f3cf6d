"""Tests for appraisal.lenses.uncertainty.voi."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from appraisal.errors import AppraisalValidationError
from appraisal.lenses.uncertainty.voi import (
    cubic_spline_basis,
    evpi,
    evppi,
    evppi_many,
    evppi_table,
    regression_basis,
)


def normal_evpi(mu: float, sigma: float) -> float:
    """EVPI of choosing between 0 and X ~ N(mu, sigma^2): sigma * L(|mu| / sigma), with the
    unit normal loss integral L(z) = phi(z) - z (1 - Phi(z)) (Raiffa and Schlaifer 1961,
    Applied Statistical Decision Theory, sec. 11.3 and Table IV)."""
    z = abs(mu) / sigma
    return sigma * stats.norm.pdf(z) - abs(mu) * stats.norm.cdf(-z)


def test_unit_normal_loss_reference_value():
    """Raiffa and Schlaifer (1961), Table IV: L(0) = 0.3989, L(1) = 0.0833."""
    assert normal_evpi(0.0, 1.0) == pytest.approx(0.3989, abs=5e-5)
    assert normal_evpi(1.0, 1.0) == pytest.approx(0.0833, abs=5e-5)


@pytest.mark.parametrize(("mu", "sigma"), [(0.5, 1.0), (-2.0, 3.0), (0.0, 10.0)])
def test_evpi_matches_the_analytic_normal_result(mu: float, sigma: float):
    rng = np.random.default_rng(12)
    delta = rng.normal(mu, sigma, 400_000)
    nb = np.column_stack([np.zeros_like(delta), delta])
    # Monte Carlo error of mean(max(0, delta)) - max(0, mean(delta)) is at most ~sd/sqrt(D)
    se = sigma / math.sqrt(delta.size)
    assert evpi(nb) == pytest.approx(normal_evpi(mu, sigma), abs=4 * se)


def test_evppi_of_one_component_of_a_normal_difference():
    """Delta = theta + eps, independent normals: E[Delta | theta] = theta, so the EVPPI of
    theta is the EVPI of a decision on N(mu, sd_theta^2) (analytic, see normal_evpi)."""
    rng = np.random.default_rng(3)
    d, mu, s_theta, s_eps = 100_000, 0.3, 1.0, 0.8
    theta = rng.normal(mu, s_theta, d)
    eps = rng.normal(0.0, s_eps, d)
    nb = np.column_stack([np.zeros(d), theta + eps])
    res = evppi(nb, {"theta": theta})
    assert res.value == pytest.approx(normal_evpi(mu, s_theta), abs=0.01)
    assert res.evpi == pytest.approx(normal_evpi(mu, math.hypot(s_theta, s_eps)), abs=0.01)
    both = evppi(nb, {"theta": theta, "eps": eps})
    assert both.value == pytest.approx(both.evpi, rel=0.01)
    assert res.r_squared[0] == pytest.approx(s_theta**2 / (s_theta**2 + s_eps**2), abs=0.01)


def test_evppi_follows_a_nonlinear_effect():
    """Delta = theta^2 - 1 + eps with theta ~ N(0, 1): EVPPI(theta) = E[(theta^2 - 1)+]
    = 2 phi(1) (from int_a^inf x^2 phi(x) dx = a phi(a) + 1 - Phi(a))."""
    rng = np.random.default_rng(4)
    d = 100_000
    theta = rng.normal(size=d)
    nb = np.column_stack([np.zeros(d), theta**2 - 1.0 + rng.normal(0.0, 0.5, d)])
    assert evppi(nb, theta).value == pytest.approx(2 * stats.norm.pdf(1.0), abs=0.01)


def test_evppi_of_a_scenario_choice_uses_indicators():
    """Delta = s + eps with s = -1 or +1 equally likely: EVPPI(s) = E[max(0, s)] = 0.5."""
    rng = np.random.default_rng(5)
    s = rng.choice([-1.0, 1.0], 50_000)
    nb = np.column_stack([np.zeros_like(s), s + rng.normal(0.0, 1.0, s.size)])
    res = evppi(nb, s)
    assert res.value == pytest.approx(0.5, abs=0.01)
    assert res.n_basis == 2  # intercept + one indicator


def test_irrelevant_parameter_is_worth_nothing_and_clipping_is_reported():
    rng = np.random.default_rng(6)
    d = 20_000
    nb = np.column_stack([np.zeros(d), rng.normal(0.1, 1.0, d)])
    res = evppi(nb, rng.normal(size=d))
    assert res.value == pytest.approx(0.0, abs=0.01)
    assert res.clipped == (res.raw < 0.0)
    assert res.value == max(res.raw, 0.0)


def test_single_option_has_no_value_of_information():
    nb = np.random.default_rng(0).normal(size=(100, 1))
    assert evpi(nb) == 0.0
    assert evppi(nb, np.arange(100.0)).value == 0.0


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), options=st.integers(2, 4), params=st.integers(1, 3),
       scale=st.floats(0.01, 100.0))
def test_evppi_always_lies_between_zero_and_evpi(seed, options, params, scale):
    rng = np.random.default_rng(seed)
    d = 800
    x = rng.normal(size=(d, params))
    nb = scale * (x @ rng.normal(size=(params, options)) + rng.normal(size=(d, options)))
    res = evppi(nb, x, knots=1)
    assert 0.0 <= res.value <= res.evpi
    assert res.clipped == (res.value != res.raw)


def test_spline_basis_is_smooth_at_the_knots():
    """A cubic spline has continuous value, slope and curvature at its knots."""
    knot, h = 0.3, 1e-4
    basis = cubic_spline_basis(np.array([knot - h, knot, knot + h]), [knot])
    second = (basis[2] - 2 * basis[1] + basis[0]) / h**2
    assert second[-1] == pytest.approx(0.0, abs=1e-3)


def test_regression_basis_reproduces_a_cubic_exactly():
    x = np.linspace(-2.0, 3.0, 200)
    basis = regression_basis(x)
    cubic = 1.0 - 2.0 * x + 0.5 * x**3
    fitted = basis @ np.linalg.lstsq(basis, cubic, rcond=None)[0]
    np.testing.assert_allclose(fitted, cubic, atol=1e-9)


def test_evppi_table_by_input_and_group():
    rng = np.random.default_rng(7)
    a, b, c = rng.normal(size=(3, 20_000))
    nb = np.column_stack([np.zeros_like(a), a + 0.5 * b + 0.0 * c])
    table = evppi_table(nb, {"a": a, "b": b, "c": c}, groups={"a+b": ["a", "b"]})
    assert set(table) == {"a", "b", "c", "a+b"}
    assert table["a"].value > table["b"].value > table["c"].value
    assert table["a+b"].value == pytest.approx(table["a+b"].evpi, rel=0.01)
    assert table["a+b"].parameters == ("a", "b")


@pytest.mark.parametrize(("nb", "params", "kwargs", "field"), [
    (np.ones(10), np.ones(10), {}, "net_benefit"),
    (np.array([[0.0, np.inf]] * 10), np.ones(10), {}, "net_benefit"),
    (np.ones((10, 2)), np.ones(9), {}, "parameters"),
    (np.ones((100, 2)), np.ones(100), {"knots": -1}, "knots"),
    (np.ones((20, 2)), np.ones((20, 3)), {}, "parameters"),
])
def test_evppi_refuses_bad_input(nb, params, kwargs, field):
    with pytest.raises(AppraisalValidationError) as caught:
        evppi(nb, params, **kwargs)
    assert caught.value.issues[0].field == field


def test_evppi_table_refuses_unknown_group_members():
    with pytest.raises(AppraisalValidationError, match="'z'"):
        evppi_table(np.ones((50, 2)), {"a": np.ones(50)}, groups={"g": ["a", "z"]})


def test_evppi_many_on_an_executor_gives_the_same_numbers(monkeypatch):
    """Issue 14: the fits as tasks of a thread pool (the lens's default on several cores),
    by direct solves and by row blocks, equal the fits one after another to the last bit."""
    from concurrent.futures import ThreadPoolExecutor

    from appraisal.lenses.uncertainty import voi

    rng = np.random.default_rng(3)
    a, b, c = rng.normal(size=(3, 6000))
    nb = np.column_stack([np.zeros(6000), a + 0.3 * b * c, 0.5 * a - c])
    sets = {"a": {"a": a}, "pair": {"b": b, "c": c}, "all": {"a": a, "b": b, "c": c}}
    for basis_bytes in (32 * 2**20, 8 * 40 * 1024):  # one solve; blocks of rows
        monkeypatch.setattr(voi, "EVPPI_BASIS_BYTES", basis_bytes)
        alone = evppi_many(nb, sets)
        with ThreadPoolExecutor(2) as pool:
            pooled = evppi_many(nb, sets, executor=pool)
        assert list(pooled) == list(sets)
        for key, result in alone.items():
            assert (pooled[key].value, pooled[key].raw) == (result.value, result.raw)
            np.testing.assert_array_equal(pooled[key].r_squared, result.r_squared)
