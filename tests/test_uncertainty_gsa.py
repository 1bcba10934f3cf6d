"""Tests for appraisal.lenses.uncertainty.gsa (validated on functions with analytic indices)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from SALib.analyze import sobol as salib_sobol_analyze
from SALib.sample import sobol as salib_sobol_sample
from scipy.stats import qmc

from appraisal.errors import AppraisalValidationError
from appraisal.lenses.uncertainty.correlation import Correlation, CorrelationGroup
from appraisal.lenses.uncertainty.distributions import Constant, Normal, Uniform
from appraisal.lenses.uncertainty.gsa import (
    given_data_indices,
    morris_screening,
    saltelli_unit_sample,
    sobol_analysis,
    sobol_convergence,
    sobol_first_total,
)
from appraisal.lenses.uncertainty.sampling import run_monte_carlo

ISHIGAMI_SPECS = {f"x{i}": Uniform(-np.pi, np.pi) for i in (1, 2, 3)}


def ishigami(x, a=7.0, b=0.1):
    return {"y": np.sin(x["x1"]) + a * np.sin(x["x2"]) ** 2 + b * x["x3"] ** 4 * np.sin(x["x1"])}


def linear(coefficients):
    def model(x):
        return {"y": sum(c * x[f"x{i}"] for i, c in enumerate(coefficients))}
    return model


@pytest.mark.parametrize(("groups", "second"), [(None, False), (None, True),
                                                ([0, 1, 0, 2], False), ([0, 1, 0, 2], True)])
def test_saltelli_design_equals_salib_sampler(groups, second, monkeypatch):
    """Given the same base points, the vectorised design is SALib.sample.sobol.sample's,
    row for row, also when built in chunks. (SALib seeds scipy's engine with the legacy
    ``seed=`` keyword; the shim feeds both from the ``rng=`` stream.)"""
    real_sobol = qmc.Sobol

    def same_stream(d, *, scramble=True, seed=None, rng=None):
        return real_sobol(d, scramble=scramble, rng=seed if rng is None else rng)

    monkeypatch.setattr(qmc, "Sobol", same_stream)
    names = ["a", "b", "c", "d"]
    problem = {"num_vars": 4, "names": names, "bounds": [[0.0, 1.0]] * 4}
    if groups is not None:
        problem["groups"] = [f"g{g}" for g in groups]
    expected = salib_sobol_sample.sample(problem, 64, calc_second_order=second, seed=17)
    group_of = None if groups is None else np.array(groups)
    ours = saltelli_unit_sample(4, 64, seed=17, group_of=group_of, calc_second_order=second)
    np.testing.assert_array_equal(ours, expected)
    chunks = [saltelli_unit_sample(4, 64, seed=17, group_of=group_of,
                                   calc_second_order=second, start=s, stop=s + 16)
              for s in range(0, 64, 16)]
    np.testing.assert_array_equal(np.vstack(chunks), expected)


@pytest.mark.parametrize("groups", [None, ["g0", "g1", "g0", "g2", "g1"]])
def test_vectorised_estimator_reproduces_salib_analyze(groups):
    """sobol_first_total gives SALib.analyze.sobol.analyze's S1, ST and bootstrap CIs."""
    k = 5
    group_of = None if groups is None else np.array([int(g[1]) for g in groups])
    dg = k if groups is None else 3
    u = saltelli_unit_sample(k, 256, seed=4, group_of=group_of)
    y = np.column_stack([u @ np.arange(1.0, 6.0), np.exp(u[:, 0]) * u[:, 1] + u[:, 4] ** 3])
    problem = {"num_vars": k, "names": list("abcde"), "bounds": [[0.0, 1.0]] * k}
    if groups is not None:
        problem["groups"] = groups
    ours = sobol_first_total(y, dg, num_resamples=50, conf_level=0.9, seed=21)
    for c in range(2):
        ref = salib_sobol_analyze.analyze(problem, y[:, c], calc_second_order=False,
                                          num_resamples=50, conf_level=0.9, seed=21)
        for key in ("S1", "S1_conf", "ST", "ST_conf"):
            np.testing.assert_allclose(ours[key][c], ref[key], rtol=1e-10, atol=1e-14)


