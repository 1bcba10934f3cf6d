"""Tests for appraisal.lenses.uncertainty.distributions."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from appraisal.errors import AppraisalValidationError, Issues
from appraisal.lenses.uncertainty.distributions import (
    DISTRIBUTION_KINDS,
    PERT,
    Constant,
    Discrete,
    Distribution,
    Interval90,
    LogNormal,
    Normal,
    Triangular,
    Uniform,
    parse_distribution,
)

EXAMPLES: list[Distribution] = [
    Uniform(2.0, 5.0),
    Triangular(0.8, 1.0, 1.3),
    PERT(10.0, 12.0, 20.0),
    PERT(10.0, 12.0, 20.0, lamb=2.0),
    Normal(100.0, 15.0),
    Normal(1.0, 0.5, low=0.0),
    Normal(1.0, 0.5, low=0.0, high=1.5),
    Normal(0.0, 1.0, low=3.0, high=4.0),
    LogNormal(0.1, 0.4),
    LogNormal.from_median(50.0, 1.5),
    LogNormal.from_mean_sd(20.0, 8.0),
    Interval90(10.0, 30.0),
    Interval90(10.0, 40.0, shape="lognormal"),
    Constant(4.2),
]


def _locate(path: tuple) -> str:
    return "case.yaml:" + "/".join(map(str, path))


def _parse(data: object, path: tuple = ("inputs", "x")) -> tuple[Distribution | None, Issues]:
    found = Issues()
    return parse_distribution(data, locate=_locate, issues=found, path=path), found


# --- known answers -------------------------------------------------------------------------


def test_normal_quantiles_match_published_table():
    """Standard normal quantiles z(0.975) = 1.959964 and z(0.95) = 1.644854 (Abramowitz and
    Stegun 1964, Handbook of Mathematical Functions, Table 26.5)."""
    d = Normal(0.0, 1.0)
    np.testing.assert_allclose(d.ppf([0.975, 0.95, 0.5]), [1.959964, 1.644854, 0.0], atol=1e-6)


def test_interval90_puts_five_percent_in_each_tail():
    """By definition of a 90% interval elicitation: P(X < low) = 0.05, P(X < high) = 0.95."""
    for d in (Interval90(-3.0, 7.0), Interval90(2.0, 50.0, shape="lognormal")):
        np.testing.assert_allclose(d.ppf([0.05, 0.95]), [d.low, d.high], rtol=1e-12)


def test_half_normal_mean():
    """Half-normal mean is sd * sqrt(2 / pi) (Johnson, Kotz and Balakrishnan 1994,
    Continuous Univariate Distributions vol. 1, sec. 10.1)."""
    assert Normal(0.0, 3.0, low=0.0).mean == pytest.approx(3.0 * math.sqrt(2.0 / math.pi))


def test_pert_and_triangular_means():
    """PERT mean (low + 4 mode + high) / 6 (Malcolm et al. 1959, Operations Research 7(5));
    triangular mean (low + mode + high) / 3."""
    assert PERT(1.0, 2.0, 9.0).mean == pytest.approx((1 + 8 + 9) / 6)
    assert Triangular(1.0, 2.0, 9.0).mean == pytest.approx(4.0)


def test_lognormal_parametrisations_agree():
    d = LogNormal.from_mean_sd(20.0, 8.0)
    assert d.mean == pytest.approx(20.0)
    assert math.sqrt((math.exp(d.sdlog**2) - 1) * math.exp(2 * d.meanlog + d.sdlog**2)) \
        == pytest.approx(8.0)
    m = LogNormal.from_median(50.0, 1.5)
    assert (m.median, m.central) == (pytest.approx(50.0), pytest.approx(50.0))
    assert float(m.ppf(stats.norm.cdf(1.0))) == pytest.approx(75.0)


@pytest.mark.parametrize("dist", EXAMPLES, ids=repr)
def test_ppf_matches_scipy_reference(dist: Distribution):
    """Independent reference: scipy.stats' frozen distributions."""
    u = np.linspace(0.001, 0.999, 41)
    if isinstance(dist, Uniform):
        ref = stats.uniform(dist.low, dist.high - dist.low)
    elif isinstance(dist, Triangular):
        w = dist.high - dist.low
        ref = stats.triang((dist.mode - dist.low) / w, dist.low, w)
    elif isinstance(dist, PERT):
        w = dist.high - dist.low
        ref = stats.beta(1 + dist.lamb * (dist.mode - dist.low) / w,
                         1 + dist.lamb * (dist.high - dist.mode) / w, dist.low, w)
    elif isinstance(dist, Normal):
        lo = -np.inf if dist.low is None else (dist.low - dist.loc) / dist.sd
        hi = np.inf if dist.high is None else (dist.high - dist.loc) / dist.sd
        ref = stats.truncnorm(lo, hi, dist.loc, dist.sd)
    elif isinstance(dist, LogNormal):
        ref = stats.lognorm(dist.sdlog, scale=math.exp(dist.meanlog))
    elif isinstance(dist, Interval90):
        f = dist.fitted
        ref = stats.norm(f.loc, f.sd) if isinstance(f, Normal) else \
            stats.lognorm(f.sdlog, scale=math.exp(f.meanlog))
    else:
        np.testing.assert_array_equal(dist.ppf(u), 4.2)
        return
    np.testing.assert_allclose(dist.ppf(u), ref.ppf(u), rtol=1e-9, atol=1e-12)
    assert dist.mean == pytest.approx(ref.mean(), rel=1e-9)
    assert dist.median == pytest.approx(ref.median(), rel=1e-9)


@pytest.mark.parametrize("dist", EXAMPLES, ids=repr)
def test_sample_mean_within_four_standard_errors(dist: Distribution):
    """Reliability plan 7.7: the mean of a known distribution within 4 standard errors."""
    draws = dist.ppf(np.random.default_rng(123).random(200_000))
    se = draws.std(ddof=1) / math.sqrt(draws.size)
    assert abs(draws.mean() - dist.mean) <= 4 * se + 1e-12


@pytest.mark.parametrize(("low", "mode", "high", "lamb"), [(0.5, 1.0, 2.0, 4.0), (0, 0, 1, 4),
                                                         (0, 1, 1, 4), (0, 0.5, 1, 100.0),
                                                         (0, 0.3, 1, 0.01)])
def test_pert_fast_path_for_large_samples_matches_scipy(low, mode, high, lamb):
    """Large arrays use a cached interpolation table; it must agree with scipy's beta
    inverse (the reference) to 1e-10 and stay monotone, tails included."""
    d = PERT(low, mode, high, lamb)
    rng = np.random.default_rng(5)
    u = np.sort(np.concatenate([rng.random(20_000), np.logspace(-16, -1, 200),
                                1 - np.logspace(-16, -1, 200)]))
    w = high - low
    ref = stats.beta(1 + lamb * (mode - low) / w, 1 + lamb * (high - mode) / w, low, w).ppf(u)
    got = d.ppf(u)
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12)
    assert np.all(np.diff(got) >= 0)


def test_truncated_normal_far_in_upper_tail_is_accurate():
    d = Normal(0.0, 1.0, low=6.0, high=7.0)
    x = d.ppf(np.linspace(0.01, 0.99, 9))
    assert np.all((x >= 6.0) & (x <= 7.0))
    assert np.all(np.diff(x) > 0)
    np.testing.assert_allclose(x, stats.truncnorm(6.0, 7.0).ppf(np.linspace(0.01, 0.99, 9)),
                               rtol=1e-6)


def test_truncation_range_with_no_probability_is_refused():
    with pytest.raises(AppraisalValidationError, match="same units"):
        Normal(0.0, 1.0, low=50.0, high=60.0)


def test_central_values_follow_the_documented_rule():
    assert Uniform(0, 4).central == 2.0
    assert Triangular(0, 1, 5).central == 1.0
    assert PERT(0, 1, 5).central == 1.0
    assert Normal(3.0, 1.0, low=0.0).central == 3.0
    assert Normal(-1.0, 1.0, low=0.0).central == 0.0
    assert LogNormal(math.log(7.0), 0.3).central == pytest.approx(7.0)
    assert Interval90(10, 30).central == pytest.approx(20.0)
    assert Interval90(10, 40, shape="lognormal").central == pytest.approx(20.0)
    assert Discrete(("a", "b", "c"), (0.2, 0.5, 0.3)).central == 1
    assert Discrete(("a", "b", "c"), (0.2, 0.5, 0.3), default="c").central == 2