def test_second_order_indices_come_from_salib():
    """Y = x0 * x1 on U(0, 1): S12 = (1/144) / (7/144) = 1/7 (Var(x0 x1) = 7/144)."""
    specs = {"x0": Uniform(0, 1), "x1": Uniform(0, 1), "x2": Uniform(0, 1)}
    res = sobol_analysis(lambda x: {"y": x["x0"] * x["x1"]}, specs, 2**12, rng=3,
                         calc_second_order=True)
    assert res.indices["S2"].shape == (1, 3, 3)
    assert res.indices["S2"][0, 0, 1] == pytest.approx(1 / 7, abs=0.03)
    assert res.n_evaluations == 2**12 * 8


def test_ishigami_indices_match_analytic_values():
    """Ishigami function, a = 7, b = 0.1, inputs U(-pi, pi): S1 = (0.3139, 0.4424, 0),
    ST = (0.5576, 0.4424, 0.2437) (Ishigami and Homma 1990, Proc. ISUMA '90, 398-403;
    Saltelli et al. 2008, Global Sensitivity Analysis: The Primer, sec. 4.9). Tolerances as
    SALib's regression test (atol 0.05, rtol 0.1)."""
    res = sobol_analysis(ishigami, ISHIGAMI_SPECS, 2**12, rng=np.random.default_rng(1))
    np.testing.assert_allclose(res.indices["S1"][0], [0.3139, 0.4424, 0.0], atol=0.05, rtol=0.1)
    np.testing.assert_allclose(res.indices["ST"][0], [0.5576, 0.4424, 0.2437], atol=0.05,
                               rtol=0.1)
    assert res.names == ("x1", "x2", "x3")
    assert res.outputs == ("y",)
    assert res.n_evaluations == 2**12 * 5


def test_sobol_g_function_first_order_indices():
    """Sobol' G function, a = (78, 12, 0.5, 2, 97, 33): analytic S1 = (0.000276, 0.010195,
    0.765743, 0.191436, 0.000179, 0.001490) (Saltelli et al. 2008, The Primer, sec. 3.6;
    values as quoted in SALib's test suite, which uses N = 4096 and atol 0.01)."""
    a = np.array([78, 12, 0.5, 2, 97, 33])
    specs = {f"x{i}": Uniform(0.0, 1.0) for i in range(6)}

    def g(x):
        terms = [(np.abs(4 * x[f"x{i}"] - 2) + a[i]) / (1 + a[i]) for i in range(6)]
        return {"y": np.prod(terms, axis=0)}

    res = sobol_analysis(g, specs, 4096, rng=2)
    np.testing.assert_allclose(res.indices["S1"][0],
                               [0.000276, 0.010195, 0.765743, 0.191436, 0.000179, 0.001490],
                               atol=0.01)


def test_linear_model_with_normal_inputs_has_exact_indices():
    """Y = sum a_i X_i with independent X_i: S1_i = ST_i = a_i^2 s_i^2 / sum_j a_j^2 s_j^2
    (reliability plan 4.5 and 7.7: within 0.01). Normal inputs exercise the ppf mapping."""
    a, s = np.array([1.0, 2.0, -3.0, 0.5]), np.array([2.0, 1.0, 0.5, 4.0])
    specs = {f"x{i}": Normal(10.0 * i, s[i]) for i in range(4)}
    expected = a**2 * s**2 / np.sum(a**2 * s**2)
    res = sobol_analysis(linear(a), specs, 2**12, rng=3)
    np.testing.assert_allclose(res.indices["S1"][0], expected, atol=0.01)
    np.testing.assert_allclose(res.indices["ST"][0], expected, atol=0.01)


def test_parameter_groups_add_up():
    a = np.array([1.0, 2.0, 3.0, 1.0])
    specs = {f"x{i}": Normal(0.0, 1.0) for i in range(4)}
    res = sobol_analysis(linear(a), specs, 2**12, rng=4,
                         groups={"source A": ["x0", "x2"], "source B": ["x1"]})
    assert res.names == ("source A", "source B", "x3")
    np.testing.assert_allclose(res.indices["S1"][0], np.array([10, 4, 1]) / 15, atol=0.01)
    assert res.settings["groups"] == {"source A": ["x0", "x2"], "source B": ["x1"],
                                      "x3": ["x3"]}


def test_correlation_inside_a_group_is_honoured():
    """Y = X1 + X2 + X3, standard normals with corr(X1, X2) = r (Gaussian copula): the
    group {X1, X2} has S1 = Var(X1 + X2) / Var(Y) = (2 + 2r) / (3 + 2r)."""
    rho_s = 0.5
    r = 2 * np.sin(np.pi * rho_s / 6)
    specs = {f"x{i}": Normal(0.0, 1.0) for i in range(3)}
    corr = Correlation.from_groups([CorrelationGroup(("x0", "x1"), rho_s)])
    res = sobol_analysis(linear([1.0, 1.0, 1.0]), specs, 2**12, rng=5,
                         groups={"pair": ["x0", "x1"]}, correlation=corr)
    np.testing.assert_allclose(res.indices["S1"][0], [(2 + 2 * r) / (3 + 2 * r),
                                                      1 / (3 + 2 * r)], atol=0.01)


def test_correlation_across_groups_is_refused():
    specs = {f"x{i}": Normal(0.0, 1.0) for i in range(3)}
    corr = Correlation.from_groups([CorrelationGroup(("x0", "x1"), 0.5)])
    with pytest.raises(AppraisalValidationError, match="one group"):
        sobol_analysis(linear([1, 1, 1]), specs, 64, rng=1, correlation=corr)


def test_many_outputs_and_columns_are_analysed_separately():
    specs = {"a": Uniform(0, 1), "b": Uniform(0, 1), "c": Constant(2.0)}

    def model(x):
        return {"npsv": np.stack([x["a"], x["b"], x["a"] + 0 * x["c"]], axis=1),
                "flat": np.ones_like(x["a"])}

    res = sobol_analysis(model, specs, 256, rng=6)
    assert res.outputs == ("npsv[0]", "npsv[1]", "npsv[2]", "flat")
    np.testing.assert_allclose(res.indices["S1"][:3], [[1, 0, 0], [0, 1, 0], [1, 0, 0]],
                               atol=0.05)
    np.testing.assert_array_equal(res.indices["ST"][3], 0.0)
    assert any("'flat' is constant" in note for note in res.notes)
    frame = res.to_frame()
    assert frame.loc[("npsv[1]", "b"), "S1"] == pytest.approx(1.0, abs=0.05)


def test_same_seed_same_indices_and_seeds_are_recorded():
    first = sobol_analysis(ishigami, ISHIGAMI_SPECS, 256, rng=7, chunk_size=300)
    second = sobol_analysis(ishigami, ISHIGAMI_SPECS, 256, rng=7, chunk_size=5000)
    np.testing.assert_array_equal(first.indices["ST_conf"], second.indices["ST_conf"])
    other = sobol_analysis(ishigami, ISHIGAMI_SPECS, 256, rng=8)
    assert other.settings["sampler_seed"] != first.settings["sampler_seed"]
    assert first.settings["bootstrap_seed"] > 0


def test_convergence_report_reuses_one_design():
    """Reliability plan 4.5 / 7.7: CI widths shrink roughly as 1 / sqrt(N) per doubling."""
    rep = sobol_convergence(ishigami, ISHIGAMI_SPECS, 2**13, rng=9, n_min=2**10)
    assert [s.n for s in rep.steps] == [1024, 2048, 4096, 8192]
    assert rep.result.n_evaluations == 2**13 * 5
    widths = np.array([s.max_st_ci_width for s in rep.steps])
    assert np.all(np.diff(widths) < 0)
    np.testing.assert_allclose(widths[1:] / widths[:-1], 2**-0.5, atol=0.15)
    assert rep.steps[0].max_st_change is None
    assert all(s.max_st_change < 0.1 for s in rep.steps[1:])
    direct = sobol_analysis(ishigami, ISHIGAMI_SPECS, 2**13, rng=9)
    np.testing.assert_array_equal(rep.result.indices["ST"], direct.indices["ST"])


def test_convergence_takes_the_keywords_of_sobol_analysis():
    groups = {"x1 and x2": ["x1", "x2"], "x3": ["x3"]}
    rep = sobol_convergence(ishigami, ISHIGAMI_SPECS, 512, rng=3, n_min=256, groups=groups,
                            num_resamples=20, conf_level=0.9)
    direct = sobol_analysis(ishigami, ISHIGAMI_SPECS, 512, rng=3, groups=groups,
                            num_resamples=20, conf_level=0.9)
    assert rep.result.names == direct.names == ("x1 and x2", "x3")
    assert rep.result.settings == direct.settings
    np.testing.assert_array_equal(rep.result.indices["ST"], direct.indices["ST"])
    with pytest.raises(TypeError, match=r"sobol_convergence\(\) .*'n_resamples'"):
        sobol_convergence(ishigami, ISHIGAMI_SPECS, 512, rng=3, n_resamples=20)