# --- discrete choices ----------------------------------------------------------------------


def test_discrete_frequencies_and_lookup():
    d = Discrete(("2022", "2026", "review"), (0.5, 0.3, 0.2))
    idx = d.ppf(np.random.default_rng(0).random(100_000))
    assert idx.dtype.kind == "i"
    freq = np.bincount(idx, minlength=3) / idx.size
    np.testing.assert_allclose(freq, [0.5, 0.3, 0.2], atol=0.01)
    assert d.lookup([2, 0]).tolist() == ["review", "2022"]
    assert d.mean is None
    assert d.median is None


def test_discrete_zero_probability_value_is_never_drawn():
    d = Discrete((1.0, 2.0, 3.0), (0.5, 0.0, 0.5))
    assert 1 not in set(d.ppf(np.random.default_rng(1).random(10_000)).tolist())
    assert d.mean == 2.0
    assert d.median == 1.0


def test_discrete_equal_probabilities_by_default():
    assert Discrete((1, 2, 3, 4)).probabilities == (0.25, 0.25, 0.25, 0.25)


# --- degenerate and properties ---------------------------------------------------------------


@pytest.mark.parametrize("dist", [Uniform(3, 3), Triangular(3, 3, 3), PERT(3, 3, 3),
                                  Normal(3, 0), LogNormal(math.log(3), 0), Interval90(3, 3),
                                  Constant(3)], ids=repr)
def test_zero_variance_distributions_return_their_central_value(dist: Distribution):
    """Reliability plan P17: zero-variance inputs reproduce the deterministic value."""
    np.testing.assert_allclose(dist.ppf(np.random.default_rng(2).random(50)), dist.central)
    assert dist.central == pytest.approx(3.0)


unit = st.floats(min_value=1e-12, max_value=1 - 1e-12)


@settings(max_examples=60, deadline=None)
@given(u=st.lists(unit, min_size=2, max_size=20), which=st.integers(0, len(EXAMPLES) - 1))
def test_ppf_is_monotone_and_keeps_shape(u: list[float], which: int):
    dist = EXAMPLES[which]
    u_sorted = np.sort(np.array(u))
    x = dist.ppf(u_sorted)
    assert x.shape == u_sorted.shape
    assert np.all(np.isfinite(x))
    assert np.all(np.diff(x) >= -1e-9 * (1 + np.abs(x[:-1])))
    assert dist.ppf(u_sorted.reshape(-1, 1)).shape == (len(u), 1)


bounded = st.floats(min_value=-1e6, max_value=1e6)


@settings(max_examples=60, deadline=None)
@given(a=bounded, b=bounded, c=bounded, u=st.lists(unit, min_size=1, max_size=10))
def test_bounded_distributions_stay_in_range(a: float, b: float, c: float, u: list[float]):
    low, mode, high = sorted([a, b, c])
    for dist in (Uniform(low, high), Triangular(low, mode, high), PERT(low, mode, high)):
        x = dist.ppf(np.array(u))
        tol = 1e-9 * max(1.0, abs(low), abs(high))
        assert np.all((x >= low - tol) & (x <= high + tol))


@pytest.mark.parametrize("dist", [*EXAMPLES, Discrete(("a", "b"), (0.3, 0.7), default="b")],
                         ids=repr)
def test_to_dict_round_trips_through_parse(dist: Distribution):
    parsed, found = _parse(dist.to_dict())
    assert not found.items
    assert parsed == dist
    assert pickle.loads(pickle.dumps(dist)) == dist