def test_morris_screening_ranks_inputs_and_zeroes_a_dummy():
    a = [5.0, 1.0, 0.0]
    specs = {f"x{i}": Uniform(0.0, 1.0) for i in range(3)}
    res = morris_screening(linear(a), specs, 30, rng=10)
    mu_star = res.indices["mu_star"][0]
    assert mu_star[0] > mu_star[1] > 0.0
    assert mu_star[2] == 0.0
    np.testing.assert_allclose(res.indices["sigma"][0], 0.0, atol=1e-9)  # linear: constant EE
    assert res.n_evaluations == 30 * 4


def test_given_data_methods_on_monte_carlo_draws():
    a = np.array([3.0, 1.0, 0.0])
    specs = {f"x{i}": Uniform(0.0, 1.0) for i in range(3)}
    mc = run_monte_carlo(linear(a), specs, 2000, seed=11, keep_inputs=True)
    rbd = given_data_indices(mc.inputs, mc.outputs["y"], rng=12)
    np.testing.assert_allclose(rbd.indices["S1"][0], [0.9, 0.1, 0.0], atol=0.05)
    state = np.random.get_state()[1].copy()  # noqa: NPY002 - checking SALib leaves it alone
    filters = list(warnings.filters)
    delta = given_data_indices(mc.inputs, mc.outputs["y"], rng=12, method="delta",
                               num_resamples=5)
    assert np.argmax(delta.indices["delta_raw"][0]) == 0
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002
    assert list(warnings.filters) == filters
    pawn = given_data_indices(mc.inputs, mc.outputs["y"], rng=12, method="pawn")
    assert np.argsort(-pawn.indices["median"][0]).tolist() == [0, 1, 2]


def test_non_finite_outputs_are_refused_before_salib_sees_them():
    def model(x):
        return {"bcr": np.where(x["x1"] > 3.0, np.inf, 1.0) * x["x2"]}

    with pytest.raises(AppraisalValidationError, match=r"'bcr' has .* NaN or infinite"):
        sobol_analysis(model, ISHIGAMI_SPECS, 256, rng=13)


def test_invalid_arguments_are_reported_together():
    with pytest.raises(AppraisalValidationError) as caught:
        sobol_analysis(ishigami, ISHIGAMI_SPECS, 1000, rng=None,
                       groups={"g": ["x1", "zz"], "h": ["x1"]})
    assert {i.field for i in caught.value.issues} == {"n", "rng", "groups.g", "groups.h"}


@settings(max_examples=8, deadline=None)
@given(coefficients=st.lists(st.floats(0.5, 5.0), min_size=2, max_size=4),
       product=st.booleans(), seed=st.integers(1, 10**6))
def test_sobol_sanity_on_random_models(coefficients, product, seed):
    """Reliability plan P18: S1 <= ST + CI; sum S1 <= 1 + tol; a dummy input has ST within
    its CI of 0; additive models have sum S1 close to 1."""
    k = len(coefficients)
    specs = {f"x{i}": Uniform(0.0, 1.0) for i in range(k + 1)}  # x_k is a dummy

    def model(x):
        terms = [c * x[f"x{i}"] for i, c in enumerate(coefficients)]
        return {"y": np.prod([1 + t for t in terms], axis=0) if product else sum(terms)}

    res = sobol_analysis(model, specs, 1024, rng=seed)
    s1, st_, s1c, stc = (res.indices[key][0] for key in ("S1", "ST", "S1_conf", "ST_conf"))
    assert np.all(s1 <= st_ + stc + s1c + 0.02)
    assert s1.sum() <= 1.0 + 0.05
    assert abs(st_[-1]) <= stc[-1] + 1e-3
    if not product:
        assert s1.sum() == pytest.approx(1.0, abs=0.05)


def test_thirty_inputs_run():
    """Scale smoke test (the 2^13 timing is in benchmarks/bench_sobol_kernels.py)."""
    coefficients = np.linspace(1.0, 3.0, 30)
    specs = {f"x{i}": Normal(0.0, 1.0) for i in range(30)}
    res = sobol_analysis(linear(coefficients), specs, 512, rng=14)
    expected = coefficients**2 / np.sum(coefficients**2)
    np.testing.assert_allclose(res.indices["ST"][0], expected, atol=0.02)