def test_bare_number_is_a_constant():
    parsed, found = _parse(2.5)
    assert parsed == Constant(2.5)
    assert not found.items


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "code", "field"), [
    ({"dist": "uniform", "low": 3, "high": 1}, "low-above-high", "inputs.x.low"),
    ({"dist": "triangular", "low": 0, "mode": 5, "high": 1}, "mode-outside-range",
     "inputs.x.mode"),
    ({"dist": "pert", "low": 0, "mode": 1, "high": 2, "lamb": 0}, "not-positive",
     "inputs.x.lamb"),
    ({"dist": "normal", "mean": 1, "sd": -2}, "negative-spread", "inputs.x.sd"),
    ({"dist": "normal", "mean": 0, "sd": 1, "low": 50, "high": 60}, "truncation-empty",
     "inputs.x"),
    ({"dist": "lognormal", "median": -1, "gsd": 2}, "not-positive", "inputs.x.median"),
    ({"dist": "lognormal", "median": 1, "gsd": 0.5}, "gsd-below-one", "inputs.x.gsd"),
    ({"dist": "lognormal", "meanlog": 1, "sd": 2}, "ambiguous-parameters", "inputs.x"),
    ({"dist": "interval90", "low": 0, "high": 1, "shape": "lognormal"}, "not-positive",
     "inputs.x.low"),
    ({"dist": "interval90", "low": 0, "high": 1, "shape": "gamma"}, "unknown-shape",
     "inputs.x.shape"),
    ({"dist": "discrete", "values": ["a", "b"], "probabilities": [0.5, 0.6]},
     "probabilities-not-one", "inputs.x.probabilities"),
    ({"dist": "discrete", "values": ["a", "b"], "probabilities": [0.5]}, "bad-probabilities",
     "inputs.x.probabilities"),
    ({"dist": "discrete", "values": ["a", "a"]}, "duplicate-value", "inputs.x.values"),
    ({"dist": "discrete", "values": ["a"], "default": "z"}, "unknown-default",
     "inputs.x.default"),
    ({"dist": "triangle", "low": 0, "mode": 1, "high": 2}, "unknown-distribution",
     "inputs.x.dist"),
    ({"dist": "uniform", "low": 0, "hihg": 2}, "unknown-key", "inputs.x.hihg"),
    ({"dist": "uniform", "low": True, "high": 2}, "not-a-number", "inputs.x.low"),
    ({"dist": "uniform", "low": "0.5", "high": 2}, "not-a-number", "inputs.x.low"),
    ({"dist": "uniform", "low": float("nan"), "high": 2}, "not-finite", "inputs.x.low"),
    ({"dist": "constant"}, "missing-parameter", "inputs.x.value"),
    (["uniform", 0, 1], "not-a-distribution", "inputs.x"),
])
def test_invalid_specs_give_located_errors(data: object, code: str, field: str):
    parsed, found = _parse(data)
    assert parsed is None
    assert code in [i.code for i in found.errors]
    issue = next(i for i in found.errors if i.code == code)
    assert issue.field == field
    assert issue.location.startswith("case.yaml:inputs/x")
    assert issue.fix


def test_every_problem_is_reported_at_once():
    parsed, found = _parse({"dist": "pert", "low": 5, "mode": "x", "high": 1, "lamb": -1,
                            "colour": "red"})
    assert parsed is None
    assert {i.code for i in found.errors} == {"unknown-key", "not-a-number", "low-above-high",
                                             "not-positive"}


def test_unknown_distribution_suggests_the_closest_name():
    _, found = _parse({"dist": "trinagular"})
    assert "triangular" in found.errors[0].fix


def test_python_constructors_raise_one_error_with_all_problems():
    with pytest.raises(AppraisalValidationError) as caught:
        Triangular(5.0, 9.0, 1.0)
    assert isinstance(caught.value, ValueError)
    assert [i.code for i in caught.value.issues] == ["low-above-high"]
    with pytest.raises(AppraisalValidationError) as caught:
        Discrete(("a", "a"), (0.2, 0.2))
    assert {i.code for i in caught.value.issues} == {"duplicate-value", "probabilities-not-one"}


json_like = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["low", "high", "mode", "mean", "sd", "values", "probabilities",
                         "lamb", "shape", "median", "gsd", "default", "value", "x"]),
        children, max_size=5),
    max_leaves=10)


@settings(max_examples=200, deadline=None)
@given(kind=st.sampled_from([*DISTRIBUTION_KINDS, "bogus", 3, None]), body=json_like)
def test_parse_is_total(kind: object, body: object):
    """Reliability plan P20: any input gives a distribution or located issues, nothing else."""
    data = {"dist": kind, **body} if isinstance(body, dict) else body
    parsed, found = _parse(data)
    if parsed is None:
        assert found.has_errors
        assert all(i.location.startswith("case.yaml:") for i in found.errors)
    else:
        assert not found.items
        assert np.all(np.isfinite(parsed.ppf(np.array([0.01, 0.5, 0.99])).astype(float)))
